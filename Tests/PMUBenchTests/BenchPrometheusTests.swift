import Foundation
@testable import PMUBenchCore
import PrometheusText
import Testing

@Suite struct BenchPrometheusTests {
    typealias Label = PrometheusExposition.Label

    /// The fixture's read triple with block data (so the ratios have intervals), a guest-exit pair and an unavailable row.
    static func report() -> BenchReport {
        var report = PairedRatioTests.report(slowdown: 1.05)
        report.environment.context = RunContext(
            timestamp: "2026-12-07T18:00:00Z", commit: "0123abc", commandLine: ["pmu-bench"], buildConfiguration: "debug",
            governors: [], smtActive: nil, isolatedCPUs: nil, nohzFullCPUs: nil, kernelCommandLine: nil,
            mitigations: [:], timerResolutionNs: 1)
        report.unavailable = [UnavailableRow(pmu: "core", what: "cycles", reason: "no \"core\" PMU", condition: .noCorePMU)]
        return report
    }

    @Test func rowsBecomeSummariesRatiosAndCountersWithTheirLabels() throws {
        let report = Self.report()
        let text = report.prometheus(hostLabels: [Label("host", "bench-1"), Label("kernel", "ignored")]).text
        let common = #"host="bench-1",kernel="6.1.0-test",commit="0123abc""#
        // The fixture's Swift read row: p50 515 ns, mean 517.5 ns over 1000 samples.
        #expect(text.contains(#"pmu_bench_read_latency_seconds{\#(common),pmu="software",event="task-clock",method="read-single",implementation="swift",cpu="1",quantile="0.5"} 5.15e-07"#))
        #expect(text.contains(#"pmu_bench_read_latency_seconds_sum{\#(common),pmu="software",event="task-clock",method="read-single",implementation="swift",cpu="1"} 0.0005175"#))
        #expect(text.contains(#"pmu_bench_read_latency_seconds_count{\#(common),pmu="software",event="task-clock",method="read-single",implementation="swift",cpu="1"} 1000"#))
        #expect(text.contains(#"pmu_bench_guest_exits_total{\#(common),pmu="cpu_core",cpus="0-1",method="pio",implementation="swift"} 1000"#))
        #expect(text.contains(#"pmu_bench_unavailable{\#(common),pmu="core",what="cycles",reason="no \"core\" PMU",condition="no-core-pmu"} 1"#))
        // The ratio and its interval, as the report has them.
        let paired = try #require(report.ratios.first { $0.table == "read" }?.swiftOverCPaired)
        let labels = #"{\#(common),table="read",pmu="software",method="read-single",event="task-clock"}"#
        #expect(text.contains("pmu_bench_swift_over_c_ratio\(labels) \(PrometheusExposition.format(.real(paired.value)))\n"))
        #expect(text.contains("pmu_bench_swift_over_c_low_ratio\(labels) \(PrometheusExposition.format(.real(paired.low)))\n"))
        #expect(text.contains("pmu_bench_swift_over_c_high_ratio\(labels) \(PrometheusExposition.format(.real(paired.high)))\n"))
        #expect(paired.low < paired.value && paired.value < paired.high)
    }

    @Test func promtoolAcceptsTheFile() throws {
        let text = Self.report().prometheus(hostLabels: HostLabels.current()).text
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(getpid()).prom")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"),
                     "promtool is not installed (Debian: prometheus; make deps installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "/usr/bin/promtool check metrics < \"$0\" 2>&1", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool check metrics: \(said)")
        #expect(said.isEmpty, "promtool's lint: \(said)")
    }
}
