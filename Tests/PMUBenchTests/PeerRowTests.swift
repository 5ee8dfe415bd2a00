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
