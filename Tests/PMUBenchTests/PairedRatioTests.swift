import Testing
@testable import PMUBenchCore

/// The paired per-block ratio, its bootstrap interval, the U test and the gate built on them.
struct PairedRatioTests {
    /// Blocks whose Swift side is 5 % slower than the C side, with drift between blocks that both share.
    static func blocks(slowdown: Double, repetitions: Int = 3, blocks: Int = 40, drift: Double = 0.3,
                       noise: UInt64 = 7) -> (swift: [[UInt64]], c: [[UInt64]]) {
        var generator = SeededGenerator(seed: noise)
        var swift: [[UInt64]] = []
        var c: [[UInt64]] = []
        for repetition in 0..<repetitions {
            var s: [UInt64] = []
            var r: [UInt64] = []
            for block in 0..<blocks {
                // The machine drifts (both sides alike); each block has ±1 % of its own noise.
                let base = 400 * (1 + drift * Double((block + repetition * 7) % 10) / 10)
                let jitterS = 1 + Double(Int(generator.next() % 200) - 100) / 10_000
                let jitterC = 1 + Double(Int(generator.next() % 200) - 100) / 10_000
                s.append(UInt64(base * slowdown * jitterS))
                r.append(UInt64(base * jitterC))
            }
            swift.append(s)
            c.append(r)
        }
        return (swift, c)
    }

    @Test(.timeLimit(.minutes(5))) func thePairedRatioFindsTheSlowdownThroughTheDrift() throws {
        let (swift, c) = Self.blocks(slowdown: 1.05)
        let estimate = try #require(PairedRatio.estimate(PairedRatio.blockRatios(swift, c)))
        #expect(abs(estimate.value - 1.05) < 0.01)
        #expect(estimate.low <= estimate.value && estimate.value <= estimate.high)
        #expect(estimate.low > 1.03 && estimate.high < 1.07)
        #expect(estimate.blocks == 120 && estimate.repetitions == 3)
        // The same samples give the same interval (fixed seed).
        #expect(PairedRatio.estimate(PairedRatio.blockRatios(swift, c)) == estimate)
    }

    @Test(.timeLimit(.minutes(5))) func blocksArePairedByPositionAndZeroDenominatorsSkipped() {
        let ratios = PairedRatio.blockRatios([[110, 220, 330]], [[100, 0, 300]])
        #expect(ratios == [[1.1, 1.1]])
        #expect(PairedRatio.estimate([]) == nil)
        #expect(PairedRatio.estimate([[]]) == nil)
    }

