import Foundation
import KVM
import PerfEvents
import Testing
@testable import PMUBenchCore
@testable import pmu_bench

// The gate lets an unavailable row pass only for a host condition; every other
// cause (a loop that failed, a setup error of the benchmark's) fails it.

/// A report whose only unavailable row is `row`.
private func report(with row: UnavailableRow) -> BenchReport {
    ReportFixtures.report(unavailable: [row])
}

@Test(.timeLimit(.minutes(5)), arguments: HostCondition.allCases)
func anUnavailableRowWithAHostConditionPasses(_ condition: HostCondition) {
    let row = UnavailableRow(pmu: "software", what: "user-space read", reason: "why", condition: condition)
    #expect(Gate().failures(in: report(with: row)) == [])
}

@Test(.timeLimit(.minutes(5))) func anUnavailableRowWithoutAHostConditionFails() {
    let row = UnavailableRow(pmu: "msr", what: "counter reads", reason: "EINVAL", condition: nil)
    #expect(Gate().failures(in: report(with: row))
        == ["unavailable msr counter reads: EINVAL (a failure of the benchmark, not a host condition)"])
}

/// A broken read loop gives no ratio: before, that was a green gate.
@Test(.timeLimit(.minutes(5))) func aFailedSwiftOrCLoopFailsTheGate() {
    for implementation in [Implementation.swift, .c] {
        var results = BenchRunner.Results()
        var failed = Interleaver.Outcome()
        failed.failure = -Int64(Errno.ioError.rawValue)
        BenchRunner.appendReadRows([implementation: failed], [implementation], pmu: "software", event: "task-clock",
                                   method: "read-single", cpu: 0, batch: 1, into: &results)
        #expect(results.readLatency.isEmpty)
        guard results.unavailable.count == 1 else {
            Issue.record("\(results.unavailable)")
            continue
        }
        let row = results.unavailable[0]
        #expect(row.condition == nil)
        #expect(row.what == "task-clock read-single (\(implementation.rawValue))")
        var broken = ReportFixtures.report(unavailable: results.unavailable)
        broken.readLatency.removeAll { $0.implementation == implementation }
        broken.ratios = []
        let failures = Gate().failures(in: broken)
        #expect(failures.count == 1, "\(failures)")
        #expect(failures.first?.hasPrefix(
            "unavailable software task-clock read-single (\(implementation.rawValue)): the timed loop failed") == true,
            "\(failures)")
    }
}

@Test(.timeLimit(.minutes(5))) func theConditionIsAStableStringAndOptionalInJSON() throws {
    let row = UnavailableRow(pmu: "software", what: "user-space read", reason: "r", condition: .capUserRdpmcZero)
    let text = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
    #expect(text.contains(#""condition":"cap-user-rdpmc-0""#), "\(text)")
    // A report written before the field existed decodes, with no condition (which the gate fails).
    let old = Data(#"{"pmu":"msr","what":"counter reads","reason":"EACCES"}"#.utf8)
    let decoded = try JSONDecoder().decode(UnavailableRow.self, from: old)
    #expect(decoded.condition == nil && decoded.reason == "EACCES")
    // No condition: the key is left out, as in the reports before it.
    let none = String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self)
    #expect(!none.contains("condition"))
    #expect(Set(HostCondition.allCases.map(\.rawValue)).count == HostCondition.allCases.count)
}

private func openError(_ errno: Errno, paranoid: Int? = nil, operation: CounterError.Operation = .open) -> CounterError {
    CounterError(operation: operation, errno: errno, label: "cycles", attributes: nil, paranoid: paranoid, message: "m")
}

