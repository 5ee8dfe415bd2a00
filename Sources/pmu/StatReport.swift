import Glibc
import PerfEvents

/// One counted event of one `pmu stat` run (on one CPU with -A).
struct StatResult {
    var event: Event
    var value: CounterValue
    /// The CPU of a per-CPU (-A) count; nil for a total.
    var cpu: Int?
}

/// One line of the report: an event (on one CPU with -A), its value averaged over
/// the runs, each run's count, and the metric perf prints beside it.
struct StatRow {
    var event: Event
    var cpu: Int?
    /// The value (raw count and times averaged over the runs; the status of the first run).
    var value: CounterValue
    /// The count to show (mean of the runs' scaled counts, times the alias's `.scale`); nil when none.
    var count: Double?
    /// Each run's count (nil where that run did not count).
    var perRun: [Double?]
    var metric: DerivedMetric?

    var role: MetricRole { MetricRole(event) }

    /// Rows from the runs of one plan (same events in the same order each run), with
    /// their metrics over `elapsedNanoseconds` (the mean run, or one interval).
    static func rows(runs: [[StatResult]], elapsedNanoseconds: Double) -> [StatRow] {
        guard let first = runs.first else { return [] }
        var rows: [StatRow] = first.indices.map { index in
            let values = runs.map { $0[index].value }
            let result = first[index]
            let scale = result.event.scale.flatMap(Double.init) ?? 1
            let perRun: [Double?] = values.map { $0.scaled.map { Double($0) * scale } }
            var value = values[0]
            var count: Double? = nil
            if value.scaled != nil {
                // perf keeps the mean of integer counts an integer (u64 division); an alias's scale applies after.
                let counted = values.compactMap { $0.scaled }
                count = Double(counted.reduce(UInt64(0)) { $0 &+ $1 } / UInt64(counted.count)) * scale
                let n = UInt64(values.count)
                value = CounterValue(raw: values.reduce(UInt64(0)) { $0 &+ $1.raw } / n,
                                     timeEnabled: values.reduce(UInt64(0)) { $0 &+ $1.timeEnabled } / n,
                                     timeRunning: values.reduce(UInt64(0)) { $0 &+ $1.timeRunning } / n)
                if value.scaled == nil { count = nil }
            }
            return StatRow(event: result.event, cpu: result.cpu, value: value, count: count, perRun: perRun, metric: nil)
        }
        let inputs = rows.map { DerivedMetrics.Input(role: $0.role, pmu: $0.event.pmu.name, cpu: $0.cpu, count: $0.count) }
        let metrics = DerivedMetrics.compute(inputs, elapsedNanoseconds: elapsedNanoseconds)
        for index in rows.indices { rows[index].metric = metrics[index] }
        return rows
    }

    /// The relative standard deviation of the mean over the runs, in percent (perf's `+-`).
    var noisePercent: Double {
        let values = perRun.compactMap { $0 }
        return relativeSpread(values)
    }
}

/// perf's `rel_stddev_stats`: the standard deviation of the mean over the mean, in percent (0 for one value or a 0 mean).
func relativeSpread(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    guard mean != 0 else { return 0 }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (variance / Double(values.count)).squareRoot() / mean * 100
}

/// The output of `pmu stat`: perf's text, perf's CSV (-x) and JSON lines (-j), or our JSON (--json).
struct StatReport {
    /// What perf names after "Performance counter stats for": `'cmd args'`, `'system wide'`, …
    var title: String
    /// The command line, a pid or the CPUs, for --json.
    var command: String
    var exitStatus: Int32?
    var runs: Int
    /// Each run's wall time, seconds.
    var elapsed: [Double]
    /// The child's user and system CPU time (one run of a command, not CPU-wide), seconds.
    var userSeconds: Double?
    var systemSeconds: Double?
    var rows: [StatRow]
    /// Why counting stopped early (a signal), for the notes.
    var interruptedBy: Int32?

    var meanElapsed: Double { elapsed.isEmpty ? 0 : elapsed.reduce(0, +) / Double(elapsed.count) }

