// The guest exits pmu-bench times, with the project's KVM driver.
//
// The runner pins the calling thread (the vCPU thread) and calls `make` ON
// THAT THREAD, so every VCPU runs there; it interleaves `swift` and `c` in
// blocks and counts the kind's kvm tracepoint on the same thread between
// blocks: exits = samples × exitsPerSample, exits_by_tracepoint = events /
// tracepointEventsPerExit.
//
//   pio    (user space)  X86Programs.portWrites(65535): one sample = one
//                        KVM_RUN returning KVM_EXIT_IO, the full round trip.
//                        C reference cbr_kvm_pio_loop on its own VCPU.
//   mmio   (user space)  X86Programs.mmioWrites / ARM64Programs.mmioWrites:
//                        one KVM_RUN returning KVM_EXIT_MMIO (write). C
//                        reference cbr_kvm_mmio_loop. kvm:kvm_mmio fires once
//                        per write exit.
//   cpuid  (in kernel)   X86Programs.cpuidLoop(N): one sample = the KVM_RUN
//                        that runs N CPUIDs and returns at the report OUT,
//                        time / N. kvm:kvm_cpuid.
//   rdmsr  (in kernel)   X86Programs.rdmsrLoop(N) of IA32_TSC. kvm:kvm_msr.
//   vmcall (in kernel)   X86Programs.hypercallLoop(N). Where KVM emulates real
//                        mode (PVM) the instruction raises #UD (the guest's
//                        handler reports 'U') or never returns; the probe
//                        below reports either as unavailable, with evidence.
//   hvc    (arm64, in kernel) ARM64Programs.hvcLoop(N). kvm:kvm_hvc_arm64.
//
// Nothing waits without a limit. Every kind is first probed: one sample's
// guest under a short deadline (probeLimit), which must end in the kind's
// expected exit; a guest that does not (a hypercall this KVM never returns
// from, #UD, a wrong exit) makes the kind an `unavailable` row with what was
// measured, and the run goes on. Every timed block then runs under a deadline
// of its own (blockLimit), the C loops too (the deadline's signal makes their
// KVM_RUN return EINTR).
//
// A user-space program makes at most 65535 exits: when a block needs more
// than the VCPU has left, a fresh VM is made between blocks (untimed). An
// in-kernel sample restarts the program before the timed KVM_RUN (x86: back
// to the entry after its HLT; arm64: a fresh VM, since SYSTEM_OFF stops the VCPU).
import CBenchReference
import CPerfEvents
import KVM
import KVMGuestPrograms
import PerfEvents
import PMUBenchCore

/// One kind of guest exit.
enum ExitKind: String, CaseIterable {
    case pio, mmio, cpuid, rdmsr, vmcall, hvc

    /// The kinds this architecture has.
    static var forThisArchitecture: [ExitKind] {
        #if arch(x86_64)
        return [.pio, .mmio, .cpuid, .rdmsr, .vmcall]
        #elseif arch(arm64)
        return [.mmio, .hvc]
        #else
        return []
        #endif
    }

    /// Kinds of other architectures, named for the `unavailable` list, with why.
    static var ofOtherArchitectures: [(what: String, reason: String)] {
        #if arch(x86_64)
        let reason = "arm64 guests only: this host is x86_64"
        return [("exit mmio (arm64 guest)", reason), ("exit hvc (arm64 guest)", reason)]
        #elseif arch(arm64)
        let reason = "x86 guests only: this host is arm64"
        return [("exit pio (x86 guest)", reason), ("exit cpuid (x86 guest)", reason),
                ("exit rdmsr (x86 guest)", reason), ("exit vmcall (x86 guest)", reason)]
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
        case .rdmsr: return "kvm:kvm_msr"
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
    /// Events of `kind.tracepoint` per exit.
    var tracepointEventsPerExit: UInt64 = 1
    /// Fills each sample with the ns of one exit (round trip, or loop time / N).
    var swift: SampleLoop
    /// The C reference, timing the same region: a KVM_RUN round trip on a VCPU
    /// of its own (user-space exits), or the one KVM_RUN of the guest loop.
    var c: SampleLoop?
    /// The floor: KVM_RUN with `immediate_exit` set (into the ioctl and straight
    /// back with EINTR, no guest entry), on the C side's VCPU; nil for in-kernel loops.
    var floor: SampleLoop?
    var tearDown: () -> Void
}

/// A VM with one VCPU whose program makes at most `capacity` user-space exits
/// of one kind; replaced by a fresh one when a block needs more than it has left.
final class RoundTripGuest {
    let capacity: Int
    private let start: () throws(KVMError) -> VirtualMachine
    private var vm: VirtualMachine
    private var remaining: Int

