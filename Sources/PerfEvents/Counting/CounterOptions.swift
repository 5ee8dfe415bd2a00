/// How to open counters: the target and the `perf_event_attr` bits that are
/// not part of the event itself.
///
/// ```swift
/// var options = CounterOptions(target: .callingThread)
/// options.inherit = true                // count children created from now on
/// options.machineHasCorePMU = false     // better errors for hardware events in a VM
/// ```
public struct CounterOptions: Hashable, Sendable {
    /// Which threads and CPUs to count.
    public var target: CountingTarget
    /// Count the target's future children too (`inherit`); their counts are
    /// added when they exit.
    public var inherit: Bool
    /// Open the counter disabled (the default): nothing is counted until
    /// ``Counter/enable()``, so the open itself is not counted. When false the
    /// counter runs from the moment it is opened.
    public var startDisabled: Bool
    /// Start counting when the target next calls `exec` (`enable_on_exec`,
    /// which implies opening disabled): how `perf stat COMMAND` counts only the command.
    public var enableOnExec: Bool
    /// Ask for `PERF_FORMAT_LOST` (Linux 6.0+). Counting never loses samples,
    /// so the value is 0, but asking shows whether the kernel knows the field;
    /// on `EINVAL` the open is retried without it, and `Counter.readFormat` says what was used.
    public var requestLostCount: Bool
    /// Map the counter's metadata page for ``Counter/readInUserSpace()`` (a group:
    /// every event's, for ``CounterGroup/readInUserSpace(into:)``; only for the
    /// calling thread alone; ignored otherwise).
    public var userSpaceReads: Bool
    /// Whether the machine has a core (CPU) PMU, when the caller knows: nil
    /// unknown. `false` turns a refused hardware, cache or raw event into
    /// "no hardware PMU: this looks like a virtual machine".
    package var machineHasCorePMU: Bool?
    /// Where procfs is (`/proc`): where errors read `sys/kernel/perf_event_paranoid`.
    package var procRoot: String

    /// Options with each setting given, or its default: the calling thread, no `inherit`,
    /// opened disabled, not enabled on `exec`, the lost count asked for, no user-space reads,
    /// whether the machine has a core PMU unknown, and procfs at `/proc`.
    public init(
        target: CountingTarget = .callingThread,
        inherit: Bool = false,
        startDisabled: Bool = true,
        enableOnExec: Bool = false,
        requestLostCount: Bool = true,
        userSpaceReads: Bool = false,
        machineHasCorePMU: Bool? = nil,
        procRoot: String = "/proc"
    ) {
        self.target = target
        self.inherit = inherit
        self.startDisabled = startDisabled
        self.enableOnExec = enableOnExec
        self.requestLostCount = requestLostCount
        self.userSpaceReads = userSpaceReads
        self.machineHasCorePMU = machineHasCorePMU
        self.procRoot = procRoot
    }

    /// The flag bits of `event` opened with these options: its own filter and
    /// scheduling bits, `inherit`, and for a group leader (or an event alone)
    /// `disabled` and `enable_on_exec` (members follow their leader).
    func flags(for event: Event, isLeader: Bool) -> AttributeFlags {
        var flags = AttributeFlags(event.attributes)
        if inherit { flags.insert(.inherit) }
        guard isLeader else { return flags }
        if startDisabled || enableOnExec { flags.insert(.disabled) }
        if enableOnExec { flags.insert(.enableOnExec) }
        return flags
    }

    /// The read format a leader asks for (``requestLostCount`` adds `lost`; a group, `group`).
    func readFormat(group: Bool) -> ReadFormat {
        var format = group ? ReadFormat.counting.union(.group) : ReadFormat.counting
        if requestLostCount { format.insert(.lost) }
        return format
    }
}
