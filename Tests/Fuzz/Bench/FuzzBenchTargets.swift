// libFuzzer entry point for pmu-bench's report reader (Baseline.decode), built by
// .ci/fuzz.sh as a second binary from the PMUBenchCore sources (it needs
// Foundation's JSONDecoder and the Histogram package, which the PerfEvents
// fuzz binary must not pull in). Targets are the corpus folders named `bench-*`.

import Foundation

let fuzzTargets: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
    "bench-baseline": fuzzBaseline,
]

nonisolated(unsafe) var selectedTarget: ((UnsafeBufferPointer<UInt8>) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selectedTarget == nil {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let target = fuzzTargets[name] else {
            fatalError("FUZZ_TARGET must be one of: \(fuzzTargets.keys.sorted().joined(separator: ", "))")
        }
        selectedTarget = target
    }
    selectedTarget?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// Any bytes: either a report that survives writing and reading back unchanged,
/// or a `BaselineError` that names the file (never a crash or a trap in the decoder).
func fuzzBaseline(_ bytes: UnsafeBufferPointer<UInt8>) {
    let path = "fuzz/baseline.json"
    let report: BenchReport
    do {
        report = try Baseline.decode(Data(buffer: bytes), path: path)
    } catch {
        precondition(error.description.contains("'\(path)'"), "error does not name the file: \(error)")
        if case .wrongSchema(_, let found) = error {
            precondition(found != BenchReport.schemaVersion, "the right schema reported as wrong")
        }
        return
    }
    precondition(report.schema == BenchReport.schemaVersion, "accepted schema '\(report.schema)'")
    // Round trip: what --json writes of it reads back as the same report.
    guard let written = try? report.jsonData() else {
        // Only a value JSON cannot hold (NaN, ±infinity) may fail to encode; the decoder never yields one.
        fatalError("a decoded report does not encode")
    }
    guard let again = try? Baseline.decode(written, path: path) else { fatalError("written report does not decode") }
    precondition(again == report, "report changed in a write/read round trip")
    // Comparing a report with itself finds no regression (when its ratio keys are unique).
    guard Set(report.ratios.map { $0.key }).count == report.ratios.count else { return }
    precondition(Baseline.regressions(current: report, baseline: report, maximumRegressionPercent: 0).isEmpty)
}
