/// A tool's own CPU time from what wait4 and the workload say.
public enum ToolCPU {
    /// The tool's own CPU time (µs) from its wait4 rusage (`reaped`) and the workload's
    /// own getrusage (`workload`): the rusage less the workload's when the rusage holds it
    /// (the tool reaped its workload with wait), the whole rusage when it cannot hold it
    /// (smaller than the workload's own time: the tool did not account its workload, as
    /// observed with perf 6.1's `stat -I`).
    public static func own(reaped: Int64, workload: Int64) -> UInt64 {
        UInt64(max(0, reaped >= workload ? reaped - workload : reaped))
    }
}