    // MARK: our JSON

    struct JSONMetric: Encodable {
        var value: Double
        var unit: String
    }

    struct JSONEvent: Encodable {
        var event: String
        var pmu: String?
        var type: UInt32
        var config: String
        var cpu: Int?
        @ExplicitNull var count: Double?
        var unit: String?
        var time_enabled_ns: UInt64
        var time_running_ns: UInt64
        var status: String
        var reason: String?
        @ExplicitNull var metric: JSONMetric?
        /// With -r N: each run's count (null where it did not count).
        var counts_per_run: [Double?]?
    }

    struct JSONReport: Encodable {
        var command: String
        var exit_status: Int32?
        var runs: Int
        var elapsed_seconds: Double
        var user_seconds: Double?
        var sys_seconds: Double?
        var interrupted_by_signal: Int32?
        var events: [JSONEvent]
    }

    /// One interval of `-I` with --json: a JSON line.
    struct JSONInterval: Encodable {
        var interval_seconds: Double
        var events: [JSONEvent]
    }

    static func jsonEvents(_ rows: [StatRow], runs: Int) -> [JSONEvent] {
        rows.map { row in
            JSONEvent(
                event: row.event.label, pmu: row.event.pmu.name, type: row.event.attributes.type,
                config: hex(row.event.attributes.config), cpu: row.cpu, count: row.count,
                unit: row.event.unit, time_enabled_ns: row.value.timeEnabled,
                time_running_ns: row.value.timeRunning, status: status(of: row.value),
                reason: reason(of: row), metric: row.metric.map { JSONMetric(value: $0.value, unit: $0.unit) },
                counts_per_run: runs > 1 ? row.perRun : nil)
        }
    }

    var json: JSONReport {
        JSONReport(command: command, exit_status: exitStatus, runs: runs, elapsed_seconds: meanElapsed,
                   user_seconds: userSeconds, sys_seconds: systemSeconds, interrupted_by_signal: interruptedBy,
                   events: Self.jsonEvents(rows, runs: runs))
    }

    static func status(of value: CounterValue) -> String {
        switch value.status {
        case .counted: return "counted"
        case .multiplexed: return "multiplexed"
        case .notCounted: return "not-counted"
        case .notSupported: return "not-supported"
        }
    }

    static func reason(of row: StatRow) -> String? {
        switch row.value.status {
        case .notSupported(let reason): return reason.description
        case .notCounted: return "the event never ran (time running is 0): it was enabled but never scheduled on a PMU"
        case .multiplexed: return "multiplexed: counted \(row.value.runningPercent)% of the time, scaled up"
        case .counted: return row.event.note
        }
    }

    // MARK: perf's formats

