import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PMUBenchCore

private func row(ours: [[UInt64]], peer: [[UInt64]], goal: Double? = 1.00) -> PeerRow {
    PeerRow.paired(table: "papi", subject: "perf::TASK-CLOCK (set of 1)", metric: "read", ours: "Counter.read()",
                   peer: "PAPI_read()", unit: "ns", oursValues: ours, peerValues: peer, goal: goal)
}

@Test func thePeerRatioIsPairedBlockByBlockAndItsVerdictReadsTheWholeInterval() throws {
    // Ours is 0.8 of PAPI in every block, whatever the drift between blocks.
    let peer: [[UInt64]] = [[1000, 2000, 1500, 1000], [1200, 1000, 1100, 1300]]
    let ours = peer.map { $0.map { $0 * 8 / 10 } }
    let fast = row(ours: ours, peer: peer)
    let ratio = try #require(fast.oursOverPeer)
    #expect(abs(ratio.value - 0.8) < 1e-9 && abs(ratio.high - 0.8) < 1e-9)
    #expect(fast.pairs == 8)
    // The medians of every pair's values (1000, 1000, 1100, 1200, 1300, 1500, … → 1150 for the peer).
    #expect(fast.peerMedian == 1150 && fast.oursMedian == 920)
    #expect(fast.verdict == .met)
    #expect(row(ours: peer.map { $0.map { $0 * 12 / 10 } }, peer: peer).verdict == .missed)
    // Blocks that straddle the goal: this run cannot say.
    let mixed = row(ours: [[900, 1100, 950, 1050, 1000, 980, 1020]], peer: [[1000, 1000, 1000, 1000, 1000, 1000, 1000]])
    #expect(mixed.verdict == .open)
    #expect(row(ours: ours, peer: peer, goal: nil).verdict == nil)
    var missing = fast
    missing.unavailable = PeerUnavailable(.notInstalled, "PAPI is not installed")
    #expect(missing.verdict == nil, "an unavailable peer has no verdict, whatever numbers it carries")
}

@Test func peerRowsRoundTripThroughTheReportAndOlderReportsHaveNone() throws {
    var report = ReportFixtures.report()
    report.peers = [row(ours: [[800]], peer: [[1000]]),
                    PeerRow(table: "discovery", subject: "live", metric: "full scan", ours: "PMUDiscovery", peer: "perf bench internals pmu-scan",
                            unit: "us", unavailable: PeerUnavailable(.peerFailed, "perf crashed: malloc(): smallbin double linked list corrupted"))]
    let decoded = try JSONDecoder().decode(BenchReport.self, from: Data(report.jsonData()))
    #expect(decoded == report)
    // A report written before the peers existed decodes with none.
    var object = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonData())) as? [String: Any])
    object.removeValue(forKey: "peers")
    object.removeValue(forKey: "floor_shares")
    let older = try JSONDecoder().decode(BenchReport.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(older.peers == nil && older.floorShares.isEmpty)
    let table = TableRenderer.render(report)
    #expect(table.contains("unavailable: discovery live full scan"))
    #expect(table.contains("[peer-failed]"))
    #expect(table.contains("0.80 [0.80-0.80]"))
    // The peer panel: one bar per measured row, coloured by its verdict, well-formed with odd names.
    report.peers?[0].subject = "odd <subject> & \"quotes\""
    let svg = SVGRenderer.render(report)
    #expect(XMLParser(data: Data(svg.utf8)).parse(), "the SVG with a peer panel is not well-formed")
    #expect(svg.contains("ours/peer"))
    #expect(svg.components(separatedBy: "fill=\"#5aa05a\"><title>").count - 1 == 1, "one met bar")
    #expect(svg.contains("unavailable: discovery live full scan"))
}

