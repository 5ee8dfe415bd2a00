/// Which threads the adapter's counters follow during the measured region.
public enum PMUMetricScope: Hashable, Sendable {
    /// Every thread of the process (those in `/proc/self/task` when the counters
    /// open, with `inherit`, so threads they create later count too; the kernel adds a
    /// live child's count to its parent's on every read). What an async benchmark
    /// needs: its tasks hop between the cooperative pool's threads. It also counts
    /// whatever else the process's threads do in the region (package-benchmark's
    /// own sampling thread, when a metric asks for it).
    case process
    /// The thread that calls ``PMUMetrics/measure(_:_:)`` only: exact for a
    /// synchronous benchmark; an async one that hops threads loses what runs elsewhere.
    case callingThread
}
