import Foundation
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// The host's PMUs and tracefs, as a VMM sees them; tracefs is mounted when it is not
/// (the tests run as root).
enum HostEvents {
    static let resolver: Resolver = {
        let root = "/sys/kernel/tracing"
        if !FileManager.default.fileExists(atPath: root + "/events/kvm") {
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tracefs", "nodev", root]
            try? mount.run()
            mount.waitUntilExit()
        }
        let pmus = (try? PMUDiscovery().discover().pmus) ?? []
        return Resolver(pmus: pmus, libpfm: nil)
    }()

    /// The host's binding for the calling thread's CPUs, nil without a core PMU.
    static func binding() throws -> PMUBinding? {
        guard !resolver.corePMUs.isEmpty else { return nil }
        return try PMUBinding.choose(from: resolver.pmus, for: Affinity.current())
    }

    /// Host counters for the calling thread, every requested one required to open.
    static func counters(_ events: [VCPUCounterEvent]) throws -> VCPUCounters {
        let hardware = events.contains { $0.isHardware }
        let counters = VCPUCounters(binding: hardware ? try binding() : nil, resolver: resolver, events: events)
        for entry in counters.entries where entry.counter == nil {
            Issue.record("\(entry.event.label) did not open: \(entry.unavailable?.description ?? "")")
        }
        return counters
    }
}

/// Runs `body` and returns the host counters' readings over it (reset, enable, body, disable).
func counting<T>(_ counters: VCPUCounters, _ body: () throws -> T) throws -> (T, VCPUCounterReadings) {
    try counters.reset()
    try counters.enable()
    let result = try body()
    try counters.disable()
    return (result, try counters.read())
}

/// Runs a VCPU until the guest halts, shuts down or fails, collecting every exit
/// (at most `limit`, all within `seconds`, so a runaway guest fails the test
/// with a `.timedOut` exit instead of hanging it).
func runToEnd(_ vcpu: VCPU, limit: Int = 100_000, seconds: UInt64 = 10) throws -> [VCPUExit] {
    let deadline = try RunDeadline(nanoseconds: seconds * 1_000_000_000)
    var exits: [VCPUExit] = []
    while exits.count < limit {
        let exit = try vcpu.run(before: deadline)
        exits.append(exit)
        switch exit {
        case .io, .mmio: continue
        default: return exits
        }
    }
    return exits
}

var kvmUsable: Bool { FileManager.default.fileExists(atPath: "/dev/kvm") }

/// KVM on an x86_64 host: what the real-mode guests of these tests need.
var x86KVMUsable: Bool {
    #if arch(x86_64)
    return kvmUsable
    #else
    return false
    #endif
}

/// Real KVM on this machine (x86_64 hosts). Serialized: the leak check counts this process's
/// KVM descriptors and mappings, and tracepoint counts are per thread anyway.
@Suite(.serialized, .enabled(if: x86KVMUsable, "needs /dev/kvm on an x86_64 host (x86 real-mode guests)"), .timeLimit(.minutes(3)))
struct RealKVMTests {
    static let n: UInt16 = 200

    /// The exits the driver decoded, by kind.
    static func count(_ exits: [VCPUExit], _ kind: String) -> UInt64 {
        UInt64(exits.filter { $0.kind == kind }.count)
    }