@Test func papiNamesTheSameEventsPmuBenchReads() {
    #expect(PAPIEventNames.papiName(for: "task-clock") == "perf::TASK-CLOCK")
    #expect(PAPIEventNames.papiName(for: "cpu-migrations") == "perf::CPU-MIGRATIONS")
    #expect(PAPIEventNames.papiName(for: "cpu/cycles/") == "perf::PERF_COUNT_HW_CPU_CYCLES")
    #expect(PAPIEventNames.papiName(for: "cpu_core/branches/") == "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS")
    #expect(PAPIEventNames.papiName(for: "sched:sched_switch") == nil)
}

@Test func theFloorShareBoundsTheKernelsPartOfARead() throws {
    func latency(_ implementation: Implementation, _ p50: UInt64, method: String = "read-single") -> ReadLatencyRow {
        ReadLatencyRow(pmu: "software", event: "task-clock", method: method, implementation: implementation,
                       ns: LatencySummary(min: p50, p50: p50, p90: p50, p99: p50, p999: p50, max: p50, mean: Double(p50), stddev: 0),
                       samples: 10)
    }
    let rows = [latency(.swift, 1000), latency(.c, 900), latency(.syscallFloor, 300),
                latency(.swift, 500, method: "enable-disable"), latency(.c, 400, method: "enable-disable"),
                latency(.syscallFloor, 300, method: "enable-disable")]
    let shares = FloorShare.compute(rows)
    #expect(shares.count == 1, "only reads: the ioctl pair is not a read()")
    let share = try #require(shares.first)
    #expect(abs(share.kernelShareLow - 0.6) < 1e-9 && abs(share.kernelShareHigh - 0.9) < 1e-9)
    #expect(share.leftToWinNs == 100)
    // C slower than Swift: nothing left to win, the shares clamped to 1.
    let faster = FloorShare.compute([latency(.swift, 800), latency(.c, 900), latency(.syscallFloor, 300)])
    #expect(faster.first?.leftToWinNs == 0 && faster.first?.kernelShareHigh == 1)
}

@Test func perfsPMUScanFiguresAreReadEvenBeforeItsCrash() {
    let crashed = """
        # Running 'internals/pmu-scan' benchmark:
        Computing performance of sysfs PMU event scan for 100 times
          Average core PMU scanning took: 6.820 usec (+- 0.048 usec)
          Average PMU scanning took: 306.210 usec (+- 79.434 usec)
        corrupted double-linked list
        """
    #expect(PMUScanOutput.parse(crashed) == PMUScanOutput(coreMicroseconds: 6.82, allMicroseconds: 306.21))
    // Crashed before the all-PMU figure: only the core one.
    let early = PMUScanOutput.parse("  Average core PMU scanning took: 9.350 usec (+- 0.1 usec)\nmalloc(): smallbin double linked list corrupted\n")
    #expect(early.coreMicroseconds == 9.35 && early.allMicroseconds == nil)
    #expect(PMUScanOutput.parse("Unknown collection: 'internals'") == PMUScanOutput())
}

@Test func aToolsOwnCPUTimeLeavesOutTheWorkloadOnlyWhereItsRusageHoldsIt() {
    // pmu stat reaps its workload: 1.2 s reaped, 1.0 s of it the workload's.
    #expect(ToolCPU.own(reaped: 1_200_000, workload: 1_000_000) == 200_000)
    // perf stat -I: 14 ms in its rusage against a workload of 450 ms: all of it perf's.
    #expect(ToolCPU.own(reaped: 14_000, workload: 450_000) == 14_000)
    #expect(ToolCPU.own(reaped: -5, workload: 0) == 0)
}

/// `pmu sample` against `perf record` in the peer table, from the keep-up rows of the same run.
@Suite struct PeerKeepUpTests {
    static func step(_ rate: Int?, calls: Int, samples: UInt64?, lost: UInt64 = 0, wall: UInt64, alone: UInt64,
                     cpu: Int64) -> SampleKeepUpStep {
        SampleKeepUpStep(targetRate: rate, calls: calls, samples: samples, lost: lost, wallNs: wall,
                         aloneWallNs: alone, toolCPUMicroseconds: cpu)
    }

