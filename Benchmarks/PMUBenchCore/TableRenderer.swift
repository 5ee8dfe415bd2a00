/// The human-readable stdout form of a report: one table per PMU.
public enum TableRenderer {
    static let header = ["subject", "method", "impl", "samples", "min", "p50", "p90", "p99", "p99.9", "max", "mean", "stddev"]

    public static func render(_ report: BenchReport) -> String {
        var out = ""
        let env = report.environment
        out += "pmu-bench — kernel \(env.kernel), \(env.cpuModel), \(env.onlineCPUs) CPUs"
        out += env.nested ? " (guest)" : ""
        out += ", clock \(env.clocksource ?? "?"); values in ns\n"
        if !report.timer.isEmpty {
            let parts = report.timer.map { "\($0.implementation.rawValue) p50 \($0.ns.p50)" }
            out += "timer cost (two clock reads): " + parts.joined(separator: ", ")
            if let resolution = env.context?.timerResolutionNs { out += "; clock resolution \(resolution) ns" }
            out += "\n"
        }
        let settings = report.settings
        out += "\(settings.repetitions) repetition\(settings.repetitions == 1 ? "" : "s") of \(settings.iterations / max(1, settings.repetitions)) samples"
        out += " in blocks of \(settings.blockSize)" + (settings.batch > 1 ? ", \(settings.batch) reads per timed sample" : "")
        out += "; Swift/C is the median of paired per-block ratios [bootstrap 95% CI]\n"
        var pmus: [String] = []
        for name in report.readLatency.map(\.pmu) + report.exitLatency.map(\.pmu) + report.unavailable.map(\.pmu)
        where !pmus.contains(name) {
            pmus.append(name)
        }
        for pmu in pmus {
            out += "\n== \(pmu) ==\n"
            var rows: [[String]] = []
            for row in report.readLatency where row.pmu == pmu {
                rows.append(cells(row.event, row.method, row.implementation, row.samples, row.ns))
            }
            for row in report.exitLatency where row.pmu == pmu {
                var cellsOfRow = cells("cpus " + row.cpus, "exit " + row.kind, row.implementation, row.samples, row.ns)
                cellsOfRow.append("exits \(row.exits) / tracepoint \(row.exitsByTracepoint.map(String.init) ?? "n/a")")
                rows.append(cellsOfRow)
            }
            if !rows.isEmpty { out += align([header] + rows) }
            for ratio in report.ratios where ratio.pmu == pmu {
                out += "  \(ratio.subject) \(ratio.method): " + describe(ratio) + "\n"
            }
            for throughput in DecodeThroughput.compute(report, pmu: pmu) {
                out += "  " + throughput.description + "\n"
            }
            for missing in report.unavailable where missing.pmu == pmu {
                out += "  unavailable: \(missing.what): \(missing.reason)\n"
            }
        }
        let clusters = ClusterComparison.compute(report)
        if !clusters.isEmpty {
            out += "\n== core PMUs side by side (Swift p50, ns, one CPU each; ratio to the first [95% CI]) ==\n"
            var rows: [[String]] = []
            let names = clusters[0].clusters.map(\.pmu)
            rows.append(["method"] + names.map { "\($0)" } + names.dropFirst().map { "\($0)/\(names[0])" })
            for comparison in clusters {
                var cells = [comparison.table == "exit" ? "exit " + comparison.method : comparison.method]
                cells += comparison.clusters.map { "\($0.p50)" + ($0.cpu.map { " (cpu \($0))" } ?? "") }
                cells += comparison.clusters.dropFirst().map { cluster in
                    guard let ratio = cluster.ratio else { return "n/a" }
                    return ratio.low == ratio.high ? format(ratio.value)
                        : "\(format(ratio.value)) [\(format(ratio.low))-\(format(ratio.high))]"
                }
                rows.append(cells)
            }
            out += alignLeft(rows)
        }
        return out
    }

    /// Columns padded to their widest cell, every one left-aligned.
    static func alignLeft(_ rows: [[String]]) -> String {
        align(rows, rightAligned: { _ in false })
    }

    /// `Swift/C 1.01 [0.99-1.02] (p50 1.01, timer-corrected 1.01), Swift/floor 3.50`.
    static func describe(_ ratio: RatioRow) -> String {
        var text = "Swift/C "
        if let paired = ratio.swiftOverCPaired {
            text += "\(format(paired.value)) [\(format(paired.low))-\(format(paired.high))]"
            var beside: [String] = []
            if let p50 = ratio.swiftOverCP50 { beside.append("p50 \(format(p50))") }
            if let corrected = ratio.swiftOverCTimerCorrected { beside.append("timer-corrected \(format(corrected))") }
            if !beside.isEmpty { text += " (" + beside.joined(separator: ", ") + ")" }
        } else {
            text += ratio.swiftOverCP50.map(format) ?? "n/a"
        }
        text += ", Swift/floor \(ratio.swiftOverFloor.map(format) ?? "n/a")"
        return text
    }

    static func cells(_ subject: String, _ method: String, _ implementation: Implementation, _ samples: UInt64,
                      _ ns: LatencySummary) -> [String] {
        [subject, method, implementation.rawValue, "\(samples)", "\(ns.min)", "\(ns.p50)", "\(ns.p90)", "\(ns.p99)",
         "\(ns.p999)", "\(ns.max)", format(ns.mean), format(ns.stddev)]
    }

    /// Left-aligns the first three columns, right-aligns the numbers.
    static func align(_ rows: [[String]], rightAligned: (Int) -> Bool = { $0 >= 3 && $0 < 12 }) -> String {
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in rows {
            var line = " "
            for (index, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                line += " " + (rightAligned(index) ? pad + cell : cell + pad)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
