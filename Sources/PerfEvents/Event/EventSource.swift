/// Where a resolved event's attributes came from.
public enum EventSource: Hashable, Sendable {
    /// A sysfs `events/<alias>` file of the PMU (name of the alias).
    case sysfsAlias(String)
    /// `pmu/term=value,…/` packed through the PMU's `format/*` files.
    case formatTerms
    /// libpfm4's encoding; carries libpfm's fully qualified event string.
    case libpfm(String)
    /// A generic hardware, cache or software event with its legacy type and plain id.
    case legacyGeneric
    /// A generic hardware or cache event pinned to one core PMU through the
    /// extended type (`config = pmu.type << 32 | id`).
    case extendedTypeGeneric
    /// `rNNNN`, or only `configN=` words on a PMU.
    case raw
    /// A tracepoint; carries its tracefs id.
    case tracepoint(UInt64)
    /// A hardware breakpoint (`mem:`).
    case breakpoint

    /// A short label for listings.
    public var label: String {
        switch self {
        case .sysfsAlias(let name): return "sysfs alias \(name)"
        case .formatTerms: return "format terms"
        case .libpfm: return "libpfm4"
        case .legacyGeneric: return "legacy generic"
        case .extendedTypeGeneric: return "extended-type generic"
        case .raw: return "raw"
        case .tracepoint(let id): return "tracepoint id \(id)"
        case .breakpoint: return "breakpoint"
        }
    }
}
