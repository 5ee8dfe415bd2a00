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
    func apply(to event: inout Event) {
        if let sampling { event.attributes.sampling = sampling }
        event.settings = settings
        if let name { event.name = name }
    }
}
