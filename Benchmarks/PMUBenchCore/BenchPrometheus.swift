import PrometheusText

/// What `pmu-bench --prometheus FILE` writes: one run's rows in Prometheus' text
/// format, to push to a Pushgateway (or leave for node_exporter's textfile collector)
/// so that many hosts' runs sit in one Prometheus. Latencies are summaries in seconds
/// (quantiles 0.5 to 0.999, `_sum` and `_count` of the samples); the Swift/C and
/// Swift/floor ratios are gauges, each with the low and high ends of its 95 % interval;
/// guest exits are counters. Every series carries `host`, `kernel` and `commit`; rows
/// add `pmu`, `event` (read) or `cpus` (exit), `method`, `implementation` and the pinned `cpu`.
extension BenchReport {
    typealias Label = PrometheusExposition.Label

    public func prometheus(hostLabels: [PrometheusExposition.Label]) -> PrometheusExposition {
        var out = PrometheusExposition(
            commonLabels: hostLabels.filter { $0.name != "kernel" } + [
                Label("kernel", environment.kernel), Label("commit", environment.context?.commit ?? ""),
            ])
        func summary(_ name: String, _ help: String, _ labels: [Label], _ ns: LatencySummary, _ samples: UInt64) {
            out.addSummary(name, help: help, labels: labels,
                           quantiles: [(0.5, Double(ns.p50) / 1e9), (0.9, Double(ns.p90) / 1e9),
                                       (0.99, Double(ns.p99) / 1e9), (0.999, Double(ns.p999) / 1e9)],
                           sum: ns.mean * Double(samples) / 1e9, count: samples)
        }
        for row in timer {
            summary("pmu_bench_timer_latency_seconds", "Two back-to-back CLOCK_MONOTONIC_RAW reads, seconds.",
                    [Label("implementation", row.implementation.rawValue)], row.ns, row.samples)
        }
        for row in readLatency {
            summary("pmu_bench_read_latency_seconds", "One counter read (or group read, or enable and disable), seconds.",
                    [Label("pmu", row.pmu), Label("event", row.event), Label("method", row.method),
                     Label("implementation", row.implementation.rawValue), Label("cpu", row.data.cpu.map(String.init) ?? "")],
                    row.ns, row.samples)
        }
        for row in exitLatency {
            let labels = [Label("pmu", row.pmu), Label("cpus", row.cpus), Label("method", row.kind),
                          Label("implementation", row.implementation.rawValue)]
            summary("pmu_bench_exit_latency_seconds", "One guest exit, round trip through KVM_RUN, seconds.",
                    labels, row.ns, row.samples)
            out.add("pmu_bench_guest_exits_total", type: .counter, help: "Guest exits the measured samples made, by the benchmark's count.",
                    labels: labels, value: .integer(row.exits))
            if let counted = row.exitsByTracepoint {
                out.add("pmu_bench_guest_exits_tracepoint_total", type: .counter,
                        help: "The same guest exits counted by the kernel's kvm tracepoint.",
                        labels: labels + [Label("tracepoint", row.tracepoint ?? "")], value: .integer(counted))
            }
        }
        for row in ratios {
            var labels = [Label("table", row.table), Label("pmu", row.pmu), Label("method", row.method)]
            labels.append(Label(row.table == "exit" ? "cpus" : "event", row.subject))
            ratio(&out, "pmu_bench_swift_over_c", "Swift/C latency", labels, row.swiftOverCPaired, row.swiftOverCP50)
            ratio(&out, "pmu_bench_swift_over_floor", "Swift/syscall-floor latency", labels,
                  row.swiftOverFloorPaired, row.swiftOverFloor)
        }
        for row in unavailable {
            out.add("pmu_bench_unavailable", type: .gauge, help: "1 for what could not be measured, with why.",
                    labels: [Label("pmu", row.pmu), Label("what", row.what), Label("reason", row.reason),
                             Label("condition", row.condition?.rawValue ?? "")],
                    value: .integer(1))
        }
        return out
    }

    /// `NAME_ratio` (the paired median, else the p50 ratio) and, with block data, its
    /// interval as `NAME_low_ratio` and `NAME_high_ratio`.
    private func ratio(_ out: inout PrometheusExposition, _ name: String, _ what: String, _ labels: [Label],
                       _ paired: RatioEstimate?, _ p50: Double?) {
        guard let value = paired?.value ?? p50 else { return }
        out.add(name + "_ratio", type: .gauge,
                help: what + ": the median of the paired per-block ratios (the p50 ratio without blocks).",
                labels: labels, value: .real(value))
        guard let paired else { return }
        out.add(name + "_low_ratio", type: .gauge, help: what + ": low end of the bootstrap 95% interval.",
                labels: labels, value: .real(paired.low))
        out.add(name + "_high_ratio", type: .gauge, help: what + ": high end of the bootstrap 95% interval.",
                labels: labels, value: .real(paired.high))
    }
}
