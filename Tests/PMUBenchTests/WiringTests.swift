import KVM
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import PMUBenchCore
@testable import pmu_bench

// What pmu-bench measures comes from the library: PMUs from discovery, events
// from the Resolver, exits from the KVM driver checked by kvm tracepoints.

/// KVM on an x86_64 host: what the bench's x86 guests need.
var x86KVMUsable: Bool {
    #if arch(x86_64)
    return FileSystem().exists("/dev/kvm")
    #else
    return false
    #endif
}

/// Read rows for every PMU this machine has (software, tracepoint, msr,
/// breakpoint here), each Swift next to a C reference on the same descriptor.
@Test(.timeLimit(.minutes(5))) func readRowsExistForEveryCountablePMU() throws {
    let (pmus, resolver) = try liveResolver()
    let runner = BenchRunner(interleaver: Interleaver(blockSize: 50, iterations: 100, warmup: 10), pmus: pmus,
                             resolver: resolver, flavour: KVMFlavour(kind: .unknown, cpuVendor: ""),
                             progress: Progress(enabled: false))
    var results = BenchRunner.Results()
    let wanted = pmus.filter { ["software", "tracepoint", "msr", "breakpoint"].contains($0.name) }
    for pmu in wanted { runner.measureReads(on: pmu, into: &results) }
    for pmu in wanted {
        for method in [LatencyMethod.single, .group2, .group4, .enableDisable] {
            let rows = results.readLatency.filter { $0.pmu == pmu.name && $0.method == method.rawValue }
            #expect(Set(rows.map(\.implementation)) == [.swift, .c, .syscallFloor], "\(pmu.name) \(method.rawValue)")
            #expect(rows.allSatisfy { $0.samples == 100 })
        }
        // No hardware counter behind any of them: user-space reads say why, in the library's words.
        let userSpace = results.unavailable.first { $0.pmu == pmu.name && $0.what == "user-space read" }
        #expect(userSpace?.reason.contains("falls back to read(2)") == true, "\(pmu.name)")
    }
    let names = Set(results.readLatency.map(\.pmu))
    #expect(names.isSuperset(of: ["software", "tracepoint"]))
}

/// A short real run of every x86 exit kind: the benchmark's exit count equals
/// the kvm tracepoint's, user-space round trips equal kvm_userspace_exit, and
/// what cannot be measured says why.
@Test(.timeLimit(.minutes(5)), .enabled(if: x86KVMUsable, "needs /dev/kvm on an x86_64 host (x86 guests)"))
func exitRowsAgreeWithTheKernelsTracepoints() throws {
    let (pmus, resolver) = try liveResolver()
    let runner = BenchRunner(interleaver: Interleaver(blockSize: 100, iterations: 300, warmup: 20), pmus: pmus,
                             resolver: resolver, flavour: KVMFlavour.current(), progress: Progress(enabled: false))
    var results = BenchRunner.Results()
    let cpus = try Affinity.current()
    let binding = try runner.binding(for: cpus, into: &results).get()
    runner.measureExits(binding: binding, cpus: cpus, into: &results)
    let measured = Set(results.exitLatency.map(\.kind))
    #expect(measured.isSuperset(of: ["pio", "mmio", "cpuid", "rdmsr"]), "\(results.unavailable)")
    for row in results.exitLatency where row.implementation == .syscallFloor {
        // KVM_RUN with immediate_exit: back to user space with EINTR each time, never in the guest.
        #expect(row.exits == 0 && row.exitsByTracepoint == 0, "\(row.kind) floor")
        #expect(row.userspaceExitsByTracepoint == row.samples, "\(row.kind) floor")
    }
    for row in results.exitLatency where row.implementation != .syscallFloor {
        #expect(row.exits > 0)
        #expect(row.exitsByTracepoint == row.exits, "\(row.kind) \(row.implementation)")
        if row.kind == "pio" || row.kind == "mmio" {
            #expect(row.userspaceExitsByTracepoint == row.exits, "\(row.kind) \(row.implementation)")
        } else {
            // In-kernel loops: the report OUT and the HLT per sample, nothing else.
            #expect(row.userspaceExitsByTracepoint == 2 * row.samples, "\(row.kind)")
            #expect(row.exits == row.samples * ExitOperations.inKernelLoopLength)
        }
    }
    #expect(results.exitLatency.contains { $0.kind == "pio" && $0.implementation == .c })
    #expect(results.exitLatency.contains { $0.kind == "cpuid" && $0.implementation == .c })
    #expect(results.exitLatency.contains { $0.kind == "pio" && $0.implementation == .syscallFloor })
    if !pmus.contains(where: { $0.isCore }) {
        #expect(binding == nil)
        #expect(results.exitLatency.allSatisfy { $0.pmu == ExitLatencyRow.allCPUs })
        #expect(results.unavailable.contains { $0.what == "host cycles on the VCPU thread" && $0.reason.contains("no core PMU") })
    }
    // The native hypercall: a measured row (checked above), or unavailable with what the probe saw.
    if !measured.contains("vmcall") {
        let vmcall = try #require(results.unavailable.first { $0.what == "exit vmcall" })
        #expect(vmcall.reason.contains(KVMFlavour.current().description) && vmcall.reason.contains("kvm:kvm_hypercall"),
                "\(vmcall.reason)")
    }
    #expect(results.unavailable.contains { $0.what == "exit hvc (arm64 guest)" })
}

