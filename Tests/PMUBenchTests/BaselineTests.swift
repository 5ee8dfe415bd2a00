import Foundation
import Testing
@testable import PMUBenchCore

private func temporaryFile(_ contents: String) throws -> String {
    let path = NSTemporaryDirectory() + "pmu-bench-test-\(UUID().uuidString).json"
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

@Test(.timeLimit(.minutes(5))) func aReportSurvivesAJSONRoundTrip() throws {
    let report = ReportFixtures.report()
    let decoded = try Baseline.decode(report.jsonData(), path: "memory")
    #expect(decoded == report)
}

@Test(.timeLimit(.minutes(5))) func theJSONUsesTheDocumentedKeys() throws {
    let text = String(decoding: try ReportFixtures.report().jsonData(), as: UTF8.self)
    for key in ["\"schema\" : \"pmu-bench/2\"", "\"read_latency\"", "\"exit_latency\"", "\"unavailable\"",
                "\"exits_by_tracepoint\"", "\"p999\"", "\"implementation\" : \"syscall-floor\"",
                "\"perf_event_paranoid\"", "\"cap_user_rdpmc\"", "\"libpfm_version\"", "\"swift_over_c_p50\"",
                "\"swift_over_c_timer_corrected\"", "\"block_medians\"", "\"histogram\""] {
        #expect(text.contains(key), "missing \(key)")
    }
}

@Test(.timeLimit(.minutes(5))) func anUnreadableBaselineSaysWhichFile() {
    #expect(throws: BaselineError.self) { try Baseline.load("/nonexistent/dir/base.json") }
    do {
        _ = try Baseline.load("/nonexistent/dir/base.json")
    } catch {
        guard case .unreadable(let path, _) = error else {
            Issue.record("expected unreadable, got \(error)")
            return
        }
        #expect(path == "/nonexistent/dir/base.json")
        #expect(error.description.contains("cannot read baseline '/nonexistent/dir/base.json'"))
    }
}

@Test(.timeLimit(.minutes(5))) func aFileThatIsNotJSONIsRejected() throws {
    let path = try temporaryFile("this is not json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try Baseline.load(path)
        Issue.record("accepted a non-JSON baseline")
    } catch {
        guard case .notAReport = error else {
            Issue.record("expected notAReport, got \(error)")
            return
        }
    }
}

@Test(.timeLimit(.minutes(5))) func aReportOfAnotherSchemaIsRejectedByName() throws {
    let path = try temporaryFile(#"{"schema": "pmu-bench/0", "rows": []}"#)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try Baseline.load(path)
        Issue.record("accepted schema pmu-bench/0")
    } catch {
        #expect(error == .wrongSchema(path: path, found: "pmu-bench/0"))
        #expect(error.description.contains("has schema 'pmu-bench/0' but this pmu-bench reads 'pmu-bench/2'"))
    }
}

@Test(.timeLimit(.minutes(5))) func aJSONObjectWithoutSchemaIsRejected() throws {
    #expect(throws: BaselineError.notAReport(path: "x", reason: "no \"schema\" key")) {
        try Baseline.decode(Data(#"{"read_latency": []}"#.utf8), path: "x")
    }
}

@Test(.timeLimit(.minutes(5))) func theRightSchemaWithMissingFieldsNamesTheField() {
    do {
        _ = try Baseline.decode(Data(#"{"schema": "pmu-bench/2"}"#.utf8), path: "x")
        Issue.record("accepted an empty report")
    } catch {
        guard case .notAReport(_, let reason) = error else {
            Issue.record("expected notAReport, got \(error)")
            return
        }
        #expect(reason.hasPrefix("missing "))
    }
}

@Test(.timeLimit(.minutes(5))) func aRatioRegressionBeyondTheLimitIsReported() {
    let baseline = ReportFixtures.report(swiftP50: 500, cP50: 500, floorP50: 100)
    let worse = ReportFixtures.report(swiftP50: 560, cP50: 500, floorP50: 100)
    let lines = Baseline.regressions(current: worse, baseline: baseline, maximumRegressionPercent: 10)
    #expect(lines.count == 1) // Swift/C 1.00 → 1.12; without block data the change alone decides
    #expect(lines.first?.contains("Swift/C 1.12 vs baseline 1.00 (+12.00%, limit 10.00%, no block data to test)") == true)
    #expect(Baseline.regressions(current: worse, baseline: baseline, maximumRegressionPercent: 15) == [])
}

@Test(.timeLimit(.minutes(5))) func absoluteSlowdownsWithTheSameRatioAreNotRegressions() {
    let baseline = ReportFixtures.report(swiftP50: 500, cP50: 500, floorP50: 100)
    let slowerMachine = ReportFixtures.report(swiftP50: 1000, cP50: 1000, floorP50: 200)
    #expect(Baseline.regressions(current: slowerMachine, baseline: baseline, maximumRegressionPercent: 1) == [])
}
