/// The text `pmu-bench compare` prints: one line per ratio row in both reports.
public enum CompareRenderer {
    public static func render(_ comparisons: [RatioComparison], baseline: BenchReport, current: BenchReport) -> String {
        var out = "baseline: \(describe(baseline))\ncurrent:  \(describe(current))\n"
        if comparisons.isEmpty { return out + "no ratio row is in both reports\n" }
        var rows: [[String]] = [["row", "baseline", "current", "change", "p", "verdict", "intervals"]]
        var earlier: [String: RatioRow] = [:]
        for row in baseline.ratios { earlier[row.key] = row }
        var later: [String: RatioRow] = [:]
        for row in current.ratios { later[row.key] = row }
        for comparison in comparisons {
            let sign = comparison.changePercent >= 0 ? "+" : ""
            rows.append([
                comparison.key,
                interval(earlier[comparison.key]) ?? format(comparison.baseline),
                interval(later[comparison.key]) ?? format(comparison.current),
                sign + format(comparison.changePercent) + "%",
                comparison.pValue.map(formatP) ?? "n/a",
                comparison.verdict.rawValue,
                overlap(earlier[comparison.key], later[comparison.key]),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += cell + String(repeating: " ", count: widths[index] - cell.count) + "  "
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// Whether the two runs' 95 % intervals share a value (`overlap`) or not (`apart`).
    static func overlap(_ first: RatioRow?, _ second: RatioRow?) -> String {
        guard let a = first?.swiftOverCPaired, let b = second?.swiftOverCPaired else { return "n/a" }
        return a.overlaps(b) ? "overlap" : "apart"
    }

    static func interval(_ row: RatioRow?) -> String? {
        guard let paired = row?.swiftOverCPaired else { return nil }
        return "\(format(paired.value)) [\(format(paired.low))-\(format(paired.high))]"
    }

    static func describe(_ report: BenchReport) -> String {
        let context = report.environment.context
        return [context?.timestamp, context?.commit.map { String($0.prefix(12)) }, report.environment.kernel,
                report.environment.cpuModel].compactMap { $0 }.joined(separator: ", ")
    }
}