    /// perf stat's text report (what it prints on standard error).
    func text(format: PerfStatFormat, showUserSystem: Bool) -> String {
        var lines = ["", " Performance counter stats for \(title)\(runs > 1 ? " (\(runs) runs)" : ""):", ""]
        lines += rows.map { format.textLine($0) }
        lines += Self.notes(rows).map { $0.isEmpty ? $0 : "  " + $0 }
        lines.append("")
        if runs > 1 {
            let deviation = standardDeviationOfMean(elapsed)
            // perf: two digits more than the deviation's first significant one.
            let digits = deviation > 1 ? 2 : deviation <= 0 ? 9 : min(9, Int((-log10(deviation)).rounded(.up)) + 2)
            var line = " " + pad(fixed(meanElapsed, digits: digits), 17) + " +- " + fixed(deviation, digits: digits)
                + " seconds time elapsed"
            let noise = relativeSpread(elapsed)
            if noise != 0 { line += "  ( +-" + pad(fixed(noise, digits: 2), 6) + "% )" }
            lines.append(line)
        } else {
            lines.append(" " + pad(fixed(meanElapsed, digits: 9), 17) + " seconds time elapsed")
            if showUserSystem, let userSeconds, let systemSeconds {
                lines.append("")
                lines.append(" " + pad(fixed(userSeconds, digits: 9), 17) + " seconds user")
                lines.append(" " + pad(fixed(systemSeconds, digits: 9), 17) + " seconds sys")
                lines.append("")
            }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// Why events have no count (once per reason), and resolution's notes on counted
    /// ones: perf prints `<not supported>` alone; we say why under the table.
    static func notes(_ rows: [StatRow]) -> [String] {
        var order: [String] = []
        var events: [String: [String]] = [:]
        for row in rows {
            let text: String
            switch row.value.status {
            case .notSupported(let reason): text = "not supported: " + reason.description
            case .counted, .multiplexed:
                guard let note = row.event.note else { continue }
                text = note
            case .notCounted: continue
            }
            if events[text] == nil { order.append(text) }
            let name = row.event.label
            if events[text]?.contains(name) != true { events[text, default: []].append(name) }
        }
        guard !order.isEmpty else { return [] }
        return [""] + order.map { (events[$0] ?? []).joined(separator: ", ") + ": " + $0 }
    }
}

/// How a report's lines look: perf 6.1's layout for text, `-x SEP` and `-j`.
struct PerfStatFormat {
    var runs: Int = 1
    /// The locale's thousands separator (perf groups digits only where the locale says so; "" in C).
    var thousands: String = ""
    /// Seconds since counting began, for `-I` lines.
    var interval: Double?

    /// perf's `%'18.0f`/`%18.2f` count, `<not counted>` or `<not supported>`.
    func countText(_ row: StatRow) -> String {
        switch row.value.status {
        case .notSupported: return "<not supported>"
        case .notCounted: return "<not counted>"
        case .counted, .multiplexed:
            let value = displayed(row)
            return value.rounded(.down) == value ? group(fixed(value, digits: 0)) : group(fixed(value, digits: 2))
        }
    }

    /// The count in the unit perf prints: clocks in msec, aliases times their scale.
    func displayed(_ row: StatRow) -> Double {
        let count = row.count ?? 0
        return row.role.isClock ? count / 1e6 : count
    }

    func unit(_ row: StatRow) -> String {
        row.role.isClock ? "msec" : (row.event.unit ?? "")
    }

    private func group(_ number: String) -> String {
        guard !thousands.isEmpty else { return number }
        let parts = number.split(separator: ".", maxSplits: 1)
        let digits = Array(parts[0])
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += thousands }
            out.append(digit)
        }
        return parts.count > 1 ? out + "." + parts[1] : out
    }

    /// The metric value as perf's format prints it (`%8.3f`, `%7.2f `, `%7.2f%%`).
    private func metricText(_ metric: DerivedMetric) -> String {
        switch metric.kind {
        case .instructionsPerCycle: return pad(fixed(metric.value, digits: 2), 7) + " "
        case .branchMissPercent: return pad(fixed(metric.value, digits: 2), 7) + "%"
        case .cpusUtilized, .gigahertz, .rate: return pad(fixed(metric.value, digits: 3), 8)
        }
    }

    private func metricDigits(_ metric: DerivedMetric) -> Int {
        switch metric.kind {
        case .instructionsPerCycle, .branchMissPercent: return 2
        case .cpusUtilized, .gigahertz, .rate: return 3
        }
    }

    private var intervalPrefix: String? {
        interval.map { seconds in
            let whole = Int(seconds)
            var nanos = String(Int(((seconds - Double(whole)) * 1e9).rounded(.down)))
            while nanos.count < 9 { nanos = "0" + nanos }
            return pad(String(whole), 6) + "." + nanos
        }
    }

