import Foundation
import PrometheusText
import Testing

@Suite struct PrometheusExpositionTests {
    typealias Label = PrometheusExposition.Label

    @Test func familiesHaveHelpAndTypeOnceAndSeriesInOrder() {
        var exposition = PrometheusExposition(commonLabels: [Label("host", "h1"), Label("kernel", "6.1.0")])
        exposition.add("pmu_event_count_total", type: .counter, help: "Events counted.",
                       labels: [Label("pmu", "cpu_core"), Label("event", "cycles")], value: .integer(12_345_678_901_234_567))
        exposition.add("pmu_event_count_total", type: .counter, help: "Events counted.",
                       labels: [Label("pmu", "cpu_atom"), Label("event", "cycles")], value: .integer(7))
        exposition.add("pmu_stat_elapsed_seconds", type: .gauge, help: "Wall time.", value: .real(1.5))
        #expect(exposition.text == """
            # HELP pmu_event_count_total Events counted.
            # TYPE pmu_event_count_total counter
            pmu_event_count_total{host="h1",kernel="6.1.0",pmu="cpu_core",event="cycles"} 12345678901234567
            pmu_event_count_total{host="h1",kernel="6.1.0",pmu="cpu_atom",event="cycles"} 7
            # HELP pmu_stat_elapsed_seconds Wall time.
            # TYPE pmu_stat_elapsed_seconds gauge
            pmu_stat_elapsed_seconds{host="h1",kernel="6.1.0"} 1.5

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        #expect(PrometheusExposition.escapeLabelValue(#"a\b"c"# + "\nd") == #"a\\b\"c\nd"#)
        // HELP escapes backslash and line feed only; a double quote stays.
        #expect(PrometheusExposition.escapeHelp(#"say "x" \ y"# + "\nz") == #"say "x" \\ y\nz"#)
        var exposition = PrometheusExposition()
        exposition.add("m", type: .gauge, help: "h", labels: [Label("event", #"cpu/event=0x3c,name="x"/"#)], value: .integer(1))
        #expect(exposition.text.contains(#"m{event="cpu/event=0x3c,name=\"x\"/"} 1"#))
    }

    @Test func namesAreMadeLegal() {
        #expect(PrometheusExposition.metricName("pmu_cpu-clock.seconds") == "pmu_cpu_clock_seconds")
        #expect(PrometheusExposition.metricName("node:ratio") == "node:ratio")
        #expect(PrometheusExposition.metricName("9lives") == "_9lives")
        #expect(PrometheusExposition.labelName("a:b") == "a_b")
        #expect(PrometheusExposition.labelName("__name__") == "x__name__")
        #expect(PrometheusExposition.labelName("") == "_")
    }

    @Test func valuesAreWrittenAsTheFormatNamesThem() {
        #expect(PrometheusExposition.format(.integer(UInt64.max)) == "18446744073709551615")
        #expect(PrometheusExposition.format(.real(2)) == "2")
        #expect(PrometheusExposition.format(.real(0.000_000_63)) == "6.3e-07")
        #expect(PrometheusExposition.format(.real(.infinity)) == "+Inf")
        #expect(PrometheusExposition.format(.real(-.infinity)) == "-Inf")
        #expect(PrometheusExposition.format(.real(.nan)) == "NaN")
    }

    @Test func emptyLabelValuesAreLeftOutAndRepeatedSeriesKeptOnce() {
        var exposition = PrometheusExposition(commonLabels: [Label("commit", "")])
        exposition.add("c_total", type: .counter, help: "h", labels: [Label("cpu", "")], value: .integer(1))
        exposition.add("c_total", type: .counter, help: "h", labels: [], value: .integer(2))
        #expect(exposition.text.hasSuffix("\nc_total 1\n"))
        #expect(exposition.duplicates == ["c_total"])
    }

    @Test func summaryHasQuantilesSumAndCount() {
        var exposition = PrometheusExposition()
        exposition.addSummary("read_latency_seconds", help: "Read latency.", labels: [Label("pmu", "software")],
                              quantiles: [(0.5, 6.3e-07), (0.99, 1e-06)], sum: 0.0063, count: 10_000)
        #expect(exposition.text == """
            # HELP read_latency_seconds Read latency.
            # TYPE read_latency_seconds summary
            read_latency_seconds{pmu="software",quantile="0.5"} 6.3e-07
            read_latency_seconds{pmu="software",quantile="0.99"} 1e-06
            read_latency_seconds_sum{pmu="software"} 0.0063
            read_latency_seconds_count{pmu="software"} 10000

            """)
    }

    /// What Prometheus' own linter says of a file with every kind of family and awkward labels.
    @Test func promtoolAcceptsIt() throws {
        var exposition = PrometheusExposition(commonLabels: [Label("host", "h\"1"), Label("kernel", "6.1.0-\\x")])
        exposition.add("pmu_event_count_total", type: .counter, help: "Events \"counted\" \\ here.",
                       labels: [Label("event", "a\nb")], value: .integer(3))
        exposition.add("pmu_event_enabled_seconds_total", type: .counter, help: "Enabled.", value: .real(0.25))
        exposition.addSummary("pmu_bench_read_latency_seconds", help: "Latency.", quantiles: [(0.5, 1e-6)],
                              sum: 1e-3, count: 1000)
        let result = try PromtoolCheck.run(exposition.text)
        #expect(result.status == 0, "promtool check metrics: \(result.output)")
        // A file it must refuse, so that the check above can fail: a counter without _total.
        var bad = PrometheusExposition()
        bad.add("pmu_events", type: .counter, help: "No suffix.", value: .integer(1))
        #expect(try PromtoolCheck.run(bad.text).status != 0)
    }
}

/// `promtool check metrics` (Debian's prometheus package, which `make deps` installs) on a text.
enum PromtoolCheck {
    static func run(_ text: String) throws -> (status: Int32, output: String) {
        let path = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "promtool is not installed (Debian: prometheus; make deps installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
