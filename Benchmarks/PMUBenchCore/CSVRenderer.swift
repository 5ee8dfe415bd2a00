/// The `--csv` form of a report: one line per latency row (RFC 4180 quoting).
public enum CSVRenderer {
    public static let header = [
        "table", "pmu", "subject", "method", "implementation", "samples",
        "min", "p50", "p90", "p99", "p999", "max", "mean", "stddev", "exits", "exits_by_tracepoint",
    ]

    public static func render(_ report: BenchReport) -> String {
        var lines = [header.map(quote).joined(separator: ",")]
        func numbers(_ ns: LatencySummary) -> [String] {
            ["\(ns.min)", "\(ns.p50)", "\(ns.p90)", "\(ns.p99)", "\(ns.p999)", "\(ns.max)", "\(ns.mean)", "\(ns.stddev)"]
        }
        for row in report.timer {
            let fields = ["timer", "", "", "clock-pair", row.implementation.rawValue, "\(row.samples)"]
                + numbers(row.ns) + ["", ""]
            lines.append(fields.map(quote).joined(separator: ","))
        }
        for row in report.readLatency {
            let fields = ["read", row.pmu, row.event, row.method, row.implementation.rawValue, "\(row.samples)"]
                + numbers(row.ns) + ["", ""]
            lines.append(fields.map(quote).joined(separator: ","))
        }
        for row in report.exitLatency {
            let fields = ["exit", row.pmu, row.cpus, row.kind, row.implementation.rawValue, "\(row.samples)"]
                + numbers(row.ns) + ["\(row.exits)", row.exitsByTracepoint.map { "\($0)" } ?? ""]
            lines.append(fields.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A field, quoted when it holds a comma, quote or line break.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        var escaped = ""
        for character in field {
            escaped.append(character)
            if character == "\"" { escaped.append("\"") }
        }
        return "\"" + escaped + "\""
    }
}