    init(capacity: Int, start: @escaping () throws(KVMError) -> VirtualMachine) throws(KVMError) {
        self.capacity = capacity
        self.start = start
        vm = try start()
        remaining = capacity
    }

    /// The VCPU, with at least `count` (≤ capacity) exits left in its program.
    func reserve(_ count: Int) throws(KVMError) -> VCPU {
        if remaining < count {
            vm.close()
            vm = try start()
            remaining = capacity
        }
        remaining -= count
        guard let vcpu = vm.vcpus.first else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
        return vcpu
    }

    func close() { vm.close() }

    /// The VCPU as it is (for the immediate-exit floor, which never enters the guest).
    var vcpu: VCPU? { vm.vcpus.first }
}

enum ExitOperations {
    /// Guest loop length for in-kernel exits.
    static let inKernelLoopLength: UInt64 = 1000
    /// Exits a user-space program makes before it is replaced (its 16-bit count).
    static let roundTripsPerGuest = 65535

    /// Builds the VM(s) and VCPU(s) for `kind` on the calling thread.
    ///
    /// - Parameters:
    ///   - pmu: the core PMU the VCPU threads were pinned to (an arm64 VM gets it
    ///     with SET_PMU), or nil without one.
    ///   - resolver: resolves the tracepoint the vmcall check counts.
    static func make(kind: ExitKind, loopLength: UInt64, pmu: PMU?, resolver: Resolver,
                     flavour: KVMFlavour) throws(BenchFailure) -> ExitOperation {
        let instruction = X86Programs.HypercallInstruction.native(vendor: flavour.cpuVendor)
        try probe(kind, loopLength: loopLength, pmu: pmu, instruction: instruction, resolver: resolver, flavour: flavour)
        do throws(KVMError) {
            switch kind {
            case .pio:
                let port = X86Programs.reportPort
                let program = X86Programs.portWrites(count: UInt16(roundTripsPerGuest), port: port)
                return try roundTrip(kind, start: { () throws(KVMError) in try x86VM(program) }, matches: { exit in
                    if case .io(let io) = exit { return io.port == port && io.direction == .output }
                    return false
                }, c: { vcpuFD, run, samples in
                    cbr_kvm_pio_loop(vcpuFD, run, port, samples.baseAddress, UInt64(samples.count))
                })
            case .mmio:
                #if arch(arm64)
                let program = ARM64Programs.mmioWrites(count: UInt32(roundTripsPerGuest))
                let address = UInt64(ARM64Programs.mmioAddress)
                let start = { () throws(KVMError) in try arm64VM(program, pmu: pmu) }
                #else
                let program = X86Programs.mmioWrites(count: UInt16(roundTripsPerGuest))
                let address = X86Programs.mmioAddress
                let start = { () throws(KVMError) in try x86VM(program) }
                #endif
                return try roundTrip(kind, start: start, matches: { exit in
                    if case .mmio(let access) = exit { return access.address == address && access.isWrite }
                    return false
                }, c: { vcpuFD, run, samples in
                    cbr_kvm_mmio_loop(vcpuFD, run, address, samples.baseAddress, UInt64(samples.count))
                })
            case .cpuid:
                return try x86Loop(kind, X86Programs.cpuidLoop(count: count(loopLength)), marker: 0x43)
            case .rdmsr:
                return try x86Loop(kind, X86Programs.rdmsrLoop(count: count(loopLength)), marker: 0x4D)
            case .vmcall:
                return try x86Loop(kind, X86Programs.hypercallLoop(count: count(loopLength), instruction: instruction),
                                   marker: X86Programs.hypercallDoneMarker)
            case .hvc:
                let program = ARM64Programs.hvcLoop(count: UInt32(truncatingIfNeeded: loopLength))
                let address = UInt64(ARM64Programs.mmioAddress)
                // SYSTEM_OFF stops the VCPU for good: every sample gets a fresh VM (untimed).
                var current: VirtualMachine?
                return inKernelLoop(kind, loopLength: loopLength, prepare: { () throws(KVMError) -> VCPU in
                    current?.close()
                    let vm = try arm64VM(program, pmu: pmu)
                    current = vm
                    guard let vcpu = vm.vcpus.first else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
                    return vcpu
                }, isReport: { exit in
                    if case .mmio(let access) = exit { return access.address == address }
                    return false
                }, finish: { _ throws(KVMError) in }, tearDown: { current?.close() })
            }
        } catch {
            throw BenchFailure("\(kind.rawValue): \(error.description)")
        }
    }