    @Test(.timeLimit(.minutes(5))) func theMedianOfABlock() {
        [5, 1, 9, 3].withUnsafeBufferPointer { #expect(PairedRatio.blockMedian($0) == 5) }
        [UInt64]().withUnsafeBufferPointer { #expect(PairedRatio.blockMedian($0) == 0) }
        #expect(PairedRatio.median([1, 2, 3, 4]) == 2.5)
    }

    @Test(.timeLimit(.minutes(5))) func theUTestSeparatesShiftedSamplesAndNotIdenticalOnes() throws {
        let a = (0..<30).map { 1.00 + Double($0 % 10) / 1000 }
        let b = (0..<30).map { 1.05 + Double($0 % 10) / 1000 }
        let shifted = try #require(MannWhitney.pValue(a, b))
        #expect(shifted < 0.001)
        let same = try #require(MannWhitney.pValue(a, a))
        #expect(same > 0.9)
        #expect(MannWhitney.pValue([1], a) == nil)
        // A textbook case: n1 = n2 = 5, no overlap, exact two-sided p = 0.0079; the normal
        // approximation with continuity correction gives about 0.012.
        let separated = try #require(MannWhitney.pValue([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]))
        #expect(separated > 0.005 && separated < 0.02)
    }

    /// A report whose Swift read blocks are `slowdown` times the C blocks.
    static func report(slowdown: Double, noise: UInt64 = 7) -> BenchReport {
        let (swift, c) = blocks(slowdown: slowdown, noise: noise)
        var base = ReportFixtures.report()
        let rows = base.readLatency.map { row -> ReadLatencyRow in
            var row = row
            switch row.implementation {
            case .swift: row.data = RowData(cpu: 1, blockMedians: swift)
            case .c: row.data = RowData(cpu: 1, blockMedians: c)
            case .syscallFloor, .peer: break
            }
            return row
        }
        base = BenchReport(environment: base.environment, settings: base.settings, timer: base.timer,
                           readLatency: rows, exitLatency: base.exitLatency, unavailable: base.unavailable)
        return base
    }

    @Test(.timeLimit(.minutes(5))) func theGateFailsOnlyWhenTheWholeIntervalIsOverTheLimit() throws {
        let gate = Gate(maximumSwiftOverC: 1.10)
        #expect(gate.failures(in: Self.report(slowdown: 1.05)).isEmpty)
        let slow = gate.failures(in: Self.report(slowdown: 1.15))
        #expect(slow.count == 1)
        #expect(slow.first?.contains("even the lower bound exceeds 1.10") == true)
        // An estimate over the limit whose interval still reaches below it passes.
        let borderline = try #require(Self.report(slowdown: 1.10).ratios.first?.swiftOverCPaired)
        #expect(borderline.low <= 1.10 || gate.failures(in: Self.report(slowdown: 1.10)).count == 1)
    }

    @Test(.timeLimit(.minutes(5))) func theBaselineComparisonSaysImprovedRegressedOrUnchanged() throws {
        let baseline = Self.report(slowdown: 1.02)
        let same = Baseline.compare(current: Self.report(slowdown: 1.02, noise: 99), baseline: baseline).filter { $0.key.hasPrefix("read") }
        #expect(same.map(\.verdict) == [.unchanged])
        let regressed = Baseline.compare(current: Self.report(slowdown: 1.12), baseline: baseline).filter { $0.key.hasPrefix("read") }
        #expect(regressed.map(\.verdict) == [.regressed])
        #expect(try #require(regressed.first?.pValue) < 0.001)
        let improved = Baseline.compare(current: Self.report(slowdown: 0.97), baseline: baseline).filter { $0.key.hasPrefix("read") }
        #expect(improved.map(\.verdict) == [.improved])
        let lines = Baseline.regressions(current: Self.report(slowdown: 1.12), baseline: baseline,
                                         maximumRegressionPercent: 5)
        #expect(lines.count == 1 && lines[0].contains("Mann-Whitney p = < 0.001"))
        #expect(Baseline.regressions(current: Self.report(slowdown: 1.12), baseline: baseline,
                                     maximumRegressionPercent: 15).isEmpty)
        let text = CompareRenderer.render(regressed, baseline: baseline, current: Self.report(slowdown: 1.12))
        #expect(text.contains("regressed"))
    }

    @Test(.timeLimit(.minutes(5))) func theTimerCorrectedRatioTakesTheClockOutOfBothSides() throws {
        let ratio = try #require(ReportFixtures.report(swiftP50: 520, cP50: 500).ratios.first)
        // (520 - 20) / (500 - 20)
        #expect(abs((ratio.swiftOverCTimerCorrected ?? 0) - 500.0 / 480.0) < 1e-9)
        #expect(abs((ratio.swiftOverCP50 ?? 0) - 1.04) < 1e-9)
    }
}

