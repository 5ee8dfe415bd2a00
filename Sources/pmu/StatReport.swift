import FoundationEssentials
import PerfEvents

/// The output of `pmu stat`: perf-like text, perf-style CSV, or JSON.
struct StatReport {
    var command: String
    var exitStatus: Int32?
    var runs: Int
    var elapsed: Double
    var results: [StatResult]

    struct JSONEvent: Encodable {
        var event: String
        var pmu: String?
        var type: UInt32
        var config: String
        var count: Double?
        var unit: String?
        var time_enabled_ns: UInt64
        var time_running_ns: UInt64
        var status: String
        var reason: String?
        /// With -r N: each run's scaled count (null where it did not count).
        var counts_per_run: [UInt64?]?
    }

    struct JSONReport: Encodable {
        var command: String
        var exit_status: Int32?
        var runs: Int
        var elapsed_seconds: Double
        var events: [JSONEvent]
    }

    var json: JSONReport {
        JSONReport(command: command, exit_status: exitStatus, runs: runs, elapsed_seconds: elapsed,
                   events: results.map { result in
            JSONEvent(
                event: result.event.displayName, pmu: result.event.pmu.name, type: result.event.attributes.type,
                config: hex(result.event.attributes.config), count: count(of: result),
                unit: result.event.unit, time_enabled_ns: result.value.timeEnabled,
                time_running_ns: result.value.timeRunning, status: status(of: result.value),
                reason: reason(of: result), counts_per_run: runs > 1 ? result.perRun : nil)
        })
    }

    /// The count to show: the scaled count, times the alias's `.scale` when it has one; nil when none.
    func count(of result: StatResult) -> Double? {
        guard let scaled = result.value.scaled else { return nil }
        guard let scale = result.event.scale.flatMap(Double.init) else { return Double(scaled) }
        return Double(scaled) * scale
    }

    func status(of value: CounterValue) -> String {
        switch value.status {
        case .counted: return "counted"
        case .multiplexed: return "multiplexed"
        case .notCounted: return "not-counted"
        case .notSupported: return "not-supported"
        }
    }

    func reason(of result: StatResult) -> String? {
        switch result.value.status {
        case .notSupported(let reason): return reason.description
        case .notCounted: return "the event never ran (time running is 0): it was enabled but never scheduled on a PMU"
        case .multiplexed: return "multiplexed: counted \(result.value.runningPercent)% of the time, scaled up"
        case .counted: return result.event.note
        }
    }

    private func pmuLabel(_ result: StatResult) -> String {
        "\(result.event.pmu.name ?? "legacy") (type \(result.event.attributes.type))"
    }

    /// perf stat's layout: the count right-aligned, the event, then the PMU and notes.
    var text: String {
        var lines = ["", " Performance counter stats for '\(command)'\(runs > 1 ? " (\(runs) runs)" : ""):", ""]
        let width = results.map { $0.event.displayName.count }.max() ?? 0
        for result in results {
            let name = result.event.displayName + String(repeating: " ", count: width - result.event.displayName.count)
            let isClock = result.event.attributes.type == LegacyType.software
                && (result.event.attributes.config == 0 || result.event.attributes.config == 1)
            switch result.value.status {
            case .notSupported(let reason):
                lines.append(pad("<not supported>", 18) + "      \(name)    \(pmuLabel(result)): \(reason)")
            case .notCounted:
                lines.append(pad("<not counted>", 18) + "      \(name)    \(pmuLabel(result)): \(reason(of: result) ?? "")")
            case .counted, .multiplexed:
                let value = count(of: result) ?? 0
                var line: String
                if isClock {
                    line = pad(fixed(value / 1e6, digits: 2), 18) + " msec \(name)"
                } else if result.event.scale != nil {
                    line = pad(fixed(value, digits: 2), 18) + " \(result.event.unit ?? "") \(name)"
                } else {
                    line = pad(grouped(UInt64(value)), 18) + "      \(name)"
                }
                line += "    \(pmuLabel(result))"
                if runs > 1, let relative = spread(result.perRun) {
                    line += "  ( +- " + fixed(relative, digits: 2) + "% )"
                }
                if case .multiplexed = result.value.status { line += "  (\(result.value.runningPercent)%)" }
                // Resolution's notes (e.g. a ':u' tracepoint that cannot count): a 0 must not stand alone.
                if case .counted = result.value.status, let note = result.event.note { line += ": \(note)" }
                lines.append(line)
            }
        }
        lines.append("")
        lines.append(pad(fixed(elapsed / Double(runs), digits: 9), 18) + " seconds time elapsed")
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// perf's -x layout: count, unit, event, run time, percent running, then PMU and type.
    func csv(separator: String) -> [String] {
        results.map { result in
            let countField: String
            switch result.value.status {
            case .notSupported: countField = "<not supported>"
            case .notCounted: countField = "<not counted>"
            case .counted, .multiplexed:
                let value = count(of: result) ?? 0
                countField = result.event.scale != nil ? fixed(value, digits: 2) : String(UInt64(value))
            }
            let percent = result.value.timeEnabled == 0 ? "0.00"
                : fixed(Double(result.value.timeRunning) * 100 / Double(result.value.timeEnabled), digits: 2)
            return [countField, result.event.unit ?? "", result.event.displayName, String(result.value.timeRunning),
                    percent, result.event.pmu.name ?? "", String(result.event.attributes.type)]
                .joined(separator: separator)
        }
    }

    /// The relative standard deviation of the runs' counts, in percent.
    private func spread(_ counts: [UInt64?]) -> Double? {
        let values: [Double] = counts.compactMap { $0.map { Double($0) } }
        guard values.count > 1 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        guard mean > 0 else { return nil }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (variance.squareRoot() / Double(values.count).squareRoot()) / mean * 100
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// 1234567 → "1,234,567", as perf prints counts.
private func grouped(_ value: UInt64) -> String {
    let digits = Array(String(value))
    var out: [Character] = []
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return String(out)
}