    private static func count(_ loopLength: UInt64) -> UInt16 {
        UInt16(clamping: loopLength)
    }

    /// A fresh x86 VM with `program` loaded and one VCPU at its start in real mode.
    static func x86VM(_ program: GuestProgram) throws(KVMError) -> VirtualMachine {
        let vm = try VirtualMachine()
        _ = try vm.prepareX86RealMode(program)
        return vm
    }

    /// A fresh arm64 VM with `program` in RAM and one VCPU at its start; the VM
    /// gets `pmu` (SET_PMU) when there is one.
    static func arm64VM(_ program: GuestProgram, pmu: PMU?) throws(KVMError) -> VirtualMachine {
        let vm = try VirtualMachine()
        try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
        try vm.write(program.code, at: program.loadAddress)
        try vm.prepareARM64(entry: program.loadAddress, pmu: pmu.map { ARM64PMUConfiguration(pmuType: $0.type) })
        return vm
    }

    /// A user-space round trip: one KVM_RUN per sample, each return checked.
    /// Swift and C each get a guest of their own.
    private static func roundTrip(
        _ kind: ExitKind, start: @escaping () throws(KVMError) -> VirtualMachine,
        matches: @escaping (VCPUExit) -> Bool,
        c: @escaping (Int32, UnsafeMutableRawPointer, UnsafeMutableBufferPointer<UInt64>) -> Int64
    ) throws(KVMError) -> ExitOperation {
        let swiftGuest = try RoundTripGuest(capacity: roundTripsPerGuest, start: start)
        let cGuest: RoundTripGuest
        do {
            cGuest = try RoundTripGuest(capacity: roundTripsPerGuest, start: start)
        } catch {
            swiftGuest.close()
            throw error
        }
        let swift: SampleLoop = { samples in
            inChunks(samples, of: swiftGuest.capacity) { chunk in
                let vcpu: VCPU
                do throws(KVMError) { vcpu = try swiftGuest.reserve(chunk.count) } catch { return failureCode(error) }
                let deadline: RunDeadline
                do throws(KVMError) { deadline = try RunDeadline(nanoseconds: blockLimit) } catch { return failureCode(error) }
                return swiftRoundTripLoop(vcpu, deadline, matches, chunk)
            }
        }
        let cLoop: SampleLoop = { samples in
            inChunks(samples, of: cGuest.capacity) { chunk in
                let vcpu: VCPU
                do throws(KVMError) { vcpu = try cGuest.reserve(chunk.count) } catch { return failureCode(error) }
                guard let run = vcpu.runStructure else { return -Int64(Errno.badFileDescriptor.rawValue) }
                // The C loop's KVM_RUN returns EINTR once the deadline's signal comes.
                let deadline: RunDeadline
                do throws(KVMError) { deadline = try RunDeadline(nanoseconds: blockLimit) } catch { return failureCode(error) }
                let result = c(vcpu.fd, run, chunk)
                if result == -Int64(Errno.interrupted.rawValue), deadline.hasExpired { return timedOutCode }
                return result
            }
        }
        let floor: SampleLoop = { samples in
            guard let vcpu = cGuest.vcpu, let run = vcpu.runStructure else { return -Int64(Errno.badFileDescriptor.rawValue) }
            return cbr_kvm_immediate_exit_loop(vcpu.fd, run, samples.baseAddress, UInt64(samples.count))
        }
        return ExitOperation(kind: kind, exitsPerSample: 1, swift: swift, c: cLoop, floor: floor, tearDown: {
            swiftGuest.close()
            cGuest.close()
        })
    }

