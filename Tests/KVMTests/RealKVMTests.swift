import CPerfEvents
import Foundation
import PerfEvents
import Testing
@testable import KVM

/// A tracepoint counter on the calling thread (the VCPU thread), opened with
/// perf_event_open directly (type 2 = PERF_TYPE_TRACEPOINT, config = tracefs id).
final class TracepointCounter {
    let fd: Int32
    let name: String

    static func tracefs() -> String? {
        let root = "/sys/kernel/tracing"
        if !FileManager.default.fileExists(atPath: root + "/events/kvm") {
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tracefs", "nodev", root]
            try? mount.run()
            mount.waitUntilExit()
        }
        return FileManager.default.fileExists(atPath: root + "/events/kvm") ? root : nil
    }

    init(_ event: String) throws {
        name = event
        guard let root = Self.tracefs() else { throw SystemError(call: "tracefs", subject: event, errno: .noSuchFileOrDirectory) }
        let text = try String(contentsOfFile: "\(root)/events/kvm/\(event)/id", encoding: .utf8)
        guard let id = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SystemError(call: "parse", subject: "\(event)/id", errno: .invalidArgument)
        }
        var attr = perf_event_attr()
        attr.type = 2
        attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
        attr.config = id
        attr.sample_period = 1
        let opened = cpe_perf_event_open(&attr, 0, -1, -1, 8 /* PERF_FLAG_FD_CLOEXEC */)
        guard opened >= 0 else { throw SystemError(call: "perf_event_open", subject: "kvm:\(event)", errno: Errno(rawValue: -opened)) }
        fd = opened
    }

    var count: UInt64 {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { cpe_read(fd, $0.baseAddress, 8) }
        return value
    }

    deinit { _ = cpe_close(fd) }
}

/// Runs a VCPU until the guest halts, shuts down or fails, collecting every exit
/// (at most `limit`, so a runaway guest fails the test instead of hanging it).
func runToEnd(_ vcpu: VCPU, limit: Int = 100_000) throws -> [VCPUExit] {
    var exits: [VCPUExit] = []
    while exits.count < limit {
        let exit = try vcpu.run()
        exits.append(exit)
        switch exit {
        case .io, .mmio: continue
        default: return exits
        }
    }
    return exits
}

var kvmUsable: Bool { FileManager.default.fileExists(atPath: "/dev/kvm") }

/// Real KVM on this machine (x86_64). Serialized: the leak check counts this process's
/// KVM descriptors and mappings, and tracepoint counts are per thread anyway.
@Suite(.serialized, .enabled(if: kvmUsable, "needs /dev/kvm"))
struct RealKVMTests {
    static let n: UInt16 = 200

