import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PMUBenchCore

/// Counts elements while checking that the document parses as XML.
private final class SVGInspector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var scripts = 0
    var externalReferences = 0
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        elements[name, default: 0] += 1
        if name == "script" || name == "foreignObject" { scripts += 1 }
        for (key, value) in attributes where key.hasSuffix("href") && !value.hasPrefix("#") { externalReferences += 1 }
    }
}

@Test(.timeLimit(.minutes(5))) func theSVGIsWellFormedAndSelfContained() throws {
    var report = ReportFixtures.report()
    report.readLatency[0].event = "odd <name> & \"quotes\""
    report = BenchReport(environment: report.environment, settings: report.settings, timer: report.timer,
                         readLatency: report.readLatency, exitLatency: report.exitLatency)
    let svg = SVGRenderer.render(report)
    let parser = XMLParser(data: Data(svg.utf8))
    let inspector = SVGInspector()
    parser.delegate = inspector
    #expect(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
    #expect(inspector.elements["svg"] == 1)
    // A background, a legend swatch per implementation (the peer's too), one bar per latency row.
    #expect(inspector.elements["rect"] == 1 + Implementation.allCases.count + report.readLatency.count + report.exitLatency.count)
    #expect(inspector.scripts == 0)
    #expect(inspector.externalReferences == 0)
    #expect(!svg.contains("@import") && !svg.contains("url("))
    #expect(svg.contains("odd &lt;name&gt; &amp; &quot;quotes&quot;"))
}

@Test(.timeLimit(.minutes(5))) func anEmptyReportStillMakesAValidSVG() {
    let report = BenchReport(environment: ReportFixtures.environment, settings: ReportFixtures.report().settings)
    let parser = XMLParser(data: Data(SVGRenderer.render(report).utf8))
    #expect(parser.parse())
}

@Test(.timeLimit(.minutes(5))) func theCSVHasOneLinePerRowAndQuotesFields() {
    var report = ReportFixtures.report()
    report.readLatency[0].event = "a,b \"c\""
    let lines = CSVRenderer.render(report).split(separator: "\n", omittingEmptySubsequences: false)
    // header + 2 timers + 3 reads + 2 exits, and the final newline.
    #expect(lines.count == 1 + 2 + 3 + 2 + 1)
    #expect(lines[0] == "table,pmu,subject,method,implementation,samples,min,p50,p90,p99,p999,max,mean,stddev,exits,exits_by_tracepoint")
    #expect(lines[3].hasPrefix("read,software,\"a,b \"\"c\"\"\",read-single,swift,1000,505,515,"))
    #expect(lines[6].hasPrefix("exit,cpu_core,0-1,pio,swift,1000,"))
    #expect(lines[6].hasSuffix(",1000,1000"))
    for line in lines.dropLast() where !line.contains("\"") {
        #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == CSVRenderer.header.count)
    }
}

@Test(.timeLimit(.minutes(5))) func theTableNamesEveryPMUAndTheRatios() {
    let report = ReportFixtures.report(
        unavailable: [UnavailableRow(pmu: "msr", what: "user-space read", reason: "cap_user_rdpmc is 0",
                                     condition: .capUserRdpmcZero)])
    let table = TableRenderer.render(report)
    #expect(table.contains("== software =="))
    #expect(table.contains("== cpu_core =="))
    #expect(table.contains("task-clock read-single: Swift/C 1.03, Swift/floor 3.68"))
    #expect(table.contains("unavailable: user-space read: cap_user_rdpmc is 0 [host: cap-user-rdpmc-0]"))
    #expect(table.contains("exits 1000 / tracepoint 1000"))
}

/// Decode throughput is N records / p50 for each implementation, said once per row pair
/// in the table (from the merged rows), and only for `decode-N-records` methods.
@Test(.timeLimit(.minutes(5))) func decodeThroughputIsSaidOncePerRowPair() throws {
    #expect(DecodeThroughput.records(inMethod: "decode-3000-records") == 3000)
    for method in ["decode-records", "decode-0-records", "decode-x-records", "read-single", "decode-3000-records-2"] {
        #expect(DecodeThroughput.records(inMethod: method) == nil, "\(method)")
    }
    var report = ReportFixtures.report()
    for (implementation, p50) in [(Implementation.swift, UInt64(300_000)), (.c, 330_000)] {
        report.readLatency.append(ReadLatencyRow(pmu: "tracepoint", event: "syscalls:sys_enter_getppid",
                                                 method: "decode-3000-records", implementation: implementation,
                                                 ns: ReportFixtures.summary(p50: p50), samples: 20))
    }
    let found = DecodeThroughput.compute(report, pmu: "tracepoint")
    try #require(found.count == 1)
    #expect(found[0].swiftRecordsPerSecond == 10_000_000 && found[0].cRecordsPerSecond == 3000 * 1e9 / 330_000)
    #expect(abs(found[0].swiftOverC - 1.1) < 1e-9)
    #expect(DecodeThroughput.compute(report, pmu: "software").isEmpty)
    let table = TableRenderer.render(report)
    let lines = table.split(separator: "\n").filter { $0.contains("decode throughput") }
    #expect(lines == ["  decode throughput (syscalls:sys_enter_getppid): Swift 10000000 records/s, C 9090909 records/s (p50 of a 3000-record pass); Swift/C throughput 1.10"], "\(table)")
}
