/// The PMU a resolved event counts on: the discovered PMU itself (its type,
/// kind and CPUs travel with the event to the counter, the CLI and KVM), or the
/// one case with no PMU to name.
public enum EventPMU: Hashable, Sendable {
    /// The PMU from discovery (`cpu_atom`, `msr`, `software`, `tracepoint`, …).
    case pmu(PMU)
    /// A generic hardware or cache event, or `rNNNN`, on a machine without any core
    /// PMU: resolved to its legacy type, which the kernel then refuses (not supported).
    case noCorePMU

    /// The PMU, nil for ``noCorePMU``.
    public var value: PMU? {
        if case .pmu(let pmu) = self { return pmu }
        return nil
    }

    /// The PMU's name, nil for ``noCorePMU``.
    public var name: String? { value?.name }
}
