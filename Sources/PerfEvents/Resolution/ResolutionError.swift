/// An event string that parses but cannot be turned into `perf_event_attr`
/// on this machine. Every case names the input and says how to fix it.
public enum ResolutionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The string does not parse.
    case syntax(EventSyntaxError)
    /// `pmu/…/` names a PMU that sysfs does not have.
    case unknownPMU(input: String, pmu: String, suggestions: [String], available: [String])
    /// A term or alias that the PMU has neither in `format/` nor in `events/`.
    case unknownTerm(input: String, pmu: String, term: String, suggestions: [String])
    /// A term's value does not fit its format field.
    case valueTooWide(input: String, pmu: String, term: String, value: UInt64, width: Int)
    /// An alias term written `term=?` that the user did not supply.
    case missingParameter(input: String, pmu: String, alias: String, term: String)
    /// A term that exists but cannot be used the way it was written.
    case invalidTerm(input: String, pmu: String, term: String, problem: String)
    /// A bare name that is no generic event and no alias of any PMU.
    case unknownEvent(input: String, name: String, suggestions: [String])
    /// A tracepoint whose id could not be found.
    case tracepoint(input: String, TracefsError)
    /// libpfm4 could not encode the event (its `pfm_strerror` text), or is unusable.
    case libpfm(input: String, LibpfmError)
    /// Modifiers that cannot combine (a group's `p` on top of a member's `ppp`).
    case invalidModifiers(input: String, problem: String)

    public var description: String {
        switch self {
        case .syntax(let error):
            return error.description
        case .unknownPMU(let input, let pmu, let names, let available):
            let list = available.isEmpty ? "" : " (PMUs here: \(available.joined(separator: ", ")))"
            return "event '\(input)': no PMU '\(pmu)' in sysfs\(didYouMean(names))\(list)"
        case .unknownTerm(let input, let pmu, let term, let names):
            return "event '\(input)': PMU '\(pmu)' has no format term or event alias '\(term)'\(didYouMean(names))"
                + " (see its format/ and events/ directories)"
        case .valueTooWide(let input, let pmu, let term, let value, let width):
            return "event '\(input)': value \(hex(value)) of term '\(term)' does not fit the \(width)-bit field of PMU '\(pmu)'"
                + " (largest: \(hex(width >= 64 ? UInt64.max : (1 << UInt64(width)) - 1)))"
        case .missingParameter(let input, let pmu, let alias, let term):
            return "event '\(input)': alias '\(alias)' of PMU '\(pmu)' needs a value for '\(term)';"
                + " write '\(pmu)/\(alias),\(term)=VALUE/'"
        case .invalidTerm(let input, let pmu, let term, let problem):
            return "event '\(input)': term '\(term)' on PMU '\(pmu)': \(problem)"
        case .unknownEvent(let input, let name, let names):
            return "event '\(input)': '\(name)' is no generic event and no event alias of any PMU\(didYouMean(names))"
                + " (tracepoints are written subsystem:event, PMU events pmu/alias/)"
        case .tracepoint(let input, let error):
            return "event '\(input)': \(error)"
        case .libpfm(let input, let error):
            return "event '\(input)': \(error)"
        case .invalidModifiers(let input, let problem):
            return "event '\(input)': \(problem)"
        }
    }
}
