extension PMUKind {
    /// Decides what sort of PMU a sysfs device is, by perf's rule.
    ///
    /// - `software`, `tracepoint`, `breakpoint`: by name (the kernel's fixed PMUs,
    ///   types 1, 2 and 5).
    /// - ``core``: the name is `cpu` (the homogeneous x86 core PMU, which has
    ///   no `cpus` file) or `cpum_cf` (s390), or the device has a `cpus` file.
    ///   The kernel gives `cpus` to exactly the CPU PMUs that cover a subset
    ///   of CPUs: every arm PMU driver (`armv8_cortex_a53`, `armv8_pmuv3_0`, …)
    ///   and Intel's hybrid `cpu_core`/`cpu_atom`. This is perf's
    ///   `is_pmu_core()`. Names alone (`arm_*`, `armv8_*`) are not enough:
    ///   `arm_spe_0` or `arm_cmn_0` are not core PMUs and have a `cpumask`.
    /// - ``uncore``: not core, and the device has a `cpumask` file (the CPU
    ///   that reads it for the whole package or system).
    /// - ``other``: everything else (`msr`, `uprobe`, `kprobe`, `power`, …).
    public static func classify(name: String, hasCPUsFile: Bool, hasCPUMaskFile: Bool) -> PMUKind {
        switch name {
        case "software": return .software
        case "tracepoint": return .tracepoint
        case "breakpoint": return .breakpoint
        case "cpu", "cpum_cf": return .core
        default: break
        }
        if hasCPUsFile { return .core }
        if hasCPUMaskFile { return .uncore }
        return .other
    }
}