    /// An x86 in-kernel loop: the timed KVM_RUN ends at the program's report OUT
    /// (`marker`); the untimed rest runs it to its HLT and puts the VCPU back at the entry.
    private static func x86Loop(_ kind: ExitKind, _ program: GuestProgram, marker: UInt8) throws(KVMError) -> ExitOperation {
        let vm = try x86VM(program)
        guard let vcpu = vm.vcpus.first else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
        let entry = UInt16(truncatingIfNeeded: program.loadAddress)
        return inKernelLoop(kind, loopLength: UInt64(program.kernelExits), prepare: { () throws(KVMError) -> VCPU in
            try vcpu.startX86RealMode(entry: entry, stack: 0x8000)
            return vcpu
        }, isReport: { exit in
            if case .io(let io) = exit { return io.port == X86Programs.reportPort && io.data == [marker] }
            return false
        }, finish: { vcpu throws(KVMError) in
            let end = try vcpu.run(timeLimit: probeLimit)
            guard end == .halt else {
                throw KVMError(.callFailed, call: "ioctl KVM_RUN: expected the program's HLT, got \(end.kind)")
            }
        }, tearDown: { vm.close() })
    }

    /// Per sample: `prepare` (untimed), the timed KVM_RUN that must return the
    /// report exit, the time divided by `loopLength`, then `finish` (untimed).
    private static func inKernelLoop(
        _ kind: ExitKind, loopLength: UInt64,
        prepare: @escaping () throws(KVMError) -> VCPU, isReport: @escaping (VCPUExit) -> Bool,
        finish: @escaping (VCPU) throws(KVMError) -> Void, tearDown: @escaping () -> Void
    ) -> ExitOperation {
        let divisor = max(1, loopLength)
        // Per sample: prepare (untimed), the timed KVM_RUN, the check and finish (untimed).
        // `timedRun` is the only difference between Swift and C.
        func loop(_ timedRun: @escaping (VCPU, RunDeadline) -> (elapsed: UInt64, failure: Int64?)) -> SampleLoop {
            { samples in
                guard let base = samples.baseAddress else { return 0 }
                let deadline: RunDeadline
                do throws(KVMError) { deadline = try RunDeadline(nanoseconds: blockLimit) } catch { return failureCode(error) }
                for index in 0..<samples.count {
                    let vcpu: VCPU
                    do throws(KVMError) { vcpu = try prepare() } catch { return failureCode(error) }
                    let (elapsed, failure) = timedRun(vcpu, deadline)
                    if let failure { return failure }
                    base[index] = elapsed / divisor
                    let exit: VCPUExit
                    do throws(KVMError) { exit = try vcpu.currentExit() } catch { return failureCode(error) }
                    guard isReport(exit) else { return sampleFailure(exit, vcpu) }
                    do throws(KVMError) { try finish(vcpu) } catch { return failureCode(error) }
                }
                return 0
            }
        }
        let swift = loop { vcpu, deadline in
            let start = cpe_monotonic_raw_ns()
            let entry: VCPUEntry
            do throws(KVMError) { entry = try vcpu.enter(before: deadline) } catch { return (0, failureCode(error)) }
            let end = cpe_monotonic_raw_ns()
            guard case .exited = entry else { return (0, entry == .interrupted ? -Int64(Errno.interrupted.rawValue) : timedOutCode) }
            return (end &- start, nil)
        }
        let c = loop { vcpu, deadline in
            var elapsed: UInt64 = 0
            let result = cbr_kvm_run_timed(vcpu.fd, &elapsed)
            if result == -Int64(Errno.interrupted.rawValue), deadline.hasExpired { return (0, timedOutCode) }
            return result < 0 ? (0, result) : (elapsed, nil)
        }
        return ExitOperation(kind: kind, exitsPerSample: divisor, swift: swift, c: c, tearDown: tearDown)
    }

    /// How long a probe's guest may run before the kind is declared unavailable.
    static let probeLimit: UInt64 = 1_000_000_000
    /// How long one timed block may run (a block is ≤ a few ms of exits when all is well).
    static let blockLimit: UInt64 = 10_000_000_000
    /// A timed loop's failure code for "the deadline stopped KVM_RUN".
    static let timedOutCode: Int64 = 999

