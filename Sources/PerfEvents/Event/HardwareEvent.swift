/// The kernel's generic hardware events (`PERF_COUNT_HW_*`, `enum perf_hw_id`):
/// the one table from which perf's names and aliases (`GenericEvent`), a core
/// PMU's own sysfs alias for each (`nativeAliases`), `perf stat`'s metric roles
/// (`MetricRole`) and the typed requests (`Resolver/event(_:on:modifiers:)`) derive.
public enum HardwareEvent: UInt64, Hashable, Sendable, CaseIterable {
    case cycles = 0
    case instructions = 1
    case cacheReferences = 2
    case cacheMisses = 3
    case branchInstructions = 4
    case branchMisses = 5
    case busCycles = 6
    case stalledCyclesFrontend = 7
    case stalledCyclesBackend = 8
    case refCycles = 9

    /// perf's spellings, the canonical one first (`cpu-cycles`, then `cycles`).
    package var names: [String] {
        switch self {
        case .cycles: return ["cpu-cycles", "cycles"]
        case .instructions: return ["instructions"]
        case .cacheReferences: return ["cache-references"]
        case .cacheMisses: return ["cache-misses"]
        case .branchInstructions: return ["branch-instructions", "branches"]
        case .branchMisses: return ["branch-misses"]
        case .busCycles: return ["bus-cycles"]
        case .stalledCyclesFrontend: return ["stalled-cycles-frontend", "idle-cycles-frontend"]
        case .stalledCyclesBackend: return ["stalled-cycles-backend", "idle-cycles-backend"]
        case .refCycles: return ["ref-cycles"]
        }
    }

    /// The short name tools print: `cycles`, `instructions`, `branches`, …
    public var name: String {
        switch self {
        case .cycles: return "cycles"
        case .branchInstructions: return "branches"
        default: return names[0]
        }
    }

    /// The sysfs aliases core PMUs publish for this event, in the order to try:
    /// arm's PMUv3 names (the events the kernel's armv8 map uses), then Intel's.
    package var nativeAliases: [String] {
        switch self {
        case .cycles: return ["cpu_cycles", "cpu-cycles", "cycles"]
        case .instructions: return ["inst_retired", "instructions"]
        case .cacheReferences: return ["l1d_cache", "cache-references"]
        case .cacheMisses: return ["l1d_cache_refill", "cache-misses"]
        case .branchInstructions: return ["br_retired", "branch-instructions"]
        case .branchMisses: return ["br_mis_pred_retired", "br_mis_pred", "branch-misses"]
        case .busCycles: return ["bus_cycles", "bus-cycles"]
        case .stalledCyclesFrontend: return ["stall_frontend", "stalled-cycles-frontend"]
        case .stalledCyclesBackend: return ["stall_backend", "stalled-cycles-backend"]
        case .refCycles: return ["ref-cycles"]
        }
    }

    /// The alias `pmu` publishes for this event, if any (the first of ``nativeAliases`` it has).
    package func nativeAlias(on pmu: PMU) -> EventAlias? {
        for name in nativeAliases {
            if let alias = pmu.alias(named: name) { return alias }
        }
        return nil
    }

    /// The event a core PMU's sysfs alias stands for, if it is one of ``nativeAliases``.
    package init?(nativeAlias name: String) {
        guard let event = Self.allCases.first(where: { $0.nativeAliases.contains(name) }) else { return nil }
        self = event
    }
}

/// The kernel's software events (`PERF_COUNT_SW_*`, `enum perf_sw_ids`), with perf's names.
public enum SoftwareEvent: UInt64, Hashable, Sendable, CaseIterable {
    case cpuClock = 0
    case taskClock = 1
    case pageFaults = 2
    case contextSwitches = 3
    case cpuMigrations = 4
    case minorFaults = 5
    case majorFaults = 6
    case alignmentFaults = 7
    case emulationFaults = 8
    case dummy = 9
    case bpfOutput = 10
    case cgroupSwitches = 11

    /// perf's spellings, the canonical one first.
    package var names: [String] {
        switch self {
        case .cpuClock: return ["cpu-clock"]
        case .taskClock: return ["task-clock"]
        case .pageFaults: return ["page-faults", "faults"]
        case .contextSwitches: return ["context-switches", "cs"]
        case .cpuMigrations: return ["cpu-migrations", "migrations"]
        case .minorFaults: return ["minor-faults"]
        case .majorFaults: return ["major-faults"]
        case .alignmentFaults: return ["alignment-faults"]
        case .emulationFaults: return ["emulation-faults"]
        case .dummy: return ["dummy"]
        case .bpfOutput: return ["bpf-output"]
        case .cgroupSwitches: return ["cgroup-switches"]
        }
    }

    /// The canonical name (`task-clock`).
    public var name: String { names[0] }
}
