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
        // Said of the latency rows; a run of the keep-up rows alone has none.
        let latencyRows = !report.readLatency.isEmpty || !report.exitLatency.isEmpty || !report.unavailable.isEmpty
        if latencyRows {
            out += "\(settings.repetitions) repetition\(settings.repetitions == 1 ? "" : "s") of \(settings.iterations / max(1, settings.repetitions)) samples"
            out += " in blocks of \(settings.blockSize)" + (settings.batch > 1 ? ", \(settings.batch) reads per timed sample" : "")
            out += "; Swift/C is the median of paired per-block ratios [bootstrap 95% CI]\n"
        }
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
                // The condition the gate reads, or that none was found (which --check fails).
                let cause = missing.condition.map { "host: \($0.rawValue)" } ?? "not a host condition"
                out += "  unavailable: \(missing.what): \(missing.reason) [\(cause)]\n"
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
        if let keepUp = report.sampleKeepUp, !keepUp.isEmpty { out += renderKeepUp(keepUp) }
        if !report.floorShares.isEmpty { out += renderFloorShares(report.floorShares) }
        if let peers = report.peers, !peers.isEmpty { out += renderPeers(peers) }
        return out
    }

    /// The sample keep-up rows: a summary per tool, then every step.
    static func renderKeepUp(_ keepUp: [SampleKeepUpRow]) -> String {
        var out = "\n== sample keep-up: \(keepUp[0].event) at period 1, default buffers, the same workload in the same run ==\n"
        out += "  a measurement, not a gate (--check ignores it): it races, tool against kernel on a busy machine, so it moves from run to run\n"
        var rows = [["tool", "highest loss-free rate", "CPU ms per 1e5 samples", "tool CPU ms: unpaced run, 0-call run", "slowdown (unpaced)"]]
        var unavailable: [String] = []
        for row in keepUp {
            if let reason = row.unavailable {
                unavailable.append("  \(row.tool): unavailable: \(reason)\n")
                continue
            }
            let best: String
            if let step = row.highestLossFree {
                best = step.targetRate == nil ? "unpaced (\(SampleKeepUpStep.rate(step.achievedRate)))"
                    : "\(step.rateLabel) (\(SampleKeepUpStep.rate(step.achievedRate)) reached)"
            } else {
                best = "none: lost at \(row.steps.first?.rateLabel ?? "the first step")"
            }
            let slowdown = row.unpaced?.slowdown.map { format($0) + "x" } ?? "n/a"
            let raw = [row.unpaced?.toolCPUMicroseconds, row.fixedCPUMicroseconds]
                .map { $0.map { format(Double($0) / 1000) } ?? "n/a" }.joined(separator: ", ")
            rows.append([row.tool, best, row.cpuMillisecondsPer100k.map(format) ?? "n/a", raw, slowdown])
        }
        if rows.count > 1 { out += alignLeft(rows) }
        let measured = keepUp.filter { $0.unavailable == nil && !$0.steps.isEmpty }
        if let first = measured.first {
            out += "  per step (N calls each): ok or the samples missing against N (lost: the tool's own count), workload wall time under the tool / alone\n"
            var steps = [["tool"] + first.steps.map { "\($0.rateLabel) N=\($0.calls)" }]
            for row in measured {
                steps.append([row.tool] + row.steps.map { step in
                    if let failure = step.failure { return "failed: \(failure)" }
                    let missing = UInt64(step.calls) - min(UInt64(step.calls), step.samples ?? 0)
                    let loss = step.lossFree ? "ok" : "missing \(missing) (lost \(step.lost ?? 0))"
                    return loss + " " + (step.slowdown.map { format($0) + "x" } ?? "n/a")
                })
            }
            out += alignLeft(steps)
        }
        for line in unavailable { out += line }
        out += "  CPU: the tool's user+system time at the unpaced step (wait4 rusage less the workload's own getrusage), less its 0-call run (median of 3), per 1e5 samples received\n"
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