    /// Runs one sample's guest of `kind` under ``probeLimit`` and throws, with what was
    /// measured, unless it ends in the kind's expected exit: a guest that runs on
    /// (a hypercall this KVM never returns from), a #UD, or another exit.
    static func probe(_ kind: ExitKind, loopLength: UInt64, pmu: PMU?,
                      instruction: X86Programs.HypercallInstruction, resolver: Resolver,
                      flavour: KVMFlavour) throws(BenchFailure) {
        let program: GuestProgram
        let expected: (VCPUExit) -> Bool
        var arm64 = false
        switch kind {
        case .pio:
            program = X86Programs.portWrites(count: 1)
            expected = { if case .io(let io) = $0 { return io.port == X86Programs.reportPort }; return false }
        case .mmio:
            #if arch(arm64)
            program = ARM64Programs.mmioWrites(count: 1)
            arm64 = true
            let address = UInt64(ARM64Programs.mmioAddress)
            #else
            program = X86Programs.mmioWrites(count: 1)
            let address = X86Programs.mmioAddress
            #endif
            expected = { if case .mmio(let access) = $0 { return access.address == address && access.isWrite }; return false }
        case .cpuid:
            program = X86Programs.cpuidLoop(count: count(loopLength))
            expected = reportExit(0x43)
        case .rdmsr:
            program = X86Programs.rdmsrLoop(count: count(loopLength))
            expected = reportExit(0x4D)
        case .vmcall:
            program = X86Programs.hypercallLoop(count: 1, instruction: instruction)
            expected = reportExit(X86Programs.hypercallDoneMarker)
        case .hvc:
            program = ARM64Programs.hvcLoop(count: 1)
            arm64 = true
            let address = UInt64(ARM64Programs.mmioAddress)
            expected = { if case .mmio(let access) = $0 { return access.address == address }; return false }
        }
        // The flavour's known gap, only for the instruction the benchmark picks for this
        // vendor (the other vendor's instruction failing is the benchmark's mistake).
        let native = instruction == X86Programs.HypercallInstruction.native(vendor: flavour.cpuVendor)
        try probe(program, arm64: arm64, pmu: pmu, limit: probeLimit, expected: expected,
                  tracepoints: [kind.tracepoint, "kvm:kvm_exit"], resolver: resolver, flavour: flavour,
                  condition: { symptom in native ? hostCondition(kind, flavour: flavour, symptom: symptom) : nil })
    }

    /// What a probe's guest did instead of the expected exit.
    enum ProbeSymptom: Hashable {
        /// The deadline stopped KVM_RUN: the guest never exited.
        case neverExited
        /// The guest's #UD handler reported: the instruction is undefined there.
        case undefinedInstruction
        /// Another exit than the expected one.
        case otherExit
    }

    /// KVM flavours known not to give an exit kind, with the symptoms that show it:
    /// PVM emulates real mode, where VMCALL raises #UD or never returns (see the top).
    static let knownMissingExits: [KVMFlavour.Kind: [ExitKind: Set<ProbeSymptom>]] = [
        .pvm: [.vmcall: [.neverExited, .undefinedInstruction]],
    ]

    /// ``HostCondition/kvmFlavourWithoutExit`` where `flavour` is known not to give
    /// `kind` and the probe showed that known symptom; nil (a failure) otherwise.
    static func hostCondition(_ kind: ExitKind, flavour: KVMFlavour, symptom: ProbeSymptom) -> HostCondition? {
        knownMissingExits[flavour.kind]?[kind]?.contains(symptom) == true ? .kvmFlavourWithoutExit : nil
    }

