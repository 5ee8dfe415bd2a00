/// What part of the benchmark to run (`--only`).
public enum BenchScope: String, CaseIterable, Sendable {
    case read
    case exits
    /// `pmu sample` next to `perf record` on a tracepoint workload (``SampleKeepUpRow``).
    case sampleKeepUp = "sample-keepup"
    /// The library next to PAPI, perf's PMU scan and perf stat (``PeerRow``).
    case peers

    /// Parses an `--only` value, naming the valid ones when it is wrong.
    public static func parse(_ text: String) -> Result<BenchScope, SelectionError> {
        if let scope = BenchScope(rawValue: text) { return .success(scope) }
        return .failure(.unknownScope(text))
    }
}

/// A selection that names something that is not there.
public enum SelectionError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownScope(String)
    case unknownPMUs([String], available: [String])

    public var description: String {
        switch self {
        case .unknownScope(let text):
            let valid = BenchScope.allCases.map(\.rawValue).joined(separator: ", ")
            return "--only '\(text)' is not a part of the benchmark; use one of: \(valid)"
        case .unknownPMUs(let names, let available):
            let plural = names.count == 1 ? "PMU" : "PMUs"
            return "unknown \(plural) \(names.map { "'\($0)'" }.joined(separator: ", ")) for --pmu; "
                + "PMUs on this machine: \(available.joined(separator: ", "))"
        }
    }
}

/// The PMUs to measure: all of `available` when `requested` is empty,
/// otherwise the requested ones in the order given, each known.
public func selectPMUs(requested: [String], available: [String]) -> Result<[String], SelectionError> {
    if requested.isEmpty { return .success(available) }
    let unknown = requested.filter { !available.contains($0) }
    if !unknown.isEmpty { return .failure(.unknownPMUs(unknown, available: available)) }
    var chosen: [String] = []
    for name in requested where !chosen.contains(name) { chosen.append(name) }
    return .success(chosen)
}
