/// The PAPI name of each event pmu-bench reads, so that both sides count the
/// same thing: PAPI's perf_event component takes libpfm4's `perf::` names
/// (the kernel's generic software and hardware events).
public enum PAPIEventNames {
    /// `perf::TASK-CLOCK` for `task-clock`, `perf::PERF_COUNT_HW_CPU_CYCLES` for
    /// `cpu/cycles/` or `cycles`; nil for an event PAPI is not asked about here.
    public static func papiName(for event: String) -> String? {
        // A core PMU's event as pmu-bench names it: `cpu/cycles/`, `cpu_core/instructions/`.
        let parts = event.split(separator: "/")
        let name = parts.count >= 2 ? String(parts[1]) : event
        switch name {
        case "task-clock": return "perf::TASK-CLOCK"
        case "cpu-clock": return "perf::CPU-CLOCK"
        case "page-faults": return "perf::PAGE-FAULTS"
        case "context-switches": return "perf::CONTEXT-SWITCHES"
        case "cpu-migrations": return "perf::CPU-MIGRATIONS"
        case "cycles", "cpu-cycles": return "perf::PERF_COUNT_HW_CPU_CYCLES"
        case "instructions": return "perf::PERF_COUNT_HW_INSTRUCTIONS"
        case "branches", "branch-instructions": return "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS"
        case "branch-misses": return "perf::PERF_COUNT_HW_BRANCH_MISSES"
        default: return nil
        }
    }
}