@Test(.timeLimit(.minutes(5))) func theKernelsAnswerToAnOpenIsClassifiedByErrno() {
    for errno in [Errno.noSuchFileOrDirectory, .noSuchDevice, .noSuchDeviceOrAddress, .notSupported] {
        #expect(HostCondition.of(openError(errno)) == .eventNotOnHost, "\(errno)")
    }
    #expect(HostCondition.of(openError(.permissionDenied, paranoid: 2)) == .perfEventParanoid)
    #expect(HostCondition.of(openError(.notPermitted, paranoid: 3)) == .perfEventParanoid)
    // Permission without a paranoid level read: not shown to be the setting.
    #expect(HostCondition.of(openError(.permissionDenied)) == nil)
    // EINVAL is as often the benchmark's attributes; a failed read is never the host's state.
    #expect(HostCondition.of(openError(.invalidArgument)) == nil)
    #expect(HostCondition.of(openError(.noSuchFileOrDirectory, operation: .read)) == nil)
    #expect(HostCondition.of(openError(.ioError, operation: .read) as any Error) == nil)
}

@Test(.timeLimit(.minutes(5))) func aUserSpaceReadFallbackIsAHostConditionOnlyForTheHostsReasons() {
    #expect(HostCondition.of(UserReadFallback.noUserAccess) == .capUserRdpmcZero)
    #expect(HostCondition.of(UserReadFallback.unsupportedArchitecture) == .noUserSpaceCounterInstruction)
    for fallback in [UserReadFallback.notMapped, .notOnCounter, .invalidCounterWidth(0), .pageUnstable] {
        #expect(HostCondition.of(fallback) == nil, "\(fallback)")
    }
}

@Test(.timeLimit(.minutes(5))) func aMissingTracefsOrTracepointIsAHostCondition() {
    let missing: [TracefsError] = [
        .notMounted(candidates: ["/sys/kernel/tracing"]),
        .noSubsystem(subsystem: "kvm", suggestions: []),
        .noEvent(subsystem: "kvm", event: "kvm_pio", suggestions: []),
    ]
    for error in missing {
        #expect(HostCondition.of(ResolutionError.tracepoint(input: "kvm:kvm_pio", error)) == .tracefsMissing)
        #expect(HostCondition.of(error as any Error) == .tracefsMissing)
    }
    #expect(HostCondition.of(TracefsError.malformedID(path: "id", content: "x")) == nil)
    #expect(HostCondition.of(ResolutionError.unknownEvent(input: "x", name: "x", suggestions: [])) == nil)
    #expect(HostCondition.of(BenchFailure("ours") as any Error) == nil)
    #expect(HostCondition.of(BenchFailure("host", condition: .noKVM) as any Error) == .noKVM)
}

@Test(.timeLimit(.minutes(5))) func pmusThatCannotBeReadPerThreadCarryTheirCondition() throws {
    let resolver = Resolver(pmus: [], libpfm: nil)
    let uncore = PMU(name: "uncore_imc_0", type: 20, kind: .uncore)
    let uprobe = PMU(name: "uprobe", type: 8, kind: .other)
    for (pmu, condition) in [(uncore, HostCondition.pmuCountsPerCPUOnly), (uprobe, .pmuNeedsParameters)] {
        guard case .failure(let failure) = EventCatalog.events(for: pmu, resolver: resolver) else {
            Issue.record("\(pmu.name) gave events")
            continue
        }
        #expect(failure.condition == condition, "\(pmu.name): \(failure)")
    }
}

@Test(.timeLimit(.minutes(5))) func onlyTheFlavoursKnownGapWithItsSymptomIsAHostCondition() {
    let pvm = KVMFlavour(kind: .pvm, cpuVendor: "AuthenticAMD")
    let vmx = KVMFlavour(kind: .vmx, cpuVendor: "GenuineIntel")
    #expect(ExitOperations.hostCondition(.vmcall, flavour: pvm, symptom: .undefinedInstruction) == .kvmFlavourWithoutExit)
    #expect(ExitOperations.hostCondition(.vmcall, flavour: pvm, symptom: .neverExited) == .kvmFlavourWithoutExit)
    // Another exit than the known symptoms, another kind, another flavour: the benchmark's failure.
    #expect(ExitOperations.hostCondition(.vmcall, flavour: pvm, symptom: .otherExit) == nil)
    #expect(ExitOperations.hostCondition(.cpuid, flavour: pvm, symptom: .neverExited) == nil)
    #expect(ExitOperations.hostCondition(.vmcall, flavour: vmx, symptom: .undefinedInstruction) == nil)
}
