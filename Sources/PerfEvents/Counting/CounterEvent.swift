/// One event to count: the caller's label for it, what resolution made of it,
/// and the PMU it belongs to when known (for the affinity check).
public struct CounterEvent: Hashable, Sendable {
    /// How the caller names the event in messages (`"task-clock"`, `"cpu_atom/cycles/"`).
    public var label: String
    /// What to count.
    public var attributes: EventAttributes
    /// The PMU the event is on; lets the open warn when a thread cannot run on a core PMU's CPUs.
    public var pmu: PMU?

    public init(label: String, attributes: EventAttributes, pmu: PMU? = nil) {
        self.label = label
        self.attributes = attributes
        self.pmu = pmu
    }
}
