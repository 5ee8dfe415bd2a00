import PerfEvents
import PrometheusText

/// What `pmu stat --prometheus FILE` writes: the counts since counting began as
/// Prometheus counters, one series per event, PMU (and CPU with -A), for node_exporter's
/// textfile collector or a Pushgateway. Counters are cumulative, as Prometheus expects:
/// with -I the file holds the sum of the intervals printed so far, with -r the sum of
/// the runs.
///
/// Families (every series also carries `host` and `kernel`):
/// - `pmu_event_count_total`: the count as perf stat prints it (scaled up when
///   multiplexed, times an alias's scale; `unit` label when the event has a unit);
/// - `pmu_event_clock_seconds_total`: task-clock and cpu-clock, in seconds;
/// - `pmu_event_enabled_seconds_total`, `pmu_event_running_seconds_total`: the times;
/// - `pmu_event_status`: 1 with `status` counted, multiplexed, not-counted or not-supported;
/// - `pmu_stat_elapsed_seconds`: wall time since counting began.
enum StatPrometheus {
    typealias Label = PrometheusExposition.Label

    static func exposition(runs: [[StatResult]], elapsedSeconds: Double) -> PrometheusExposition {
        var out = PrometheusExposition(commonLabels: HostLabels.current())
        guard let first = runs.first else { return out }
        for index in first.indices {
            let results = runs.map { $0[index] }
            let event = first[index].event
            var labels = [Label("pmu", event.pmu.name ?? ""), Label("event", event.displayName)]
            if let cpu = first[index].cpu { labels.append(Label("cpu", String(cpu))) }
            let enabled = results.reduce(UInt64(0)) { $0 &+ $1.value.timeEnabled }
            let running = results.reduce(UInt64(0)) { $0 &+ $1.value.timeRunning }
            out.add("pmu_event_status", type: .gauge,
                    help: "1 for the event's counting status (first run): counted, multiplexed, not-counted or not-supported.",
                    labels: labels + [Label("status", StatReport.status(of: first[index].value))], value: .integer(1))
            out.add("pmu_event_enabled_seconds_total", type: .counter,
                    help: "Time the event was enabled (perf_event time_enabled), seconds.",
                    labels: labels, value: .real(Double(enabled) / 1e9))
            out.add("pmu_event_running_seconds_total", type: .counter,
                    help: "Time the event was counting on its PMU (perf_event time_running), seconds.",
                    labels: labels, value: .real(Double(running) / 1e9))
            let counted = results.compactMap { $0.value.scaled }
            guard !counted.isEmpty else { continue }
            let total = counted.reduce(UInt64(0)) { $0 &+ $1 }
            let scale = event.scale.flatMap(Double.init)
            if MetricRole(event).isClock {
                out.add("pmu_event_clock_seconds_total", type: .counter,
                        help: "CPU time counted by a software clock event (task-clock, cpu-clock), seconds.",
                        labels: labels, value: .real(Double(total) * (scale ?? 1) / 1e9))
            } else {
                out.add("pmu_event_count_total", type: .counter,
                        help: "Events counted, as pmu stat prints them: scaled to the enabled time when multiplexed,"
                            + " times the alias's scale (in its unit, when the event has one).",
                        labels: labels + [Label("unit", event.unit ?? "")],
                        value: scale.map { .real(Double(total) * $0) } ?? .integer(total))
            }
        }
        out.add("pmu_stat_elapsed_seconds", type: .gauge, help: "Wall-clock time since counting began, seconds.",
                value: .real(elapsedSeconds))
        return out
    }

    /// Writes the exposition over `path` in one step. A repeated series (the same event
    /// given twice) is kept once: a scraper rejects a file that repeats one; the warning
    /// says so (once, `warned` remembers).
    static func write(_ exposition: PrometheusExposition, to path: String, warned: inout Bool) throws {
        if !warned, let first = exposition.duplicates.first {
            printError("warning: --prometheus: \(first) is given more than once; the file has its first count only")
            warned = true
        }
        do {
            try AtomicTextFile.write(exposition.text, to: path)
        } catch {
            throw CLIError("--prometheus \(path): \(error.description)")
        }
    }
}