    @Test func portWritesExitExactlyNTimes() throws {
        let userspaceExits = try TracepointCounter("kvm_userspace_exit")
        let pio = try TracepointCounter("kvm_pio")
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: Self.n))
        let before = (userspaceExits.count, pio.count)
        let exits = try runToEnd(vcpu)
        let after = (userspaceExits.count, pio.count)

        let expected = (0..<Int(Self.n)).map { index in
            VCPUExit.io(PortIO(direction: .output, size: 1, port: 0x10, count: 1,
                               data: [UInt8(truncatingIfNeeded: Int(Self.n) - index)], dataOffset: 4096))
        } + [.halt]
        #expect(exits.count == expected.count)
        #expect(exits.map(\.kind) == expected.map(\.kind))
        // data_offset is KVM's choice (a page into the mapping on x86); compare the rest.
        let seen = exits.compactMap { exit -> [UInt8]? in if case .io(let io) = exit { return io.data } else { return nil } }
        #expect(seen == (0..<Int(Self.n)).map { [UInt8(truncatingIfNeeded: Int(Self.n) - $0)] })
        // The kernel agrees: one userspace exit per KVM_RUN return (n OUTs + HLT), n port writes.
        #expect(after.0 - before.0 == UInt64(Self.n) + 1)
        #expect(after.1 - before.1 == UInt64(Self.n))
    }

    @Test func mmioWritesExitExactlyNTimes() throws {
        let userspaceExits = try TracepointCounter("kvm_userspace_exit")
        let mmio = try TracepointCounter("kvm_mmio")
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.mmioWrites(count: Self.n))
        let before = (userspaceExits.count, mmio.count)
        let exits = try runToEnd(vcpu)
        let after = (userspaceExits.count, mmio.count)

        let expected = (0..<Int(Self.n)).map { index in
            VCPUExit.mmio(MMIOAccess(address: X86Programs.mmioAddress, data: [UInt8(truncatingIfNeeded: Int(Self.n) - index)],
                                     length: 1, isWrite: true))
        } + [.halt]
        #expect(exits == expected)
        #expect(after.0 - before.0 == UInt64(Self.n) + 1)
        #expect(after.1 - before.1 == UInt64(Self.n))
    }

    /// CPUID and RDMSR loops stay in the kernel: user space sees only the report and HLT,
    /// while the kernel's per-instruction tracepoints count exactly n.
    @Test(arguments: ["cpuid", "rdmsr"])
    func inKernelLoopsCountExactlyN(kind: String) throws {
        let program = kind == "cpuid" ? X86Programs.cpuidLoop(count: Self.n) : X86Programs.rdmsrLoop(count: Self.n)
        let perInstruction = try TracepointCounter(kind == "cpuid" ? "kvm_cpuid" : "kvm_msr")
        let userspaceExits = try TracepointCounter("kvm_userspace_exit")
        let kvmExit = try TracepointCounter("kvm_exit")
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(program)
        let before = (perInstruction.count, userspaceExits.count, kvmExit.count)
        let exits = try runToEnd(vcpu)
        let after = (perInstruction.count, userspaceExits.count, kvmExit.count)

        let marker: UInt8 = kind == "cpuid" ? 0x43 : 0x4D
        #expect(exits.count == 2)
        if case .io(let report)? = exits.first { #expect(report.data == [marker] && report.port == 0x10) } else {
            Issue.record("expected the report OUT, got \(exits)")
        }
        #expect(exits.last == .halt)
        #expect(after.0 - before.0 == UInt64(Self.n))
        #expect(after.1 - before.1 == 2)
        // kvm:kvm_exit fires on VMX/SVM exits. Where KVM runs real mode by emulation
        // (PVM, this machine) it never fires; where it does, the n loop exits, the OUT
        // and the HLT are among them (plus page faults and host interrupts).
        let hardwareExits = after.2 - before.2
        if hardwareExits > 0 { #expect(hardwareExits >= UInt64(Self.n) + 2) }
    }

    /// VMCALL/VMMCALL loop. On hardware virtualisation KVM answers hypercall 0 with
    /// -KVM_ENOSYS and the loop reports 'H' with kvm:kvm_hypercall == n. Where KVM
    /// emulates real mode (PVM, this machine) the instruction raises #UD: the program's
    /// handler reports 'U' and no hypercall has been made. Either way exact; the
    /// watchdog only guards against a guest that never exits.
    @Test func hypercallLoop() throws {
        let vendor = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("vendor_id") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? ""
        let program = X86Programs.hypercallLoop(count: Self.n, instruction: .native(vendor: vendor))
        let hypercalls = try TracepointCounter("kvm_hypercall")
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(program)

        let watchdog = Watchdog()
        defer { watchdog.stop() }
        let before = hypercalls.count
        let exits = try runToEnd(vcpu, limit: 10)
        watchdog.stop()
        let made = hypercalls.count - before

        #expect(exits.count == 2 && exits.last == .halt, "\(exits)")
        guard case .io(let report)? = exits.first, let marker = report.data.first else { return }
        if marker == X86Programs.hypercallDoneMarker {
            #expect(made == UInt64(Self.n))
        } else {
            #expect(marker == X86Programs.undefinedInstructionMarker)
            #expect(made == 0)
            print("KVM here raises #UD for \(program.name) in real mode (emulated); no hypercall made")
        }
    }

    @Test func arm64CallsFailClearlyOnThisKVM() throws {
        #if arch(x86_64)
        let vm = try VirtualMachine()
        #expect(try vm.supportsARMPMUv3() == false)
        do {
            _ = try vm.armPreferredTarget()
            Issue.record("KVM_ARM_PREFERRED_TARGET worked on x86")
        } catch {
            #expect(error.reason == .notARM64KVM(operation: "KVM_ARM_PREFERRED_TARGET"))
            #expect(error.errno == .notTTY)
            #expect(error.description.hasPrefix("not an arm64 KVM"))
        }
        try vm.createVCPU()
        for attempt in 0..<2 {
            do {
                if attempt == 0 { try vm.prepareARM64(entry: ARM64Programs.memoryBase, pmuType: 8) } else { try vm.setARMPMU(type: 8) }
                Issue.record("arm64 PMU setup worked on x86")
            } catch {
                guard case .notARM64KVM = error.reason else { Issue.record("\(error)"); continue }
                #expect(error.description.contains("KVM_CAP_ARM_PMU_V3"))
            }
        }
        // A raw VCPU ioctl unknown to x86 KVM answers EINVAL (kvm_arch_vcpu_ioctl's
        // default), not ENOTTY: why the VM-level calls check KVM_CAP_ARM_PMU_V3 first.
        do {
            try vm.vcpus[0].armInitialise(ARM64VCPUInit(target: 0))
            Issue.record("KVM_ARM_VCPU_INIT worked on x86")
        } catch {
            #expect(error.errno == .invalidArgument)
        }
        let trials = VirtualPMUReport.arm64Trials(corePMUs: PMUChoiceTests.rk3399)
        #expect(trials.count == 2)
        for trial in trials {
            guard case .notApplicable(let why) = trial.verdict else { Issue.record("\(trial)"); continue }
            #expect(why.contains("not an arm64 KVM"))
        }
        #endif
    }

    @Test func x86VirtualPMUState() throws {
        #if arch(x86_64)
        let parameter = try? String(contentsOfFile: "/sys/module/kvm/parameters/enable_pmu", encoding: .utf8)
        let state = VirtualPMUReport.x86State(corePMUs: [])
        #expect(state.enablePMU == parameter.map { $0.hasPrefix("Y") })
        // The kernel's own answer agrees with the parameter: KVM_PMU_CAP_DISABLE only while enabled.
        let capability = try #require(state.pmuCapability)
        #expect((capability != 0) == (state.enablePMU ?? false))
        #expect(!state.hybridHost)
        print("x86 vPMU: \(state.summary)")
        #endif
    }

    /// 1,000 create/run/destroy cycles leave no KVM descriptor, no mapping and no memory behind.
    @Test func thousandCyclesLeakNothing() throws {
        func cycle() throws {
            let vm = try VirtualMachine()
            let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: 1))
            let exits = try runToEnd(vcpu)
            #expect(exits.count == 2)
        }
        try cycle()  // warm-up: first-use allocations (Swift metadata, malloc arenas)
        let start = ProcessSnapshot()
        for _ in 0..<1000 { try cycle() }
        let end = ProcessSnapshot()
        #expect(end.kvmDescriptors == start.kvmDescriptors)
        #expect(end.kvmDescriptors == 0)
        #expect(end.kvmMappings == start.kvmMappings)
        // Each cycle maps 64 KiB of guest memory plus the kvm_run pages; leaking either
        // once per cycle would grow RSS by ≥ 1000 × 12 KiB = 12 MiB. 2 MiB covers malloc
        // and Swift runtime noise while still catching a 2 KiB-per-cycle leak.
        #expect(end.residentPages - start.residentPages < 512, "RSS grew \(end.residentPages - start.residentPages) pages")
        print("1000 cycles: KVM fds \(start.kvmDescriptors)→\(end.kvmDescriptors), KVM/guest mappings \(start.kvmMappings)→\(end.kvmMappings), RSS \(start.residentPages)→\(end.residentPages) pages, all fds \(start.allDescriptors)→\(end.allDescriptors)")
    }
}

