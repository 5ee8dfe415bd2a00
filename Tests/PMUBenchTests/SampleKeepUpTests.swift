import Foundation
import Testing
@testable import PMUBenchCore

private func step(_ rate: Int?, calls: Int = 100_000, samples: UInt64? = 100_000, lost: UInt64? = 0,
                  counted: UInt64? = nil, wall: UInt64 = 200_000_000, alone: UInt64 = 100_000_000,
                  cpu: Int64 = 50_000) -> SampleKeepUpStep {
    SampleKeepUpStep(targetRate: rate, calls: calls, samples: samples, lost: lost, counted: counted,
                     wallNs: wall, aloneWallNs: alone, toolCPUMicroseconds: cpu)
}

@Test func theHighestLossFreeRateIsTheLastStepBeforeTheFirstLoss() {
    var row = SampleKeepUpRow(tool: "perf record", command: "perf record …", event: "syscalls:sys_enter_getppid",
                              fixedCPUMicroseconds: 10_000,
                              steps: [step(50_000), step(100_000), step(200_000, samples: 99_000, lost: 1_000),
                                      step(400_000), step(nil, calls: 1_000_000, samples: 1_000_000, cpu: 210_000)])
    #expect(row.highestLossFree?.targetRate == 100_000)
    // The unpaced step: (210 - 10) ms for 1e6 samples is 20 ms per 1e5; twice as slow as alone.
    #expect(row.cpuMillisecondsPer100k == 20)
    #expect(row.unpaced?.slowdown == 2)
    row.steps[0].samples = 99_999
    #expect(row.highestLossFree == nil, "a sample missing against N is loss, even with nothing counted as lost")
    row.steps[0].samples = 100_000
    row.steps[0].counted = 100_002
    #expect(row.highestLossFree == nil, "fewer samples than the kernel counted is loss")
    row.unavailable = "perf is not installed (/usr/bin/perf)"
    #expect(row.highestLossFree == nil)
}

@Test func pmuSampleSummaryIsReadFromTheLastSummaryLine() throws {
    let text = """
        {"cpu":1,"record":"sample","tid":3}
        {"counted":1000,"event":"syscalls:sys_enter_getppid","lost":3,"lost_kernel":3,"pmu":"tracepoint","record":"summary","samples":997,"top":[],"unaccounted":0}

        """
    let summary = try #require(SampleKeepUpParsing.pmuSummary(text[...]))
    #expect(summary.samples == 997 && summary.lost == 3 && summary.counted == 1000)
    #expect(SampleKeepUpParsing.pmuSummary("{\"record\":\"sample\"}\n") == nil)
}

@Test func perfReportStatsGiveSamplesAndLostSamples() throws {
    // perf 6.1, `perf report --stats` after a run that lost samples.
    let lossy = """

        Aggregated stats:
                   TOTAL events:    1000611
                    LOST events:          8  ( 0.0%)
                  SAMPLE events:     990257  (99.0%)
            LOST_SAMPLES events:          1  ( 0.0%)
          FINISHED_ROUND events:      10333  ( 1.0%)
        syscalls:sys_enter_getppid stats:
                  SAMPLE events:     990257
            LOST_SAMPLES events:       9744
        """
    let parsed = try #require(SampleKeepUpParsing.perfStats(lossy))
    #expect(parsed.samples == 990_257 && parsed.lost == 9_744)
    // No samples at all: perf leaves the SAMPLE line out.
    let empty = """

        Aggregated stats:
                   TOTAL events:         14
                    MMAP events:          1  ( 7.1%)
        """
    let none = try #require(SampleKeepUpParsing.perfStats(empty))
    #expect(none.samples == 0 && none.lost == 0)
    #expect(SampleKeepUpParsing.perfStats("Error: the file is empty") == nil)
}

@Test func keepUpRowsAreInTheTableAndTheJSONAndNotInTheGate() throws {
    let measured = SampleKeepUpRow(tool: "pmu sample -o FILE", command: "pmu sample …", event: "syscalls:sys_enter_getppid",
                                   fixedCPUMicroseconds: 20_000,
                                   steps: [step(50_000), step(nil, samples: 90_000, lost: 10_000)])
    let missing = SampleKeepUpRow(tool: "perf record", command: "perf record …", event: "syscalls:sys_enter_getppid",
                                  unavailable: "perf is not installed (/usr/bin/perf)")
    let base = ReportFixtures.report()
    let report = BenchReport(environment: base.environment, settings: base.settings, timer: base.timer,
                             readLatency: base.readLatency, exitLatency: base.exitLatency,
                             sampleKeepUp: [measured, missing])
    let table = TableRenderer.render(report)
    #expect(table.contains("== sample keep-up: syscalls:sys_enter_getppid"))
    #expect(table.contains("not a gate"))
    #expect(table.contains("50k/s (500k/s reached)"))
    #expect(table.contains("missing 10000 (lost 10000)"))
    #expect(table.contains("perf record: unavailable: perf is not installed"))
    #expect(Gate().failures(in: report) == [])
    let decoded = try JSONDecoder().decode(BenchReport.self, from: Data(report.jsonData()))
    #expect(decoded.sampleKeepUp == [measured, missing])
    // Reports written before the rows existed still load.
    var old = try #require(try JSONSerialization.jsonObject(with: Data(base.jsonData())) as? [String: Any])
    old.removeValue(forKey: "sample_keepup")
    let earlier = try JSONDecoder().decode(BenchReport.self, from: JSONSerialization.data(withJSONObject: old))
    #expect(earlier.sampleKeepUp == nil)
}