    /// Runs `program` once under `limit` on a fresh VM and throws a ``BenchFailure``
    /// naming the program, the KVM, what the guest did and how long it ran, and the
    /// counts of `tracepoints` over the run, unless the exit is `expected`.
    static func probe(_ program: GuestProgram, arm64: Bool, pmu: PMU?, limit: UInt64,
                      expected: (VCPUExit) -> Bool, tracepoints: [String], resolver: Resolver,
                      flavour: KVMFlavour,
                      condition: (ProbeSymptom) -> HostCondition? = { _ in nil }) throws(BenchFailure) {
        let counters = tracepoints.map { try? TracepointCounter($0, resolver: resolver) }
        let before = counters.map { $0?.read() }
        let exit: VCPUExit
        let start = cpe_monotonic_ns()
        do throws(KVMError) {
            let vm = arm64 ? try arm64VM(program, pmu: pmu) : try x86VM(program)
            defer { vm.close() }
            guard let vcpu = vm.vcpus.first else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
            exit = try vcpu.run(timeLimit: limit)
        } catch {
            throw BenchFailure("the probe (\(program.name)) failed on \(flavour): \(error.description)")
        }
        let elapsed = cpe_monotonic_ns() &- start
        if expected(exit) { return }
        var counted: [String] = []
        for (index, name) in tracepoints.enumerated() {
            guard let first = before[index], let last = counters[index]?.read() else {
                counted.append("\(name) not countable")
                continue
            }
            counted.append("\(name) \(last &- first)")
        }
        let evidence = "on \(flavour); counted over the probe: " + counted.joined(separator: ", ")
        let seconds = formatSeconds(elapsed)
        switch exit {
        case .timedOut:
            throw BenchFailure("the guest (\(program.name)) never exited: its deadline of \(formatSeconds(limit)) "
                + "stopped KVM_RUN after \(seconds) \(evidence)", condition: condition(.neverExited))
        case .io(let report) where report.port == X86Programs.reportPort
            && report.data.first == X86Programs.undefinedInstructionMarker:
            throw BenchFailure("the guest (\(program.name)) took #UD (its handler reported it after \(seconds)) "
                + "\(evidence): this KVM does not run the instruction as a hypercall in a real-mode guest",
                condition: condition(.undefinedInstruction))
        default:
            throw BenchFailure("the guest (\(program.name)) ended with exit \(exit.kind), not the expected one, "
                + "after \(seconds) \(evidence)", condition: condition(.otherExit))
        }
    }

    /// "1.00 s" / "12.3 ms".
    static func formatSeconds(_ nanoseconds: UInt64) -> String {
        if nanoseconds >= 1_000_000_000 {
            let hundredths = nanoseconds / 10_000_000
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
        }
        let tenths = nanoseconds / 100_000
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    /// The program's report OUT with `marker`.
    static func reportExit(_ marker: UInt8) -> (VCPUExit) -> Bool {
        { exit in
            if case .io(let io) = exit { return io.port == X86Programs.reportPort && io.data == [marker] }
            return false
        }
    }

    /// A sample's failure code for an unexpected exit: ``timedOutCode`` for the
    /// deadline, else 1000 + `kvm_run.exit_reason`.
    static func sampleFailure(_ exit: VCPUExit, _ vcpu: VCPU) -> Int64 {
        if case .timedOut = exit { return timedOutCode }
        return 1000 + Int64(exitReason(vcpu))
    }

    /// `kvm_run.exit_reason`.
    static func exitReason(_ vcpu: VCPU) -> UInt32 {
        vcpu.runStructure?.load(fromByteOffset: KVMRunLayout.exitReason, as: UInt32.self) ?? 0
    }

    static func failureCode(_ error: KVMError) -> Int64 {
        -Int64((error.errno ?? .ioError).rawValue)
    }

    /// Runs `body` on consecutive slices of at most `size` samples.
    static func inChunks(_ samples: UnsafeMutableBufferPointer<UInt64>, of size: Int,
                         _ body: (UnsafeMutableBufferPointer<UInt64>) -> Int64) -> Int64 {
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + max(1, size))
            let result = body(UnsafeMutableBufferPointer(rebasing: samples[start..<end]))
            if result != 0 { return result }
            start = end
        }
        return 0
    }
}

/// The Swift round-trip loop: the timed region is `VCPU.enter(before:)` alone
/// (one KVM_RUN and the exit reason, as the C loop times one ioctl); the exit is
/// decoded and checked after the second clock read, as the C loop checks
/// `exit_reason` and the port or address after its own.
@inline(never)
func swiftRoundTripLoop(_ vcpu: VCPU, _ deadline: RunDeadline, _ matches: (VCPUExit) -> Bool,
                        _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    guard let base = samples.baseAddress else { return 0 }
    for index in 0..<samples.count {
        let start = cpe_monotonic_raw_ns()
        let entry: VCPUEntry
        do throws(KVMError) { entry = try vcpu.enter(before: deadline) } catch {
            return ExitOperations.failureCode(error)
        }
        let end = cpe_monotonic_raw_ns()
        base[index] = end &- start
        guard case .exited = entry else {
            return entry == .interrupted ? -Int64(Errno.interrupted.rawValue) : ExitOperations.timedOutCode
        }
        let exit: VCPUExit
        do throws(KVMError) { exit = try vcpu.currentExit() } catch { return ExitOperations.failureCode(error) }
        guard matches(exit) else { return ExitOperations.sampleFailure(exit, vcpu) }
    }
    return 0
}
