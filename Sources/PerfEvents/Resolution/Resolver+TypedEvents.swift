/// Typed requests: an ``Event`` for "this event on this PMU", made from values
/// (the ``PMU`` from discovery, a ``HardwareEvent``, an alias name), never from
/// text that is parsed back. Each resolves exactly as the perf string it stands
/// for (shown in ``Event/text``) would, with the same rules and errors.
extension Resolver {
    /// The generic hardware event `hardware` on `pmu`, exactly as `pmu/cycles/`
    /// (``HardwareEvent/name``) resolves: the PMU's alias of that very name when it
    /// has one (`cpu_atom/ref-cycles/`), else with several core PMUs the extended
    /// type (`config = pmu.type << 32 | id`) with the PMU's own alias as
    /// ``Event/fallback``, with one the legacy id. Throws when `pmu` is no core PMU.
    public func event(
        _ hardware: HardwareEvent, on pmu: PMU, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> Event {
        try event(term: hardware.name, on: pmu, modifiers: modifiers)
    }

    /// The generic cache event `cache` on `pmu`, as `pmu/L1-dcache-load-misses/` resolves.
    public func event(
        _ cache: CacheEvent, on pmu: PMU, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> Event {
        try event(term: cache.name, on: pmu, modifiers: modifiers)
    }

    /// `hardware` with no PMU named, as a bare `cycles` resolves: one event per
    /// core PMU (extended type) when there are several, the legacy id labelled
    /// with the one there is, or, with none, the legacy event with a note (the
    /// kernel then refuses it as not supported).
    public func events(
        _ hardware: HardwareEvent, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> [Event] {
        let suffix = modifiers.isEmpty ? "" : ":" + modifiers.text
        return try resolve(EventSyntax(
            text: hardware.name + suffix, offset: 0, kind: .name(hardware.name), modifiers: modifiers))
    }

    /// `hardware` as `pmu`'s own sysfs alias when it publishes one (its own type
    /// and raw config, which every kernel accepts: `armv8_cortex_a72/cpu_cycles/`),
    /// else as ``event(_:on:modifiers:)-(HardwareEvent,_,_)``: what a tool that must
    /// count on exactly this PMU (KVM's host counters, a per-core comparison) opens.
    public func nativeEvent(
        _ hardware: HardwareEvent, on pmu: PMU, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> Event {
        guard let alias = hardware.nativeAlias(on: pmu) else { return try event(hardware, on: pmu, modifiers: modifiers) }
        return try event(alias: alias.name, on: pmu, modifiers: modifiers)
    }

    /// The sysfs alias `name` of `pmu` (`pmu/name/`): its terms packed through the
    /// PMU's formats, with the PMU's own type, scale and unit.
    public func event(
        alias name: String, on pmu: PMU, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> Event {
        guard pmu.alias(named: name) != nil else {
            throw .invalidTerm(
                input: Self.syntax(pmu: pmu, term: name, modifiers: modifiers).text, pmu: pmu.name, term: name,
                problem: "\(pmu.name) has no alias '\(name)' in sysfs (its events/ directory)")
        }
        return try event(term: name, on: pmu, modifiers: modifiers)
    }

    /// `pmu/term/modifiers` resolved on the PMU value given (no lookup by name).
    private func event(term: String, on pmu: PMU, modifiers: EventModifiers) throws(ResolutionError) -> Event {
        let syntax = Self.syntax(pmu: pmu, term: term, modifiers: modifiers)
        var events = [try resolveTerms([EventTerm(name: term, value: .implicit)], on: pmu, event: syntax)]
        applyOwnModifiers(to: &events, of: syntax, isLeader: true)
        return events[0]
    }

    /// The tracepoint `subsystem:name` (type 2, config = its tracefs id).
    public func event(
        tracepoint subsystem: String, _ name: String, modifiers: EventModifiers = EventModifiers()
    ) throws(ResolutionError) -> Event {
        let suffix = modifiers.isEmpty ? "" : ":" + modifiers.text
        let syntax = EventSyntax(
            text: subsystem + ":" + name + suffix, offset: 0, kind: .tracepoint(system: subsystem, event: name),
            modifiers: modifiers)
        // resolve(_:) applies the modifiers.
        let events = try resolve(syntax)
        guard let only = events.first, events.count == 1 else {
            throw .tracepoint(input: syntax.text, .noEvent(subsystem: subsystem, event: name, suggestions: []))
        }
        return only
    }

    /// The syntax value a typed request stands for: `pmu/term/modifiers`.
    private static func syntax(pmu: PMU, term: String, modifiers: EventModifiers) -> EventSyntax {
        EventSyntax(
            text: pmu.name + "/" + term + "/" + modifiers.text, offset: 0,
            kind: .pmu(name: pmu.name, terms: [EventTerm(name: term, value: .implicit)]), modifiers: modifiers)
    }
}
