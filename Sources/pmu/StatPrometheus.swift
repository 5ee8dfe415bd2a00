import PerfEvents
import PrometheusText

/// What `pmu stat --prometheus FILE` writes: the counts since counting began as
/// Prometheus counters, one series per event, PMU (and CPU with -A), for node_exporter's
/// textfile collector or a Pushgateway. Counters are cumulative, as Prometheus expects:
/// with -I the file holds the sum of the interval counts printed so far, with -r the sum
/// of the runs.
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

    /// One series' worth: an event (on one CPU with -A) and its sums.
    struct Total {
        var event: Event
        var cpu: Int?
        /// The sum of the counts printed (scaled when multiplexed); nil while none was counted.
        var count: UInt64?
        var enabled: UInt64
        var running: UInt64
        /// The first run's status (or the first interval's).
        var status: String

        init(_ result: StatResult) {
            event = result.event
            cpu = result.cpu
            count = nil
            enabled = 0
            running = 0
            status = StatReport.status(of: result.value)
        }

        /// Adds a run, or an interval's delta: the count as printed, so that the file's
        /// counter is the sum of the counts pmu stat printed (summing scaled intervals
        /// is not the same as scaling the cumulative count once, when multiplexed).
        mutating func add(_ result: StatResult) {
            if let scaled = result.value.scaled { count = (count ?? 0) &+ scaled }
            enabled &+= result.value.timeEnabled
            running &+= result.value.timeRunning
        }
    }

    /// The totals of whole runs (one, or the -r repetitions summed).
    static func totals(runs: [[StatResult]]) -> [Total] {
        guard let first = runs.first else { return [] }
        return first.indices.map { index in
            var total = Total(first[index])
            for run in runs { total.add(run[index]) }
            return total
        }
    }

    static func exposition(_ totals: [Total], elapsedSeconds: Double) -> PrometheusExposition {
        var out = PrometheusExposition(commonLabels: HostLabels.current())
        for total in totals {
            let event = total.event
            var labels = [Label("pmu", event.pmu.name ?? ""), Label("event", event.label)]
            if let cpu = total.cpu { labels.append(Label("cpu", String(cpu))) }
            out.add("pmu_event_status", type: .gauge,
                    help: "1 for the event's counting status (first run): counted, multiplexed, not-counted or not-supported.",
                    labels: labels + [Label("status", total.status)], value: .integer(1))
            out.add("pmu_event_enabled_seconds_total", type: .counter,
                    help: "Time the event was enabled (perf_event time_enabled), seconds.",
                    labels: labels, value: .real(Double(total.enabled) / 1e9))
            out.add("pmu_event_running_seconds_total", type: .counter,
                    help: "Time the event was counting on its PMU (perf_event time_running), seconds.",
                    labels: labels, value: .real(Double(total.running) / 1e9))
            guard let count = total.count else { continue }
            let scale = event.scale.flatMap(Double.init)
            if MetricRole(event).isClock {
                out.add("pmu_event_clock_seconds_total", type: .counter,
                        help: "CPU time counted by a software clock event (task-clock, cpu-clock), seconds.",
                        labels: labels, value: .real(Double(count) * (scale ?? 1) / 1e9))
            } else {
                out.add("pmu_event_count_total", type: .counter,
                        help: "Events counted, as pmu stat prints them: scaled to the enabled time when multiplexed,"
                            + " times the alias's scale (in its unit, when the event has one).",
                        labels: labels + [Label("unit", event.unit ?? "")],
                        value: scale.map { .real(Double(count) * $0) } ?? .integer(count))
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
