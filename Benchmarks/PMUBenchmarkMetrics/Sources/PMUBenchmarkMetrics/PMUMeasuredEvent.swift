import Benchmark
import PerfEvents

/// One event the adapter counts and the package-benchmark metric it is recorded as.
public struct PMUMeasuredEvent: Hashable, Sendable {
    /// The metric's name: `PMU/event` for an event of one core PMU (`cpu_core/cycles`),
    /// else the event's label (`task-clock`, `syscalls:sys_enter_getppid`).
    public var name: String
    /// The event, with the PMU it counts on.
    public var event: Event

    public init(name: String, event: Event) {
        self.name = name
        self.event = event
    }

    /// The custom metric: a count, smaller is better, divided by the benchmark's scaling
    /// factor as package-benchmark does for its own instructions metric.
    public var metric: BenchmarkMetric {
        .custom(name, polarity: .prefersSmaller, useScalingFactor: true)
    }
}
