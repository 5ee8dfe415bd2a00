/// A state of the host that makes a benchmark row impossible to measure here:
/// the only kind of `unavailable` row `pmu-bench --check` lets pass. Anything
/// else that could not be measured (a timed loop that failed, a setup error
/// of the benchmark's own) is a failure, whatever its words say.
///
/// Written to JSON as its stable raw value (`"no-core-pmu"`, …), never renamed:
/// baselines and CI logs match on it.
public enum HostCondition: String, Codable, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Discovery found no core PMU in sysfs (a VM without a vPMU): no hardware counters.
    case noCorePMU = "no-core-pmu"
    /// The counter's mmap page says `cap_user_rdpmc` is 0: the kernel does not let
    /// user space read it (every software event; hardware with rdpmc disabled).
    case capUserRdpmcZero = "cap-user-rdpmc-0"
    /// This architecture has no user-space counter instruction in the library.
    case noUserSpaceCounterInstruction = "no-user-space-counter-instruction"
    /// The kernel answered ENOENT, ENODEV, ENXIO or EOPNOTSUPP to opening the event,
    /// or sysfs does not list it: this host's PMU does not have it.
    case eventNotOnHost = "event-not-on-host"
    /// The kernel refused the event for permission (EACCES/EPERM) under this
    /// `perf_event_paranoid` level.
    case perfEventParanoid = "perf-event-paranoid"
    /// An uncore PMU: it counts per CPU (pid -1), never per thread.
    case pmuCountsPerCPUOnly = "pmu-counts-per-cpu-only"
    /// A PMU with no events in sysfs (uprobe, kprobe: it needs a probe or parameters).
    case pmuNeedsParameters = "pmu-needs-parameters"
    /// tracefs is not mounted, or has no such tracepoint (a kernel built without it).
    case tracefsMissing = "tracefs-missing"
    /// No /dev/kvm: no KVM on this machine.
    case noKVM = "no-kvm"
    /// This KVM flavour is known not to give this exit, and the probe saw the
    /// known symptom (PVM: VMCALL in a real-mode guest raises #UD or never returns).
    case kvmFlavourWithoutExit = "kvm-flavour-without-exit"
    /// A guest exit of another architecture than the host's.
    case otherArchitecture = "other-architecture"
    /// A program the row runs is not installed (perf, or pmu beside pmu-bench).
    case toolMissing = "tool-missing"

    /// What the condition means, for the table and the gate's lines.
    public var description: String {
        switch self {
        case .noCorePMU: return "the host has no core PMU"
        case .capUserRdpmcZero: return "cap_user_rdpmc is 0: the kernel does not let user space read the counter"
        case .noUserSpaceCounterInstruction: return "no user-space counter instruction on this architecture"
        case .eventNotOnHost: return "the host's PMU does not have this event"
        case .perfEventParanoid: return "perf_event_paranoid forbids the event"
        case .pmuCountsPerCPUOnly: return "the PMU counts per CPU, not per thread"
        case .pmuNeedsParameters: return "the PMU has no events without a probe or parameters"
        case .tracefsMissing: return "tracefs or the tracepoint is missing"
        case .noKVM: return "no /dev/kvm"
        case .kvmFlavourWithoutExit: return "this KVM flavour does not give this exit"
        case .otherArchitecture: return "a guest of another architecture"
        case .toolMissing: return "a program the row needs is not installed"
        }
    }
}
