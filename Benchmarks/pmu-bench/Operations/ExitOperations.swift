// The guest exits pmu-bench times.
//
// LEAD — TODO: implement `ExitOperations.make` with the project's KVM driver
// (VM, VCPU, guest programs). Everything around it is in place: the runner
// pins the calling thread to the PMU's CPUs, calls `make` ON THAT THREAD
// (so the vCPU runs there), interleaves `swift` and `c` in blocks, counts
// `tracepoint` on the same thread between blocks, and writes the rows with
// exits = samples × exitsPerSample and
// exits_by_tracepoint = tracepoint events / tracepointEventsPerExit.
//
// What each kind must do:
//   pio    (user space)  guest: `out` to a port, in a loop. One sample = one
//                        KVM_RUN returning KVM_EXIT_IO: the full round trip.
//                        C reference: `ExitOperations.cPIOLoop(vcpuFD:run:port:)`.
//                        Tracepoint kvm:kvm_pio, 1 event per exit.
//   mmio   (user space)  guest: a store to an unbacked guest-physical page; one
//                        sample = one KVM_RUN returning KVM_EXIT_MMIO.
//                        Tracepoint kvm:kvm_mmio, 1 event per write exit on x86
//                        (a read exit fires it twice: unsatisfied read, read).
//   cpuid  (in kernel)   guest: N × `cpuid`, then `out` to stop. One sample =
//                        one KVM_RUN, time / N; exitsPerSample = N.
//                        Tracepoint kvm:kvm_cpuid.
//   vmcall (in kernel)   as cpuid with `vmcall` (KVM answers unknown
//                        hypercalls with -KVM_ENOSYS in RAX). kvm:kvm_hypercall.
//   hvc    (arm64, in kernel) as cpuid with `hvc #0` (PSCI_VERSION). kvm:kvm_hvc_arm64.
import CBenchReference

/// One kind of guest exit.
enum ExitKind: String, CaseIterable {
    case pio, mmio, cpuid, vmcall, hvc

    /// The kinds this architecture has.
    static var forThisArchitecture: [ExitKind] {
        #if arch(x86_64)
        return [.pio, .mmio, .cpuid, .vmcall]
        #elseif arch(arm64)
        return [.mmio, .hvc]
        #else
        return []
        #endif
    }

    /// Whether KVM hands the exit to user space (timed per round trip) or
    /// handles it in the kernel (timed as a guest loop of N, divided by N).
    var returnsToUserSpace: Bool { self == .pio || self == .mmio }

    /// The kvm tracepoint that fires once per exit of this kind.
    var tracepoint: String {
        switch self {
        case .pio: return "kvm:kvm_pio"
        case .mmio: return "kvm:kvm_mmio"
        case .cpuid: return "kvm:kvm_cpuid"
        case .vmcall: return "kvm:kvm_hypercall"
        case .hvc: return "kvm:kvm_hvc_arm64"
        }
    }
}

/// A guest-exit operation ready to time, built on the calling (vCPU) thread.
struct ExitOperation {
    var kind: ExitKind
    /// Exits one sample makes: 1 for a user-space round trip, N for an in-kernel loop.
    var exitsPerSample: UInt64
    /// Events of `kind.tracepoint` per exit (see the table above).
    var tracepointEventsPerExit: UInt64 = 1
    /// Fills each sample with the ns of one exit (round trip, or loop time / N).
    var swift: SampleLoop
    /// The C reference (user-space PIO only), on the same vCPU.
    var c: SampleLoop?
    var tearDown: () -> Void
}

enum ExitOperations {
    /// Guest loop length for in-kernel exits.
    static let inKernelLoopLength: UInt64 = 1000

    /// Builds the VM and vCPU for `kind` on the calling thread.
    ///
    /// TODO(lead): wire the KVM driver here. Until then every kind reports
    /// itself unavailable, and the report says so.
    static func make(kind: ExitKind, loopLength: UInt64) throws(BenchFailure) -> ExitOperation {
        _ = loopLength
        throw BenchFailure("the KVM driver is not wired into pmu-bench yet (TODO in ExitOperations.make)")
    }

    /// The C reference for user-space PIO: KVM_RUN on `vcpuFD` per sample,
    /// each return checked to be KVM_EXIT_IO on `port` through `run` (the
    /// vCPU's mmap'ed struct kvm_run). Failure codes: -errno, or 1000 + exit_reason.
    static func cPIOLoop(vcpuFD: Int32, run: UnsafeMutableRawPointer, port: UInt16) -> SampleLoop {
        { samples in cbr_kvm_pio_loop(vcpuFD, run, port, samples.baseAddress, UInt64(samples.count)) }
    }
}