    static func tool(_ name: String, lossyFrom: Int?, unpacedWall: UInt64, cpu: Int64) -> SampleKeepUpRow {
        let rates = [50_000, 100_000, 200_000]
        var steps = rates.enumerated().map { index, rate in
            step(rate, calls: 1000, samples: lossyFrom.map { index >= $0 ? 900 : 1000 } ?? 1000,
                 wall: UInt64(1e9 * 1000 / Double(rate)), alone: UInt64(1e9 * 1000 / Double(rate)), cpu: 100)
        }
        steps.append(step(nil, calls: 100_000, samples: 100_000, wall: unpacedWall, alone: 20_000_000, cpu: cpu))
        return SampleKeepUpRow(tool: name, command: name, event: "syscalls:sys_enter_getppid", fixedCPUMicroseconds: 0,
                               steps: steps)
    }

    @Test func theRowsCompareTheHighestLossFreeStepCPUAndSlowdown() throws {
        // Ours loses nothing at any step, perf record from its 100k/s step on: ours holds a faster rate.
        let rows = PeerRow.sampleKeepUp([
            Self.tool("pmu sample -o FILE", lossyFrom: nil, unpacedWall: 40_000_000, cpu: 50_000),
            Self.tool("pmu sample --json", lossyFrom: nil, unpacedWall: 90_000_000, cpu: 90_000),
            Self.tool("perf record", lossyFrom: 1, unpacedWall: 50_000_000, cpu: 100_000),
        ])
        #expect(rows.count == 3 && rows.allSatisfy { $0.table == "tool" && $0.unavailable == nil })
        // Ours is loss-free through the unpaced step (1e5 calls in 20 ms alone: 200 ns apart),
        // perf record only at 50k/s (20000 ns apart).
        let rate = try #require(rows[0].oursOverPeer)
        #expect(rows[0].oursMedian == 200 && rows[0].peerMedian == 20000 && rate.value == 0.01)
        #expect(rows[0].verdict == .met)
        // CPU: 50 ms against 100 ms per 1e5 samples; slowdown: 2.0 against 2.5.
        #expect(rows[1].oursOverPeer?.value == 0.5 && rows[1].verdict == .met)
        #expect(rows[2].oursMedian == 2000 && rows[2].peerMedian == 2500 && rows[2].verdict == .met)
        // Both loss-free through the unpaced step: the same offered rate, 1.00, met.
        let both = PeerRow.sampleKeepUp([Self.tool("pmu sample -o FILE", lossyFrom: nil, unpacedWall: 40_000_000, cpu: 1),
                                         Self.tool("perf record", lossyFrom: nil, unpacedWall: 30_000_000, cpu: 1)])
        #expect(both[0].oursOverPeer?.value == 1.0 && both[0].verdict == .met)
        // One pair, no interval: the table says so.
        #expect(rows.allSatisfy { $0.pairs == 1 && $0.oursOverPeer?.low == $0.oursOverPeer?.high })
        #expect(rows[0].note?.contains("no interval") == true)
    }

    @Test func aToolThatDidNotRunIsAnUnavailableRowSayingWhy() {
        var perf = Self.tool("perf record", lossyFrom: nil, unpacedWall: 1, cpu: 1)
        perf.unavailable = "perf is not installed"
        let rows = PeerRow.sampleKeepUp([Self.tool("pmu sample -o FILE", lossyFrom: nil, unpacedWall: 1, cpu: 1), perf])
        #expect(rows.allSatisfy { $0.unavailable?.cause == .peerFailed && $0.unavailable?.reason == "perf is not installed" })
        #expect(rows.allSatisfy { $0.verdict == nil })
        // Lossy from the first step: no loss-free rate to compare, said as ours.
        let lossy = PeerRow.sampleKeepUp([Self.tool("pmu sample -o FILE", lossyFrom: 0, unpacedWall: 1, cpu: 1),
                                          Self.tool("perf record", lossyFrom: nil, unpacedWall: 1, cpu: 1)])
        #expect(lossy[0].unavailable?.cause == .oursFailed)
        #expect(PeerRow.sampleKeepUp([]).allSatisfy { $0.unavailable?.cause == .oursFailed })
    }
}