    @Test func portWritesExitExactlyNTimes() throws {
        let counters = try HostEvents.counters([.kvmTracepoint("kvm_userspace_exit"), .kvmTracepoint("kvm_pio")])
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: Self.n))
        let (exits, readings) = try counting(counters) { try runToEnd(vcpu) }

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
        #expect(readings.exactCount(.kvmTracepoint("kvm_userspace_exit")) == UInt64(Self.n) + 1)
        #expect(readings.exactCount(.kvmTracepoint("kvm_pio")) == UInt64(Self.n))
    }

    @Test func mmioWritesExitExactlyNTimes() throws {
        let counters = try HostEvents.counters([.kvmTracepoint("kvm_userspace_exit"), .kvmTracepoint("kvm_mmio")])
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.mmioWrites(count: Self.n))
        let (exits, readings) = try counting(counters) { try runToEnd(vcpu) }

        let expected = (0..<Int(Self.n)).map { index in
            VCPUExit.mmio(MMIOAccess(address: X86Programs.mmioAddress, data: [UInt8(truncatingIfNeeded: Int(Self.n) - index)],
                                     length: 1, isWrite: true))
        } + [.halt]
        #expect(exits == expected)
        #expect(readings.exactCount(.kvmTracepoint("kvm_userspace_exit")) == UInt64(Self.n) + 1)
        #expect(readings.exactCount(.kvmTracepoint("kvm_mmio")) == UInt64(Self.n))
    }

    /// The driver's own tally and the kernel's tracepoints, for a guest mixing kinds:
    /// every exit the driver decoded is one kvm:kvm_userspace_exit, every `.io` one
    /// kvm:kvm_pio, every `.mmio` one kvm:kvm_mmio.
    @Test(arguments: [("pio", UInt16(37)), ("mmio", UInt16(53)), ("pio", UInt16(0))])
    func driverExitsEqualTracepointExits(kind: String, count: UInt16) throws {
        let counters = try HostEvents.counters(
            [.kvmTracepoint("kvm_userspace_exit"), .kvmTracepoint("kvm_pio"), .kvmTracepoint("kvm_mmio")])
        let vm = try VirtualMachine()
        let program = kind == "pio" ? X86Programs.portWrites(count: count) : X86Programs.mmioWrites(count: count)
        let vcpu = try vm.prepareX86RealMode(program)
        let (exits, readings) = try counting(counters) { try runToEnd(vcpu) }
        #expect(Self.count(exits, kind == "pio" ? "io" : "mmio") == UInt64(count))
        #expect(readings.exactCount(.kvmTracepoint("kvm_userspace_exit")) == UInt64(exits.count))
        #expect(readings.exactCount(.kvmTracepoint("kvm_pio")) == Self.count(exits, "io"))
        #expect(readings.exactCount(.kvmTracepoint("kvm_mmio")) == Self.count(exits, "mmio"))
    }

    /// CPUID and RDMSR loops stay in the kernel: user space sees only the report and HLT,
    /// while the kernel's per-instruction tracepoints count exactly n.
    @Test(arguments: ["cpuid", "rdmsr"])
    func inKernelLoopsCountExactlyN(kind: String) throws {
        let program = kind == "cpuid" ? X86Programs.cpuidLoop(count: Self.n) : X86Programs.rdmsrLoop(count: Self.n)
        let perInstruction = VCPUCounterEvent.kvmTracepoint(kind == "cpuid" ? "kvm_cpuid" : "kvm_msr")
        let counters = try HostEvents.counters([perInstruction, .kvmTracepoint("kvm_userspace_exit"), .kvmTracepoint("kvm_exit")])
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(program)
        let (exits, readings) = try counting(counters) { try runToEnd(vcpu) }

        let marker: UInt8 = kind == "cpuid" ? 0x43 : 0x4D
        #expect(exits.count == 2)
        if case .io(let report)? = exits.first { #expect(report.data == [marker] && report.port == 0x10) } else {
            Issue.record("expected the report OUT, got \(exits)")
        }
        #expect(exits.last == .halt)
        #expect(readings.exactCount(perInstruction) == UInt64(Self.n))
        #expect(readings.exactCount(.kvmTracepoint("kvm_userspace_exit")) == 2)
        // kvm:kvm_exit fires on VMX/SVM exits: the n loop exits, the OUT and the HLT
        // are among them (plus page faults and host interrupts). PVM emulates a
        // real-mode guest and never fires it.
        let hardwareExits = try #require(readings.exactCount(.kvmTracepoint("kvm_exit")))
        switch KVMFlavour.current().kind {
        case .vmx, .svm: #expect(hardwareExits >= UInt64(Self.n) + 2)
        case .pvm: #expect(hardwareExits == 0)
        case .arm64, .unknown: print("kvm:kvm_exit counted \(hardwareExits) on \(KVMFlavour.current()) (no expectation)")
        }
    }

    /// Hardware virtualisation: KVM answers hypercall 0 with -KVM_ENOSYS and the
    /// guest's loop goes on, so the program reports 'H' and kvm:kvm_hypercall == n.
    @Test(.enabled(if: [.vmx, .svm].contains(KVMFlavour.current().kind),
                   "hypercalls reach kvm_emulate_hypercall on VMX/SVM KVM; this host's KVM is another kind"))
    func nativeHypercallsAreCountedOnHardwareVirtualisation() throws {
        let flavour = KVMFlavour.current()
        let program = X86Programs.hypercallLoop(count: Self.n, instruction: .native(vendor: flavour.cpuVendor))
        let hypercall = VCPUCounterEvent.kvmTracepoint("kvm_hypercall")
        let counters = try HostEvents.counters([hypercall])
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(program)
        let (exits, readings) = try counting(counters) { try runToEnd(vcpu, limit: 10, seconds: 5) }
        #expect(exits == [.io(PortIO(direction: .output, size: 1, port: X86Programs.reportPort, count: 1,
                                     data: [X86Programs.hypercallDoneMarker], dataOffset: exits.first.map(Self.dataOffset) ?? 0)),
                          .halt], "\(exits)")
        #expect(readings.exactCount(hypercall) == UInt64(Self.n))
    }

    /// PVM emulates a real-mode guest: neither vendor's hypercall instruction reaches
    /// kvm_emulate_hypercall (seen: #UD on AMD, a guest that never exits on Intel).
    /// Whatever the guest does, the run comes back within five times its deadline (slack for
    /// a loaded host) and the kernel counts no hypercall.
    @Test(.enabled(if: KVMFlavour.current().kind == .pvm, "PVM's real-mode hypercall behaviour; this host's KVM is not kvm_pvm"),
          arguments: [X86Programs.HypercallInstruction.vmcall, .vmmcall])
    func hypercallsOnPVMComeBackBoundedAndUncounted(instruction: X86Programs.HypercallInstruction) throws {
        let program = X86Programs.hypercallLoop(count: Self.n, instruction: instruction)
        let hypercall = VCPUCounterEvent.kvmTracepoint("kvm_hypercall")
        let counters = try HostEvents.counters([hypercall])
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(program)
        let limit: UInt64 = 500_000_000
        let start = ContinuousClock.now
        let (exit, readings) = try counting(counters) { try vcpu.run(timeLimit: limit) }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .nanoseconds(Int64(5 * limit)), "\(elapsed)")
        #expect(readings.exactCount(hypercall) == 0)
        #expect(exit != .io(PortIO(direction: .output, size: 1, port: X86Programs.reportPort, count: 1,
                                   data: [X86Programs.hypercallDoneMarker], dataOffset: Self.dataOffset(exit))),
                "the loop reported done although no hypercall was counted")
        print("\(program.name) \(instruction) on \(KVMFlavour.current()): \(exit.kind) after \(elapsed)")
    }

    /// `kvm_run.io.data_offset` of an I/O exit (KVM's choice), 0 for others.
    static func dataOffset(_ exit: VCPUExit) -> UInt64 {
        if case .io(let io) = exit { return io.dataOffset }
        return 0
    }

    @Test func arm64CallsFailClearlyOnThisKVM() throws {
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
                if attempt == 0 { try vm.prepareARM64(entry: ARM64Programs.memoryBase, pmu: ARM64PMUConfiguration(pmuType: 8)) } else { try vm.setARMPMU(type: 8) }
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
    }

    @Test func x86VirtualPMUState() throws {
        let parameter = try? String(contentsOfFile: "/sys/module/kvm/parameters/enable_pmu", encoding: .utf8)
        let state = VirtualPMUReport.x86State(corePMUs: [])
        #expect(state.enablePMU == parameter.map { $0.hasPrefix("Y") })
        // The kernel's own answer agrees with the parameter: KVM_PMU_CAP_DISABLE only while enabled.
        let capability = try #require(state.pmuCapability)
        #expect((capability != 0) == (state.enablePMU ?? false))
        #expect(!state.hybridHost)
        print("x86 vPMU: \(state.summary)")
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