/// Core PMU events come from the Resolver: one core PMU gets the legacy ids,
/// a hybrid machine the extended type of each PMU, and the type check agrees with discovery.
@Test(.timeLimit(.minutes(5))) func corePMUEventsUseTheExtendedTypeOnHybridMachines() throws {
    let big = PMU(name: "cpu_core", type: 8, kind: .core, cpus: CPUSet([0, 1]))
    let little = PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet([2, 3]))
    let hybrid = Resolver(pmus: [big, little], tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
    let events = try EventCatalog.events(for: little, resolver: hybrid).get()
    #expect(events.map(\.name) == ["cpu_atom/cycles/", "cpu_atom/instructions/", "cpu_atom/branches/",
                                   "cpu_atom/branch-misses/"])
    #expect(events[0].attributes.type == LegacyType.hardware)
    #expect(events[0].attributes.config == UInt64(10) << 32)
    #expect(events[1].attributes.config == UInt64(10) << 32 | 1)
    let single = Resolver(pmus: [PMU(name: "cpu", type: 4, kind: .core)], tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
    let plain = try EventCatalog.events(for: PMU(name: "cpu", type: 4, kind: .core), resolver: single).get()
    #expect(plain[0].attributes.config == 0)
    let wrong = Event(text: "x", pmu: .pmu(little), attributes: EventAttributes(type: 0, config: UInt64(8) << 32),
                              source: .extendedTypeGeneric)
    #expect(EventCatalog.typeProblem(wrong, pmu: little)?.contains("extended type 8") == true)
}

/// Watchpoints on the bench's own words, resolved from `mem:ADDR/8:w`.
@Test(.timeLimit(.minutes(5))) func breakpointEventsWatchTheBenchsWords() throws {
    let breakpoint = PMU(name: "breakpoint", type: LegacyType.breakpoint, kind: .breakpoint)
    let resolver = Resolver(pmus: [breakpoint], tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
    let events = try EventCatalog.events(for: breakpoint, resolver: resolver).get()
    #expect(events.map(\.name) == (0..<4).map { "mem:watched[\($0)]:w" })
    for (index, event) in events.enumerated() {
        #expect(event.attributes.config1 == UInt64(UInt(bitPattern: EventCatalog.watchedWords.advanced(by: index))))
        #expect(event.attributes.config2 == 8)
        #expect(event.attributes.breakpointType == 2)  // HW_BREAKPOINT_W
    }
    // An uncore or probe-only PMU is explained, not silently skipped.
    let uprobe = PMU(name: "uprobe", type: 8, kind: .other)
    #expect(throws: BenchFailure.self) { try EventCatalog.events(for: uprobe, resolver: resolver).get() }
}

/// The other vendor's hypercall instruction (VMCALL on AMD, VMMCALL on Intel) is
/// what hung the benchmark on a host where the guest never exited: the probe
/// must come back within five times its limit (slack for a loaded host; a probe
/// without a limit never comes back), and a refusal must say what happened.
@Test(.enabled(if: x86KVMUsable, "needs /dev/kvm on an x86_64 host (x86 guests)"), .timeLimit(.minutes(5)))
func wrongVendorHypercallProbeComesBackBounded() throws {
    let (_, resolver) = try liveResolver()
    let flavour = KVMFlavour.current()
    let native = X86Programs.HypercallInstruction.native(vendor: flavour.cpuVendor)
    let other: X86Programs.HypercallInstruction = native == .vmcall ? .vmmcall : .vmcall
    let start = ContinuousClock.now
    var outcome = "made the hypercall loop's report"
    do {
        try ExitOperations.probe(.vmcall, loopLength: 1, pmu: nil, instruction: other, resolver: resolver, flavour: flavour)
    } catch {
        outcome = error.description
        #expect(error.description.contains(flavour.description), "\(error.description)")
        #expect(error.description.contains("kvm:kvm_hypercall") && error.description.contains("kvm:kvm_exit"))
        // The other vendor's instruction is the benchmark's mistake, never the host's state.
        #expect(error.condition == nil)
    }
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < .nanoseconds(Int64(5 * ExitOperations.probeLimit)), "\(elapsed)")
    print("\(other) on \(flavour): \(outcome) (probe took \(elapsed))")
}
