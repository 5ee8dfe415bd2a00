/// The kernel's generic hardware events (`PERF_COUNT_HW_*`, `enum perf_hw_id`):
/// the one table from which perf's names and aliases (`GenericEvent`), a core
/// PMU's own sysfs alias for each (`nativeAliases`), `perf stat`'s metric roles
/// (`MetricRole`) and the typed requests (`Resolver.event(_:on:modifiers:)`) derive.
public enum HardwareEvent: UInt64, Hashable, Sendable, CaseIterable {
    /// `PERF_COUNT_HW_CPU_CYCLES` (`cpu-cycles`, `cycles`): CPU cycles, which change with the clock frequency.
    case cycles = 0
    /// `PERF_COUNT_HW_INSTRUCTIONS` (`instructions`): instructions retired.
    case instructions = 1
    /// `PERF_COUNT_HW_CACHE_REFERENCES` (`cache-references`): cache accesses (on x86 the last-level cache's, on arm64 L1 data's).
    case cacheReferences = 2
    /// `PERF_COUNT_HW_CACHE_MISSES` (`cache-misses`): cache misses (of the same cache as ``cacheReferences``).
    case cacheMisses = 3
    /// `PERF_COUNT_HW_BRANCH_INSTRUCTIONS` (`branch-instructions`, `branches`): branch instructions retired.
    case branchInstructions = 4
    /// `PERF_COUNT_HW_BRANCH_MISSES` (`branch-misses`): mispredicted branches.
    case branchMisses = 5
    /// `PERF_COUNT_HW_BUS_CYCLES` (`bus-cycles`): bus cycles.
    case busCycles = 6
    /// `PERF_COUNT_HW_STALLED_CYCLES_FRONTEND` (`stalled-cycles-frontend`): cycles the front end issued nothing.
    case stalledCyclesFrontend = 7
    /// `PERF_COUNT_HW_STALLED_CYCLES_BACKEND` (`stalled-cycles-backend`): cycles the back end retired nothing.
    case stalledCyclesBackend = 8
    /// `PERF_COUNT_HW_REF_CPU_CYCLES` (`ref-cycles`): cycles at a constant reference rate, unaffected by frequency scaling.
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
    /// `PERF_COUNT_SW_CPU_CLOCK` (`cpu-clock`): nanoseconds of the CPU's high-resolution timer.
    case cpuClock = 0
    /// `PERF_COUNT_SW_TASK_CLOCK` (`task-clock`): nanoseconds the task ran on a CPU.
    case taskClock = 1
    /// `PERF_COUNT_SW_PAGE_FAULTS` (`page-faults`, `faults`): page faults, minor and major.
    case pageFaults = 2
    /// `PERF_COUNT_SW_CONTEXT_SWITCHES` (`context-switches`, `cs`): context switches.
    case contextSwitches = 3
    /// `PERF_COUNT_SW_CPU_MIGRATIONS` (`cpu-migrations`, `migrations`): moves of the task to another CPU.
    case cpuMigrations = 4
    /// `PERF_COUNT_SW_PAGE_FAULTS_MIN` (`minor-faults`): page faults served without I/O.
    case minorFaults = 5
    /// `PERF_COUNT_SW_PAGE_FAULTS_MAJ` (`major-faults`): page faults that needed I/O.
    case majorFaults = 6
    /// `PERF_COUNT_SW_ALIGNMENT_FAULTS` (`alignment-faults`): unaligned accesses the kernel fixed up.
    case alignmentFaults = 7
    /// `PERF_COUNT_SW_EMULATION_FAULTS` (`emulation-faults`): instructions the kernel emulated.
    case emulationFaults = 8
    /// `PERF_COUNT_SW_DUMMY` (`dummy`): counts nothing; opened for its side-band records (COMM, MMAP, …).
    case dummy = 9
    /// `PERF_COUNT_SW_BPF_OUTPUT` (`bpf-output`): the output channel of BPF programs (`bpf_perf_event_output`).
    case bpfOutput = 10
    /// `PERF_COUNT_SW_CGROUP_SWITCHES` (`cgroup-switches`): context switches to a task of another cgroup (Linux 5.13+).
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
