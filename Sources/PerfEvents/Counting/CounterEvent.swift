/// One event to count: the caller's label for it, what resolution made of it,
/// and the PMU it belongs to when known (for the affinity check).
public struct CounterEvent: Hashable, Sendable {
    /// How the caller names the event in messages (`"task-clock"`, `"cpu_atom/cycles/"`).
    public var label: String
    /// What to count.
    public var attributes: EventAttributes
    /// The PMU the event is on; lets the open warn when a thread cannot run on a core PMU's CPUs.
    public var pmu: PMU?
    /// What to open instead when the kernel refuses an extended-type generic
    /// event (`ENOENT`, `EINVAL`, `EOPNOTSUPP`): the same event on the same PMU
    /// with the PMU's own type (``ResolvedEvent/fallbackAttributes``).
    public var fallback: EventAttributes?

    public init(label: String, attributes: EventAttributes, pmu: PMU? = nil, fallback: EventAttributes? = nil) {
        self.label = label
        self.attributes = attributes
        self.pmu = pmu
        self.fallback = fallback
    }

    /// The event `resolved` names, on the PMU resolution chose, with its own-type fallback.
    public init(_ resolved: ResolvedEvent) {
        self.init(label: resolved.displayName, attributes: resolved.attributes, pmu: resolved.pmu.value,
                  fallback: resolved.fallbackAttributes)
    }

    /// Whether `attributes` is a generic hardware or cache event with an
    /// extended type (a PMU type in the upper 32 bits of config).
    var usesExtendedType: Bool {
        (attributes.type == LegacyType.hardware || attributes.type == LegacyType.hardwareCache)
            && attributes.config >> 32 != 0
    }
}
