/// The rows of several repetitions of one run made into one row each: the
/// histograms added (and the summary made again from them), the block medians
/// kept per repetition, the counts summed. pmu-bench measures repetition 1 of
/// every row, then repetition 2 of every row, and so on, so each row's
/// repetitions lie minutes apart and its interval covers the drift of a run.
public enum RepetitionMerge {
    /// One read row per (PMU, event, method, implementation), in first-seen order.
    public static func reads(_ rows: [ReadLatencyRow]) -> [ReadLatencyRow] {
        grouped(rows, key: { "\($0.pmu)\u{0}\($0.event)\u{0}\($0.method)\u{0}\($0.implementation.rawValue)" }).compactMap { group in
            guard var first = group.first else { return nil }
            let (summary, count) = summary(group.map(\.data))
            guard let summary else { return first }
            first.ns = summary
            first.samples = count
            first.data = data(group.map(\.data))
            return first
        }
    }

    /// One exit row per (PMU, kind, implementation), counts summed.
    public static func exits(_ rows: [ExitLatencyRow]) -> [ExitLatencyRow] {
        grouped(rows, key: { "\($0.pmu)\u{0}\($0.kind)\u{0}\($0.implementation.rawValue)" }).compactMap { group in
            guard var first = group.first else { return nil }
            let (summary, count) = summary(group.map(\.data))
            if let summary {
                first.ns = summary
                first.samples = count
            }
            func sum(_ values: [UInt64?]) -> UInt64? {
                values.contains(nil) ? nil : values.reduce(0) { $0 &+ ($1 ?? 0) }
            }
            first.exits = group.reduce(0) { $0 &+ $1.exits }
            first.exitsByTracepoint = sum(group.map(\.exitsByTracepoint))
            first.userspaceExitsByTracepoint = sum(group.map(\.userspaceExitsByTracepoint))
            first.allExitsByTracepoint = sum(group.map(\.allExitsByTracepoint))
            first.hostCycles = sum(group.map(\.hostCycles))
            first.data = data(group.map(\.data))
            return first
        }
    }

    /// Unavailable rows, one per PMU and thing (the first repetition's reason: a
    /// probe's timing differs between repetitions, not what it found).
    public static func unavailable(_ rows: [UnavailableRow]) -> [UnavailableRow] {
        var seen: Set<String> = []
        return rows.filter { seen.insert("\($0.pmu)\u{0}\($0.what)").inserted }
    }

    /// The summary of every repetition's histogram together, and the sample count.
    static func summary(_ data: [RowData]) -> (LatencySummary?, UInt64) {
        var recorder = LatencyRecorder()
        for part in data {
            for pair in part.histogram where pair.count == 2 { recorder.record(pair[0], count: pair[1]) }
        }
        return (recorder.summary, recorder.count)
    }

    /// The repetitions' raw data in one: block medians per repetition, the histogram re-added.
    static func data(_ parts: [RowData]) -> RowData {
        var recorder = LatencyRecorder()
        for part in parts {
            for pair in part.histogram where pair.count == 2 { recorder.record(pair[0], count: pair[1]) }
        }
        return RowData(cpu: parts.first?.cpu, blockMedians: parts.flatMap(\.blockMedians),
                       histogram: recorder.recordedPairs, batch: parts.first?.batch ?? 1)
    }

    static func grouped<Row>(_ rows: [Row], key: (Row) -> String) -> [[Row]] {
        var order: [String] = []
        var groups: [String: [Row]] = [:]
        for row in rows {
            let name = key(row)
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(row)
        }
        return order.compactMap { groups[$0] }
    }
}
