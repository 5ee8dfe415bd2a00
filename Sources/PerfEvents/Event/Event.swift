/// One event, ready to count or sample: the PMU it counts on, the attributes the
/// kernel gets, the PMU-native fallback, its label and settings. The one value
/// resolution produces and counting (``Counter``, ``CounterGroup``, ``EventList``),
/// sampling (``Sampler``), KVM and the tools take.
///
/// Resolution makes them from perf's event syntax (``Resolver/resolve(_:)-(String)``)
/// or from typed requests, with no text in between:
///
/// ```swift
/// let resolver = Resolver(pmus: try PMUDiscovery().discover().pmus)
/// for core in resolver.corePMUs {
///     let cycles = try resolver.event(.cycles, on: core)          // "cycles on this PMU"
///     let userOnly = try resolver.event(.instructions, on: core, modifiers: .userOnly)
///     let misses = try resolver.event(CacheEvent(.l1d, .read, .miss), on: core)
///     let alias = try resolver.event(alias: "inst_retired", on: core)
///     let raw = Event(label: "r3c", attributes: EventAttributes(type: core.type, config: 0x3c), pmu: core)
/// }
/// let clock = Event.software(.taskClock)
/// ```
public struct Event: Hashable, Sendable {
    /// The event's text: as the user wrote it (`cycles:u`, `cpu_core/event=0xc0/`), or
    /// what a typed request stands for in perf's syntax (`armv8_cortex_a53/cycles/u`).
    public var text: String
    /// The PMU the event counts on.
    public var pmu: EventPMU
    /// The CPUs the PMU covers, when sysfs limits it (heterogeneous cores, uncore cpumask).
    public var cpus: CPUSet? { pmu.value?.cpus }
    /// What the kernel gets: type, config words, privilege filters, sampling interval.
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
    /// own type when the kernel refuses the extended type. A PMU driver older than
    /// the extended type (arm64 before Linux 6.4, for instance) refuses
    /// `type << 32 | id`; this still counts on the right PMU, never on "the first
    /// PMU that accepts it". See ``fallbackEvent``.
    public var fallback: Fallback?

    /// The PMU's own alias for a generic event, and its attributes (the PMU's
    /// own type and the alias's config words, no modifier bits).
    public struct Fallback: Hashable, Sendable {
        /// The alias, such as `cpu_cycles`.
        public var alias: String
        /// The PMU's own type and the alias's config words.
        public var attributes: EventAttributes

        package init(alias: String, attributes: EventAttributes) {
            self.alias = alias
            self.attributes = attributes
        }
    }

    package init(
        text: String, pmu: EventPMU, attributes: EventAttributes, source: EventSource,
        name: String? = nil, scale: String? = nil, unit: String? = nil,
        modifiers: EventModifiers = EventModifiers(), note: String? = nil,
        fallback: Fallback? = nil
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
        self.fallback = fallback
    }

    /// An event given by its attributes (a raw config on a PMU, or attributes
    /// built by hand), labelled `label`. With the PMU, opens warn when a
    /// thread cannot run on a core PMU's CPUs; without it the PMU is the
    /// kernel's fixed one of that type, or one named `type N`.
    public init(label: String, attributes: EventAttributes, pmu: PMU? = nil) {
        self.init(text: label, pmu: .pmu(pmu ?? PMU(legacyType: attributes.type)), attributes: attributes,
                  source: .raw, name: label)
    }

    /// A software event (type 1): `task-clock`, `context-switches`, …
    public static func software(_ event: SoftwareEvent) -> Event {
        Event(text: event.name, pmu: .pmu(PMU(legacyType: LegacyType.software)),
              attributes: EventAttributes(type: LegacyType.software, config: event.rawValue), source: .legacyGeneric)
    }

    /// A hardware breakpoint or watchpoint (type 5) on `length` bytes at `address`,
    /// as `mem:ADDR/LEN:ACCESS` resolves (no length check against the machine's
    /// architecture: ``Resolver/resolve(_:)-(String)`` does that for text).
    public static func breakpoint(address: UInt64, length: UInt64, access: BreakpointAccess) -> Event {
        var letters = ""
        if access.contains(.read) { letters += "r" }
        if access.contains(.write) { letters += "w" }
        if access.contains(.execute) { letters += "x" }
        return Event(
            text: "mem:0x" + String(address, radix: 16) + "/" + String(length) + ":" + letters,
            pmu: .pmu(PMU(legacyType: LegacyType.breakpoint)),
            attributes: EventAttributes(
                type: LegacyType.breakpoint, config1: address, config2: length, breakpointType: access.rawValue),
            source: .breakpoint)
    }

    /// The same event as the PMU's own alias (``fallback``), with this event's
    /// modifiers, label and settings; nil without a fallback.
    public var fallbackEvent: Event? {
        guard let fallback else { return nil }
        var event = self
        event.attributes.type = fallback.attributes.type
        for word in ConfigWord.allCases { event.attributes[word] = fallback.attributes[word] }
        event.fallback = nil
        return event
    }

    /// Whether the attributes are a generic hardware or cache event with an
    /// extended type (a PMU type in the upper 32 bits of config).
    public var usesExtendedType: Bool {
        (attributes.type == LegacyType.hardware || attributes.type == LegacyType.hardwareCache)
            && attributes.config >> 32 != 0
    }

    /// How to show the event: its `name=`, else the text as written, or
    /// `pmu/text/` where one string became an event per core PMU (generic and
    /// raw names, libpfm4 names) so the copies can be told apart.
    public var label: String {
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
