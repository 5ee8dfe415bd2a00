@testable import PerfEvents

/// Why an event string was refused, in classes that perf's messages and the resolver's errors
/// both fall into: two refusals agree only when their classes do.
enum RefusalClass: String, Sendable, CustomStringConvertible {
    /// The string does not parse.
    case syntax
    /// A name, PMU or tracepoint that does not exist.
    case unknownEvent = "unknown event"
    /// A term or alias that the named PMU lacks.
    case unknownTerm = "unknown term"
    /// A value that does not fit its field.
    case outOfRange = "out of range"

    var description: String { rawValue }

    /// The resolver's error's class.
    init(_ error: ResolutionError) {
        switch error {
        case .syntax, .invalidModifiers: self = .syntax
        case .unknownPMU, .unknownEvent, .tracepoint, .libpfm: self = .unknownEvent
        case .unknownTerm, .missingParameter, .invalidTerm: self = .unknownTerm
        case .valueTooWide: self = .outOfRange
        }
    }

    /// The class of perf's refusal, from the lines ``PerfOracle/parse(_:)`` kept; nil when the
    /// message is none of them (the comparison then reports it).
    init?(perf message: String) {
        // The most particular reason perf gave wins: 6.12 says "Bad event or PMU" before it
        // says which term or value.
        let text = message.lowercased()
        if text.contains("value too big") || text.contains("out of range") {
            self = .outOfRange
        } else if text.contains("unknown term") || text.contains("attempt to set") || text.contains("invalid term")
            || text.contains("not valid for pmu") {
            self = .unknownTerm
        } else if text.contains("expected numeric value") {
            self = .syntax
        } else if text.contains("bad event") || text.contains("cannot find pmu") || text.contains("unable to find")
            || text.contains("unknown tracepoint") || text.contains("not usable") {
            self = .unknownEvent
        } else if text.contains("parser error") || text.contains("unrecognized input") {
            self = .syntax
        } else if text.contains("attempting to add event pmu") {
            // perf 6.1 says only "Attempting to add event pmu 'msr' with 'tsc,tsc,' that may result
            // in non-fatal errors" when a PMU's terms cannot be applied (and says it before any
            // other reason, so it counts only alone).
            self = .unknownTerm
        } else {
            return nil
        }
    }

    /// Whether perf's refusal and ours agree: the same class, or where `perf` is 6.1 a
    /// "parser error" for a bare name that is no event (6.1's grammar has no rule for an
    /// unknown name: it cannot say more than that the string does not parse).
    static func agree(perf message: String, ours error: ResolutionError, series: String) -> Bool {
        guard let theirs = RefusalClass(perf: message) else { return false }
        let mine = RefusalClass(error)
        if theirs == mine { return true }
        if series == "6.1", theirs == .syntax, case .unknownEvent = error { return true }
        return false
    }
}
