import Testing
@testable import PerfEvents

/// perf stat's derived values from counts alone: which ratios are formed, from what, and when none is.
@Suite(.timeLimit(.minutes(5))) struct DerivedMetricsTests {
    typealias Input = DerivedMetrics.Input

    @Test func cpusUtilizedGigahertzAndRatesFromTheClock() {
        let inputs = [
            Input(role: .taskClock, pmu: "software", count: 2_000_000),           // 2 ms
            Input(role: .cycles, pmu: "cpu", count: 6_000_000),
            Input(role: .other, pmu: "software", count: 4),                        // context-switches
            Input(role: .other, pmu: "software", count: 20_000),                   // page-faults
            Input(role: .branches, pmu: "cpu", count: 3_000_000),
        ]
        let metrics = DerivedMetrics.compute(inputs, elapsedNanoseconds: 8_000_000)
        #expect(metrics[0] == DerivedMetric(kind: .cpusUtilized, value: 0.25, unit: "CPUs utilized"))
        #expect(metrics[1] == DerivedMetric(kind: .gigahertz, value: 3, unit: "GHz"))
        #expect(metrics[2] == DerivedMetric(kind: .rate, value: 2, unit: "K/sec"))
        #expect(metrics[3] == DerivedMetric(kind: .rate, value: 10, unit: "M/sec"))
        #expect(metrics[4] == DerivedMetric(kind: .rate, value: 1.5, unit: "G/sec"))
    }

    @Test func rateUnitsFollowPerfsPrefixes() {
        #expect(DerivedMetric.rate(perSecond: 999).unit == "/sec")
        #expect(DerivedMetric.rate(perSecond: 1000).unit == "/sec")   // perf: strictly above
        #expect(DerivedMetric.rate(perSecond: 1001).unit == "K/sec")
        #expect(DerivedMetric.rate(perSecond: 2.5e6) == DerivedMetric(kind: .rate, value: 2.5, unit: "M/sec"))
        #expect(DerivedMetric.rate(perSecond: 0) == DerivedMetric(kind: .rate, value: 0, unit: "/sec"))
    }

    /// On a hybrid machine the cpu_atom instructions never divide by the cpu_core cycles.
    @Test func ratiosOnlyWithinOnePMU() {
        let inputs = [
            Input(role: .cycles, pmu: "cpu_core", count: 1000),
            Input(role: .cycles, pmu: "cpu_atom", count: 4000),
            Input(role: .instructions, pmu: "cpu_core", count: 3000),
            Input(role: .instructions, pmu: "cpu_atom", count: 2000),
            Input(role: .branches, pmu: "cpu_core", count: 500),
            Input(role: .branchMisses, pmu: "cpu_core", count: 5),
            Input(role: .branchMisses, pmu: "cpu_atom", count: 7),   // no cpu_atom branches
        ]
        let metrics = DerivedMetrics.compute(inputs, elapsedNanoseconds: 1e6)
        #expect(metrics[2] == DerivedMetric(kind: .instructionsPerCycle, value: 3, unit: "insn per cycle"))
        #expect(metrics[3] == DerivedMetric(kind: .instructionsPerCycle, value: 0.5, unit: "insn per cycle"))
        #expect(metrics[5] == DerivedMetric(kind: .branchMissPercent, value: 1, unit: "of all branches"))
        #expect(metrics[6] == nil)
        // No clock: no GHz and no rates.
        #expect(metrics[0] == nil && metrics[1] == nil && metrics[4] == nil)
    }

    /// A value that was not counted is never a denominator or a numerator.
    @Test func nothingFromANotCountedValue() {
        let inputs = [
            Input(role: .taskClock, pmu: "software", count: nil),
            Input(role: .cycles, pmu: "cpu", count: nil),
            Input(role: .instructions, pmu: "cpu", count: 100),
            Input(role: .other, pmu: "software", count: 3),
            Input(role: .branchMisses, pmu: "cpu", count: nil),
            Input(role: .branches, pmu: "cpu", count: 10),
        ]
        let metrics = DerivedMetrics.compute(inputs, elapsedNanoseconds: 1e6)
        #expect(metrics.allSatisfy { $0 == nil }, "\(metrics)")
        // A zero denominator gives no ratio either.
        let zero = DerivedMetrics.compute([Input(role: .cycles, pmu: "cpu", count: 0),
                                           Input(role: .instructions, pmu: "cpu", count: 5)], elapsedNanoseconds: 1)
        #expect(zero[1] == nil)
    }

    /// Per-CPU counts (-A) divide by the clock of their own CPU.
    @Test func perCPUUsesThatCPUsClock() {
        let inputs = [
            Input(role: .cpuClock, pmu: "software", cpu: 0, count: 1e9),
            Input(role: .cpuClock, pmu: "software", cpu: 1, count: 5e8),
            Input(role: .other, pmu: "software", cpu: 0, count: 10),
            Input(role: .other, pmu: "software", cpu: 1, count: 10),
        ]
        let metrics = DerivedMetrics.compute(inputs, elapsedNanoseconds: 1e9)
        #expect(metrics[0]?.value == 1 && metrics[1]?.value == 0.5)
        #expect(metrics[2]?.value == 10 && metrics[3]?.value == 20)
    }

    /// The roles of resolved events, whatever encoding resolution chose (recorded trees).
    @Test func rolesOfResolvedEvents() throws {
        let hybrid = Resolver(pmus: RecordedMachines.alderLake)
        let roles = try hybrid.resolve("cycles,instructions,branches,branch-misses,task-clock,cpu-clock,page-faults")
            .flatMap(\.events).map { MetricRole($0) }
        #expect(roles == [.cycles, .cycles, .instructions, .instructions, .branches, .branches,
                          .branchMisses, .branchMisses, .taskClock, .cpuClock, .other])
        let arm = Resolver(pmus: RecordedMachines.rk3399)
        let own = try arm.resolve("armv8_cortex_a72/cpu_cycles/,armv8_cortex_a72/inst_retired/").flatMap(\.events)
        #expect(own.map { MetricRole($0) } == [.cycles, .instructions])
    }
}