    /// One text line, as perf: `[time ][CPUn ]count unit event  # metric unit  ( +- n% )  (n%)`.
    func textLine(_ row: StatRow) -> String {
        var line = ""
        if let prefix = intervalPrefix { line += prefix + " " }
        if let cpu = row.cpu { line += "CPU" + String(cpu).padding(7) + " " }
        line += pad(countText(row), 18) + " " + unit(row).padding(4) + " " + row.event.label.padding(32)
        switch row.value.status {
        case .notSupported, .notCounted:
            return line + String(repeating: " ", count: 28)
        case .counted, .multiplexed:
            if let metric = row.metric {
                let head = " # " + metricText(metric)
                line += head + " " + metric.unit.padding(35 - head.count - 1)
            } else {
                line += String(repeating: " ", count: 35)
            }
        }
        if runs > 1 {
            let noise = row.noisePercent
            if noise != 0 { line += "  ( +-" + pad(fixed(noise, digits: 2), 6) + "% )" }
        }
        if case .multiplexed = row.value.status, row.value.timeEnabled > 0 {
            line += "  (" + fixed(Double(row.value.timeRunning) * 100 / Double(row.value.timeEnabled), digits: 2) + "%)"
        }
        return line
    }

    private func percentRunning(_ row: StatRow) -> String {
        let value = row.value
        guard value.timeEnabled > 0, value.timeRunning > 0, value.timeRunning != value.timeEnabled else { return "100.00" }
        return fixed(Double(value.timeRunning) * 100 / Double(value.timeEnabled), digits: 2)
    }

    /// perf's `-x SEP` line: `[time,][CPUn,]value,unit,event,[noise%,]run time,pct running,metric value,metric unit`.
    func csvLine(_ row: StatRow, separator: String) -> String {
        var fields: [String] = []
        if let prefix = intervalPrefix { fields.append(prefix) }
        if let cpu = row.cpu { fields.append("CPU\(cpu)") }
        var plain = self
        plain.thousands = ""  // perf's CSV never groups digits
        fields += [plain.countText(row), unit(row), row.event.label]
        if runs > 1 { fields.append(fixed(row.noisePercent, digits: 2) + "%") }
        fields += [String(row.value.timeRunning), percentRunning(row)]
        if row.value.scaled != nil, let metric = row.metric {
            fields += [fixed(metric.value, digits: metricDigits(metric)), metric.unit]
        } else {
            fields += ["", ""]
        }
        return fields.joined(separator: separator)
    }

    /// perf's `-j` line, keys in perf's order.
    func jsonLine(_ row: StatRow) -> String {
        var pairs: [String] = []
        if let interval { pairs.append("\"interval\" : " + fixed(interval, digits: 9)) }
        if let cpu = row.cpu { pairs.append("\"cpu\" : \"\(cpu)\"") }
        let counter = row.value.scaled == nil ? countText(row) : fixed(displayed(row), digits: 6)
        pairs.append("\"counter-value\" : \"\(counter)\"")
        pairs.append("\"unit\" : \(jsonString(unit(row)))")
        pairs.append("\"event\" : \(jsonString(row.event.label))")
        if runs > 1 { pairs.append("\"variance\" : " + fixed(row.noisePercent, digits: 2)) }
        pairs.append("\"event-runtime\" : \(row.value.timeRunning)")
        pairs.append("\"pcnt-running\" : " + percentRunning(row))
        let metric = row.value.scaled == nil ? nil : row.metric
        pairs.append("\"metric-value\" : " + fixed(metric?.value ?? 0, digits: 6))
        pairs.append("\"metric-unit\" : \(jsonString(metric?.unit ?? ""))")
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    /// perf's interval header (text, every 25 intervals).
    static func intervalHeader(perCPU: Bool) -> String {
        perCPU ? "#           time CPU                    counts unit events" : "#           time             counts unit events"
    }
}

/// A JSON string literal (the one escaping of the CLI: ``JSONLineBuilder/appendQuoted(_:to:)``).
func jsonString(_ text: String) -> String {
    var out = ""
    JSONLineBuilder.appendQuoted(text, to: &out)
    return out
}

/// The standard deviation of the mean (perf's `stddev_stats`), 0 for fewer than two values.
func standardDeviationOfMean(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (variance / Double(values.count)).squareRoot()
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

extension String {
    /// Left-aligned in `width` columns (perf's `%-*s`).
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

}