/// What a leak would change in this process.
struct ProcessSnapshot {
    var allDescriptors = 0
    var kvmDescriptors = 0
    var kvmMappings = 0
    var residentPages = 0

    init() {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        allDescriptors = fds.count
        kvmDescriptors = fds.filter { fd in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? ""
            return target == "/dev/kvm" || target.hasPrefix("anon_inode:kvm")
        }.count
        let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
        // kvm_run mappings show as anon_inode:kvm-vcpu:N; MAP_SHARED|MAP_ANONYMOUS guest memory as /dev/zero (deleted).
        kvmMappings = maps.split(separator: "\n").filter { $0.contains("kvm-vcpu") || $0.contains("/dev/zero") }.count
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        residentPages = Int(statm.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Sends SIGUSR1 to the thread that created it every 200 ms (after a 1 s grace) until
/// stopped, so a guest that never exits ends `KVM_RUN` with EINTR instead of hanging.
final class Watchdog: @unchecked Sendable {
    private let target = pthread_self()
    private let lock = NSLock()
    private var running = true
    private(set) var signals = 0
    private var thread: Thread?

    init() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        sigaction(SIGUSR1, &action, nil)
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: 1)
            while lock.withLock({ running }) {
                lock.withLock { signals += 1 }
                pthread_kill(target, SIGUSR1)
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() { lock.withLock { running = false } }
}
