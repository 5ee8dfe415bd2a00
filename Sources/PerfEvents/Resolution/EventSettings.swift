/// The terms perf accepts between an event's slashes that are not format fields of the
/// PMU (`period=`, `name=`, `call-graph=`, …), kept as typed values.
///
/// Which are honoured where:
/// - `config=`, `config1=`, `config2=`, `config3=` set whole config words (``EventAttributes``);
/// - `period=` and `freq=` set ``EventAttributes/sampling`` (written into `sample_period` /
///   `sample_freq` when the event is opened; `pmu stat` drops `period=` and refuses `freq=`,
///   as `perf stat` does);
/// - `name=` sets ``ResolvedEvent/name``, the label output shows;
/// - everything here (call graph, stack sizes, inherit, overwrite, per-core, metric id, AUX
///   output, time) is kept for sampling consumers and shown by `pmu resolve`; the counting
///   layer does not read it, and `pmu stat` refuses the sampling-only ones
///   (``samplingTerms``), as `perf stat` does. `percore` and `metric-id` are accepted there
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

    public init() {}

    /// No such term was given.
    public var isEmpty: Bool { self == EventSettings() }

    /// The terms given that only sampling uses (everything but `percore` and `metric-id`),
    /// as written: what `perf stat` refuses ("not usable in 'perf stat'").
    public var samplingTerms: [String] {
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

/// The non-format terms of one term list, taken out of it (see ``EventSettings``).
struct FixedTerms {
    /// `name=`.
    var name: String?
    /// `period=` / `freq=` (the last one given).
    var sampling: SamplingInterval?
    /// `configN=` terms, in order: each sets its whole word.
    var words: [(word: ConfigWord, value: UInt64, term: EventTerm)] = []
    var settings = EventSettings()
    /// The other terms (format fields, aliases, generic names), in order.
    var rest: [EventTerm] = []

    /// The names of the terms perf's lexer reads as its own whatever the PMU.
    static let names: Set<String> = [
        "name", "period", "freq", "config", "config1", "config2", "config3", "call-graph", "stack-size",
        "max-stack", "inherit", "no-inherit", "overwrite", "no-overwrite", "percore", "metric-id",
        "aux-output", "aux-sample-size", "time",
    ]

    /// Splits `terms`; `problem(term, text)` builds the error for a term with a wrong value.
    init(_ terms: [EventTerm], problem: (String, String) -> ResolutionError) throws(ResolutionError) {
        func number(_ term: EventTerm) throws(ResolutionError) -> UInt64 {
            switch term.value {
            case .number(let value): return value
            case .implicit: return 1
            case .parameter, .text:
                throw problem(term.name, "\(term.name)= takes a number (decimal or 0x-prefixed hexadecimal)")
            }
        }
        func text(_ term: EventTerm) throws(ResolutionError) -> String {
            guard case .text(let value) = term.value else {
                throw problem(term.name, "\(term.name)= takes a name starting with a letter, e.g. \(term.name)=my_event")
            }
            return value
        }
        /// `fp`, `dwarf`, `lbr`, `no`, or `dwarf` with a size (`call-graph=dwarf,4096` splits at the comma).
        func callGraph(_ term: EventTerm) throws(ResolutionError) -> String {
            let mode = try text(term)
            guard ["fp", "dwarf", "lbr", "no"].contains(mode) else {
                throw problem(term.name, "call-graph= takes fp, dwarf, lbr or no")
            }
            return mode
        }
        func flag(_ term: EventTerm) throws(ResolutionError) -> Bool {
            try number(term) != 0
        }
        for term in terms {
            switch term.name {
            case "name": name = try text(term)
            case "period": sampling = .period(try number(term))
            case "freq": sampling = .frequency(try number(term))
            case "config", "config1", "config2", "config3":
                let word = ConfigWord.allCases.first { $0.name == term.name } ?? .config
                words.append((word, try number(term), term))
            case "call-graph": settings.callGraph = try callGraph(term)
            case "stack-size": settings.stackSize = try number(term)
            case "max-stack": settings.maxStack = try number(term)
            case "inherit": settings.inherit = try flag(term)
            case "no-inherit": settings.inherit = !(try flag(term))
            case "overwrite": settings.overwrite = try flag(term)
            case "no-overwrite": settings.overwrite = !(try flag(term))
            case "percore": settings.perCore = try flag(term)
            case "metric-id": settings.metricID = try text(term)
            case "aux-output": settings.auxOutput = try flag(term)
            case "aux-sample-size": settings.auxSampleSize = try number(term)
            case "time": settings.sampleTime = try flag(term)
            default: rest.append(term)
            }
        }
    }

    /// Puts the sampling interval, settings and label on `event`.
    func apply(to event: inout ResolvedEvent) {
        if let sampling { event.attributes.sampling = sampling }
        event.settings = settings
        if let name { event.name = name }
    }
}
