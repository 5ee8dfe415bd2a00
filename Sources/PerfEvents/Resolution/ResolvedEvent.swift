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

/// The PMU a resolved event counts on: the discovered PMU itself (its type,
/// kind and CPUs travel with the event to the counter, the CLI and KVM), or the
/// one case with no PMU to name.
public enum EventPMU: Hashable, Sendable {
    /// The PMU from discovery (`cpu_atom`, `msr`, `software`, `tracepoint`, …).
    case pmu(PMU)
    /// A generic hardware or cache event, or `rNNNN`, on a machine without any core
    /// PMU: resolved to its legacy type, which the kernel then refuses (not supported).
    case noCorePMU

    /// The PMU, nil for ``noCorePMU``.
    public var value: PMU? {
        if case .pmu(let pmu) = self { return pmu }
        return nil
    }

    /// The PMU's name, nil for ``noCorePMU``.
    public var name: String? { value?.name }
}

/// One event ready to open: what `perf_event_attr` must say, on which PMU,
/// and how to present its count.
public struct ResolvedEvent: Hashable, Sendable {
    /// The event's text as the user wrote it (`cycles:u`, `cpu_core/event=0xc0/`).
    public var text: String
    /// The PMU the event counts on.
    public var pmu: EventPMU
    /// The CPUs the PMU covers, when sysfs limits it (heterogeneous cores, uncore cpumask).
    public var cpus: CPUSet? { pmu.value?.cpus }
    /// Type, config words, privilege filters.
    public var attributes: EventAttributes
    /// Where the attributes came from.
    public var source: EventSource
    /// `name=` given in the term list, a label for output.
    public var name: String?
    /// The alias's `.scale` (text, e.g. `2.3283064365386962890625e-10`) to multiply counts by.
    public var scale: String?
    /// The alias's `.unit` (e.g. `Joules`).
    public var unit: String?
    /// The modifiers that apply (the event's and its group's together), including
    /// those with no `perf_event_attr` bit of their own here (`P`, `S`, `W`).
    public var modifiers: EventModifiers
    /// Something the user should know about this resolution, such as the lack of a core PMU.
    public var note: String?
    /// Where the string may not mean what its writer thought, though perf reads it the same
    /// way: two terms writing the same config bits (perf ORs them), and the like. Each names
    /// the terms and the values. Tools print them as warnings.
    public var warnings: [String] = []
    /// The non-format terms given (`call-graph=`, `inherit`, …), kept as typed values.
    public var settings = EventSettings()
    /// For a generic event on one core PMU of a heterogeneous machine (extended
    /// type): the same event as that PMU's own sysfs alias, opened with the PMU's
    /// own type. A PMU driver older than the extended type (arm64 before Linux
    /// 6.4, for instance) refuses `type << 32 | id`; this still counts on the right
    /// PMU, never on "the first PMU that accepts it". See ``fallbackAttributes``.
    public var ownTypeEquivalent: OwnTypeEquivalent?

    public init(
        text: String, pmu: EventPMU, attributes: EventAttributes, source: EventSource,
        name: String? = nil, scale: String? = nil, unit: String? = nil,
        modifiers: EventModifiers = EventModifiers(), note: String? = nil,
        ownTypeEquivalent: OwnTypeEquivalent? = nil
    ) {
        self.text = text
        self.pmu = pmu
        self.attributes = attributes
        self.source = source
        self.name = name
        self.scale = scale
        self.unit = unit
        self.modifiers = modifiers
        self.note = note
        self.ownTypeEquivalent = ownTypeEquivalent
    }

    /// ``attributes`` (with their modifiers) as the PMU's own-type alias, or nil
    /// when there is no ``ownTypeEquivalent``.
    public var fallbackAttributes: EventAttributes? {
        guard let equivalent = ownTypeEquivalent else { return nil }
        var fallback = attributes
        fallback.type = equivalent.attributes.type
        for word in ConfigWord.allCases { fallback[word] = equivalent.attributes[word] }
        return fallback
    }

    /// How to show the event: the text as written, or `pmu/text/` where one
    /// string became an event per core PMU (generic and raw names, libpfm4
    /// names) so the copies can be told apart.
    public var displayName: String {
        if let name { return name }
        guard let pmu = pmu.name, !text.hasPrefix(pmu + "/") else { return text }
        switch source {
        case .extendedTypeGeneric, .raw, .libpfm:
            return "\(pmu)/\(text)/"
        case .legacyGeneric, .sysfsAlias, .formatTerms, .tracepoint, .breakpoint:
            return text
        }
    }
}

/// Events to be scheduled together: a `{…}` group (``isGroup``), or the events
/// one plain item expanded to (``isGroup`` false: each opens on its own).
///
/// A `{…}` group whose generic events expand over several core PMUs is split
/// into one group per core PMU, because the kernel cannot group events of
/// different PMUs; events bound to no core PMU (software, tracepoints) join each.
public struct ResolvedGroup: Hashable, Sendable {
    /// The item's text as written.
    public var text: String
    /// Whether these events form one perf group (leader first).
    public var isGroup: Bool
    /// The events, leader first.
    public var events: [ResolvedEvent]

    public init(text: String, isGroup: Bool, events: [ResolvedEvent]) {
        self.text = text
        self.isGroup = isGroup
        self.events = events
    }
}

/// A generic hardware event written as a core PMU's own sysfs alias
/// (`cycles` on `armv8_cortex_a53` → `armv8_cortex_a53/cpu_cycles/`).
public struct OwnTypeEquivalent: Hashable, Sendable {
    /// The alias, such as `cpu_cycles`.
    public var alias: String
    /// The PMU's own type and the alias's config words (no modifier bits).
    public var attributes: EventAttributes

    public init(alias: String, attributes: EventAttributes) {
        self.alias = alias
        self.attributes = attributes
    }
}