/// The same method on two core PMUs, side by side with the ratio and its interval.
@Test(.timeLimit(.minutes(5))) func clustersAreComparedSideBySide() throws {
    var environment = ReportFixtures.environment
    environment.pmus = [PMUDescription(name: "armv8_cortex_a53", type: 8, kind: "core", cpus: "0-1"),
                        PMUDescription(name: "armv8_cortex_a72", type: 9, kind: "core", cpus: "2-3")]
    let little = (0..<3).map { r in (0..<20).map { UInt64(1000 + ($0 + r) % 5) } }
    let big = (0..<3).map { r in (0..<20).map { UInt64(600 + ($0 + r) % 5) } }
    let rows = [
        ReadLatencyRow(pmu: "armv8_cortex_a53", event: "cpu_cycles", method: "read-single", implementation: .swift,
                       ns: ReportFixtures.summary(p50: 1002), samples: 100, data: RowData(cpu: 0, blockMedians: little)),
        ReadLatencyRow(pmu: "armv8_cortex_a72", event: "cpu_cycles", method: "read-single", implementation: .swift,
                       ns: ReportFixtures.summary(p50: 602), samples: 100, data: RowData(cpu: 2, blockMedians: big)),
    ]
    let report = BenchReport(environment: environment, settings: ReportFixtures.report().settings, readLatency: rows)
    let comparisons = ClusterComparison.compute(report)
    #expect(comparisons.count == 1)
    let ratio = try #require(comparisons.first?.clusters.last?.ratio)
    #expect(abs(ratio.value - 602.0 / 1002.0) < 0.01)
    #expect(ratio.low <= ratio.value && ratio.value <= ratio.high)
    #expect(comparisons.first?.clusters.map(\.cpu) == [0, 2])
    let table = TableRenderer.render(report)
    #expect(table.contains("core PMUs side by side"))
    #expect(table.contains("armv8_cortex_a72/armv8_cortex_a53"))
    // One core PMU: nothing to compare.
    #expect(ClusterComparison.compute(ReportFixtures.report()).isEmpty)
}

/// Repetitions of one row become one row: histograms added, block medians kept per repetition.
@Test(.timeLimit(.minutes(5))) func repetitionsMergeIntoOneRow() throws {
    var recorder = LatencyRecorder()
    (0..<100).map { UInt64(500 + $0) }.withUnsafeBufferPointer { recorder.record($0) }
    var other = LatencyRecorder()
    (0..<100).map { UInt64(700 + $0) }.withUnsafeBufferPointer { other.record($0) }
    func row(_ recorder: LatencyRecorder, _ blocks: [UInt64]) -> ReadLatencyRow {
        ReadLatencyRow(pmu: "software", event: "task-clock", method: "read-single", implementation: .swift,
                       ns: try! #require(recorder.summary), samples: recorder.count,
                       data: RowData(cpu: 1, blockMedians: [blocks], histogram: recorder.recordedPairs))
    }
    let merged = RepetitionMerge.reads([row(recorder, [549]), row(other, [749])])
    #expect(merged.count == 1)
    let one = try #require(merged.first)
    #expect(one.samples == 200)
    #expect(one.data.blockMedians == [[549], [749]])
    #expect(one.ns.min == 500 && one.ns.max == 799)
    #expect(one.ns.p50 >= 598 && one.ns.p50 <= 700)
    let exits = RepetitionMerge.exits([
        ExitLatencyRow(pmu: "p", cpus: "0", kind: "pio", implementation: .c, ns: ReportFixtures.summary(p50: 100),
                       samples: 5, exits: 5, exitsByTracepoint: 5, tracepoint: "kvm:kvm_pio"),
        ExitLatencyRow(pmu: "p", cpus: "0", kind: "pio", implementation: .c, ns: ReportFixtures.summary(p50: 100),
                       samples: 7, exits: 7, exitsByTracepoint: 7, tracepoint: "kvm:kvm_pio"),
    ])
    #expect(exits.count == 1 && exits[0].exits == 12 && exits[0].exitsByTracepoint == 12)
}

/// The unpaired cluster ratio converts counts as numbers: `.map(Double.init)` on UInt64 took
/// `Double(bitPattern:)`, which kept the ratio of small counts (as denormals) by accident and
/// garbled large ones. Counts above 2^52 (cycle totals of long runs) must still give their ratio.
@Test func theUnpairedClusterRatioReadsLargeCountsAsNumbers() throws {
    let big: UInt64 = 1 << 60
    let ratio = try #require(ClusterComparison.unpairedRatio([[2 * big, 2 * big]], [[big, big]], 2 * big, big))
    #expect(ratio.value == 2 && ratio.low == 2 && ratio.high == 2)
    let small = try #require(ClusterComparison.unpairedRatio([[3000, 3000]], [[1000, 1000]], 3000, 1000))
    #expect(small.value == 3)
}
