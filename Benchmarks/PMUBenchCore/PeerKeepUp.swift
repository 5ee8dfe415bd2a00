/// The sample keep-up rows (``SampleKeepUpRow``) as rows of the peer table: `pmu sample -o FILE`
/// against `perf record` on the same tracepoint workload in the same run. Each step ran once per
/// tool, so a row has no interval: its ratio is one pair (low = high), which the table says.
extension PeerRow {
    /// Three rows: the interval between calls at each tool's highest loss-free step, the rate
    /// the workload offered there (its paced rate; unpaced, what it reaches alone, one figure for
    /// both tools), so ours over perf's at most 1.00 says we sustain at least perf record's
    /// loss-free rate; and at the unpaced step the tool's own CPU per 1e5 samples and the
    /// workload's slowdown (ours over perf's, goal 1.00).
    /// A tool that did not run, or lost samples from the first step on, gives an unavailable row.
    public static func sampleKeepUp(_ rows: [SampleKeepUpRow]) -> [PeerRow] {
        let ours = rows.first { $0.tool == "pmu sample -o FILE" }
        let perf = rows.first { $0.tool == "perf record" }
        let subject = ours?.event ?? perf?.event ?? "a tracepoint"
        let note = "one run per rate step and tool (no interval); period 1, each tool's default buffer"
        func row(_ metric: String, unit: String, _ value: (SampleKeepUpRow) -> Double?) -> PeerRow {
            var row = PeerRow(table: "tool", subject: subject, metric: metric, ours: "pmu sample -o FILE",
                              peer: "perf record", unit: unit, goal: 1.0, note: note)
            guard let ours else {
                row.unavailable = PeerUnavailable(.oursFailed, "the keep-up rows have no pmu sample -o FILE row")
                return row
            }
            guard let perf else {
                row.unavailable = PeerUnavailable(.notInstalled, "the keep-up rows have no perf record row")
                return row
            }
            if let reason = ours.unavailable {
                row.unavailable = PeerUnavailable(.oursFailed, reason)
                return row
            }
            if let reason = perf.unavailable {
                row.unavailable = PeerUnavailable(.peerFailed, reason)
                return row
            }
            guard let mine = value(ours), let theirs = value(perf), theirs > 0 else {
                row.unavailable = PeerUnavailable(
                    value(ours) == nil ? .oursFailed : .peerFailed,
                    "\(value(ours) == nil ? ours.tool : perf.tool) has no loss-free or finished step to compare")
                return row
            }
            row.oursMedian = mine
            row.peerMedian = theirs
            row.pairs = 1
            let ratio = mine / theirs
            row.oursOverPeer = RatioEstimate(value: ratio, low: ratio, high: ratio, blocks: 1, repetitions: 1)
            return row
        }
        // The unpaced workload alone: the faster of the two tools' runs of it.
        let alone = [ours, perf].compactMap { $0?.unpaced?.aloneWallNs }.filter { $0 > 0 }.min()
        return [
            row("interval at the highest loss-free offered rate", unit: "ns") { tool in
                guard let step = tool.highestLossFree else { return nil }
                if let rate = step.targetRate { return rate > 0 ? 1e9 / Double(rate) : nil }
                guard let alone, step.calls > 0 else { return nil }
                return Double(alone) / Double(step.calls)
            },
            row("tool CPU per 1e5 samples (unpaced)", unit: "ms") { $0.cpuMillisecondsPer100k },
            row("workload slowdown (unpaced)", unit: "x1000") { tool in tool.unpaced?.slowdown.map { $0 * 1000 } },
        ]
    }
}
