/// The terms perf accepts between an event's slashes that are not format fields of the
/// PMU (`period=`, `name=`, `call-graph=`, …), kept as typed values.
///
/// Which are honoured where:
/// - `config=`, `config1=`, `config2=`, `config3=` set whole config words (``EventAttributes``);
/// - `period=` and `freq=` set ``EventAttributes/sampling`` (written into `sample_period` /
///   `sample_freq` when the event is opened; `pmu stat` drops `period=` and refuses `freq=`,
///   as `perf stat` does);
/// - `name=` sets ``Event/name``, the label output shows;
/// - everything here (call graph, stack sizes, inherit, overwrite, per-core, metric id, AUX
///   output, time) is kept for sampling consumers and shown by `pmu resolve`; the counting
///   layer does not read it, and `pmu stat` refuses the sampling-only ones
///   (`samplingTerms`), as `perf stat` does. `percore` and `metric-id` are accepted there
///   and change nothing in the counts.
public struct EventSettings: Hashable, Sendable {
    /// `call-graph=fp|dwarf|lbr` (perf record's call-chain mode for this event).
    public var callGraph: String?
    /// `stack-size=N`: user stack bytes to copy with dwarf call graphs.
    public var stackSize: UInt64?
    /// `max-stack=N`: deepest call chain to record (`attr.sample_max_stack`).
    public var maxStack: UInt64?
    /// `inherit` (true) or `no-inherit` (false): whether child tasks are counted too.
    public var inherit: Bool?
    /// `overwrite` (true) or `no-overwrite` (false): a backward ring buffer (`attr.write_backward`).
    public var overwrite: Bool?
    /// `percore`: perf stat sums the event over the SMT siblings of a core.
    public var perCore = false
    /// `metric-id=NAME`: the name metric expressions use for this event.
    public var metricID: String?
    /// `aux-output`: ask the AUX area event of the group to record this event (`attr.aux_output`).
    public var auxOutput = false
    /// `aux-sample-size=N`: bytes of AUX data to put in each sample.
    public var auxSampleSize: UInt64?
    /// `time` / `time=0`: whether samples carry a timestamp.
    public var sampleTime: Bool?

    /// No term given.
    public init() {}

    /// No such term was given.
    public var isEmpty: Bool { self == EventSettings() }

    /// The terms given that only sampling uses (everything but `percore` and `metric-id`),
    /// as written: what `perf stat` refuses ("not usable in 'perf stat'").
    package var samplingTerms: [String] {
        var names: [String] = []
        if callGraph != nil { names.append("call-graph") }
        if stackSize != nil { names.append("stack-size") }
        if maxStack != nil { names.append("max-stack") }
        if let inherit { names.append(inherit ? "inherit" : "no-inherit") }
        if let overwrite { names.append(overwrite ? "overwrite" : "no-overwrite") }
        if auxOutput { names.append("aux-output") }
        if auxSampleSize != nil { names.append("aux-sample-size") }
        if sampleTime != nil { names.append("time") }
        return names
    }
}
