/// Turns perf event strings into ``Event``s for the PMUs of one machine.
///
/// ```swift
/// let resolver = Resolver(pmus: pmus)          // pmus from sysfs discovery
/// let groups = try resolver.resolve("cycles,{msr/tsc/,cs}:u")
/// ```
///
/// Rules (perf's, with the choices noted):
/// - `pmu/alias/` and `pmu/term=value,…/`: the alias's terms in the alias's place
///   among the user's, packed through the PMU's `format/` fields and ORed into the
///   config words, as perf does (a term never clears bits another set; where two
///   terms write the same bits differently the event carries a warning naming
///   both); `configN=` sets a whole word first; type is the PMU's own. `pmu//`
///   is every config word zero. perf's own terms (`name=`, `period=`, `freq=`,
///   `call-graph=`, `inherit`, … see ``EventSettings``) are taken out first.
///   `pmu/…/` also matches `pmu_0`, `pmu_1`, … (uncore instances), keeping the
///   instances that know the terms. `cycles/period=…/` and `rNNNN/…/` take perf's
///   own terms too.
/// - Generic hardware and cache names need a core PMU. With several core PMUs
///   (big.LITTLE, Intel hybrid) a bare name becomes one event per core PMU with
///   the extended type (`config = pmu.type << 32 | id`, type 0 or 3), as perf
///   does. With exactly one core PMU the plain legacy id is used (the kernel
///   sends it to that PMU, and kernels without extended-type support accept
///   it); the event is labelled with that PMU. With none (a guest without a
///   virtual PMU) it still resolves to the legacy event, with a note, so the
///   counting layer reports "not supported" with the reason.
/// - `rNNNN`: the core PMU's own type (one event per core PMU when there are
///   several); `PERF_TYPE_RAW` (4) with a note when there is none.
/// - A bare name that is no generic event resolves on every PMU that has a
///   sysfs alias of that name (`tsc` → `msr/tsc/`).
/// - `subsystem:event` → type 2, config = the tracefs id; a glob in either name
///   (`sched:*`, `syscalls:sys_enter_getpp*`) becomes every matching tracepoint.
/// - `mem:ADDR[/LEN][:rwx]` → type 5, `bp_addr` (config1) = ADDR, `bp_len`
///   (config2) = LEN (default 4, or 8 for execute), `bp_type` = access (default rw);
///   LEN as the tree's architecture allows (``MachineArchitecture``).
/// - `pmu::EVENT…` → libpfm4's encoding, with the type replaced by the sysfs
///   core PMU's when libpfm says `PERF_TYPE_RAW`.
public struct Resolver: Sendable {
    /// The machine's PMUs, from sysfs discovery (or built by hand in tests).
    public var pmus: [PMU]
    /// Where tracepoint ids are read.
    public var tracefs: Tracefs
    /// libpfm4, or nil to refuse `pmu::EVENT` strings.
    public var libpfm: Libpfm?
    /// The machine's architecture, for breakpoint lengths: from the PMUs unless given.
    public var architecture: MachineArchitecture

    /// A resolver for `pmus`, reading tracepoint ids from `tracefs`, with libpfm4 unless
    /// `libpfm` is nil; `architecture` nil takes it from the PMUs (``MachineArchitecture/init(pmus:)``).
    public init(
        pmus: [PMU], tracefs: Tracefs = Tracefs(), libpfm: Libpfm? = Libpfm(),
        architecture: MachineArchitecture? = nil
    ) {
        self.pmus = pmus
        self.tracefs = tracefs
        self.libpfm = libpfm
        self.architecture = architecture ?? MachineArchitecture(pmus: pmus)
    }

    /// The core PMUs, in the order given.
    public var corePMUs: [PMU] { pmus.filter { $0.isCore } }

    /// The discovered PMU called `name`, or, where the list given has none (a
    /// resolver built by hand), the kernel's fixed PMU of that legacy type.
    func legacyPMU(_ name: String, type: UInt32, kind: PMUKind) -> PMU {
        pmus.first { $0.name == name } ?? PMU(name: name, type: type, kind: kind)
    }

    /// Parses and resolves an event string.
    public func resolve(_ text: String) throws(ResolutionError) -> [ResolvedGroup] {
        let list: EventListSyntax
        do {
            list = try EventParser.parse(text)
        } catch {
            throw .syntax(error)
        }
        return try resolve(list)
    }

    /// Resolves a parsed event list, item by item.
    package func resolve(_ list: EventListSyntax) throws(ResolutionError) -> [ResolvedGroup] {
        var groups: [ResolvedGroup] = []
        for item in list.groups {
            groups.append(contentsOf: try resolve(item))
        }
        return groups
    }

    /// Resolves one item: a single event (possibly expanding to several) or a `{…}` group.
    package func resolve(_ item: EventGroupSyntax) throws(ResolutionError) -> [ResolvedGroup] {
        var expansions: [[Event]] = []
        for (index, member) in item.members.enumerated() {
            var events = try resolve(member, isLeader: !item.isGroup || index == 0)
            if item.isGroup && !item.modifiers.isEmpty {
                for position in events.indices {
                    let own = member.modifiers
                    let applied = item.modifiers.apply(
                        to: &events[position].attributes, group: true,
                        memberRestrictedGuestHost: own.guest || own.host, isLeader: index == 0)
                    if !applied {
                        throw .invalidModifiers(
                            input: member.text,
                            problem: "precise level above 3 once the group's modifiers '\(item.modifiers.text)' are added;"
                                + " use at most three 'p' in total")
                    }
                    events[position].modifiers = own.merged(with: item.modifiers)
                    Self.noteUserOnlyTracepoint(&events[position], syntax: member)
                }
            }
            expansions.append(events)
        }
        guard item.isGroup else {
            return [ResolvedGroup(text: item.text, isGroup: false, events: expansions.flatMap { $0 })]
        }
        return splitByCorePMU(item.text, expansions)
    }

    /// One group, or one per core PMU when a member expanded over several core PMUs.
    private func splitByCorePMU(_ text: String, _ expansions: [[Event]]) -> [ResolvedGroup] {
        let cores = corePMUs.map { $0.name }
        let spread = expansions.contains { members in
            members.count > 1 && members.allSatisfy { event in event.pmu.name.map { cores.contains($0) } ?? false }
        }
        guard spread else { return [ResolvedGroup(text: text, isGroup: true, events: expansions.flatMap { $0 })] }
        var groups: [ResolvedGroup] = []
        for core in cores {
            var events: [Event] = []
            for members in expansions {
                let onCore = members.filter { $0.pmu.name == core }
                if !onCore.isEmpty {
                    events.append(contentsOf: onCore)
                } else if members.allSatisfy({ event in !(event.pmu.name.map { cores.contains($0) } ?? false) }) {
                    events.append(contentsOf: members)
                }
            }
            if events.contains(where: { $0.pmu.name == core }) {
                groups.append(ResolvedGroup(text: text, isGroup: true, events: events))
            }
        }
        return groups
    }

    /// Resolves one event, with its own modifiers applied.
    package func resolve(_ event: EventSyntax, isLeader: Bool = true) throws(ResolutionError) -> [Event] {
        var events: [Event]
        switch event.kind {
        case .name(let name):
            events = try resolveName(name, event: event)
        case .pmu(let name, let terms) where !hasPMU(name) && (GenericEvent(named: name) != nil || rawConfigValue(name) != nil):
            events = try resolveWithOwnTerms(name, terms, event: event)
        case .pmu(let name, let terms):
            events = []
            let matches = try findPMUs(name, event: event)
            if matches.count == 1, let only = matches.first, only.name == name {
                events.append(try resolveTerms(terms, on: only, event: event))
            } else {
                // Numbered instances: keep those that know the terms (as perf does), fail only if none does.
                var firstError: ResolutionError?
                for pmu in matches {
                    do {
                        events.append(try resolveTerms(terms, on: pmu, event: event))
                    } catch {
                        if firstError == nil { firstError = error }
                    }
                }
                if events.isEmpty, let firstError { throw firstError }
            }
        case .raw(let config):
            events = resolveRaw(config, event: event)
        case .numeric(let type, let config):
            let pmu = pmus.first { $0.type == type }
                ?? PMU(name: "type \(type)", type: type, kind: type == LegacyType.software ? .software : .other)
            events = [Event(
                text: event.text, pmu: .pmu(pmu), attributes: EventAttributes(type: type, config: config), source: .raw)]
        case .tracepoint(let system, let name):
            events = []
            for (system, name) in try tracepoints(system, name, event: event) {
                let id: UInt64
                do {
                    id = try tracefs.id(subsystem: system, event: name)
                } catch {
                    throw .tracepoint(input: event.text, error)
                }
                let text = Glob.isPattern(event.text) ? "\(system):\(name)" + modifierSuffix(event) : event.text
                events.append(Event(
                    text: text, pmu: .pmu(legacyPMU("tracepoint", type: LegacyType.tracepoint, kind: .tracepoint)),
                    attributes: EventAttributes(type: LegacyType.tracepoint, config: id), source: .tracepoint(id)))
            }
        case .breakpoint(let address, let length, let access):
            if let length, let problem = architecture.breakpointLengthProblem(length) {
                throw .invalidTerm(
                    input: event.text, pmu: "breakpoint", term: "\(length)",
                    problem: "length \(length): \(problem) (this tree's architecture: \(architecture.rawValue))")
            }
            let defaultLength: UInt64 = access.contains(.execute) ? 8 : 4
            let attributes = EventAttributes(
                type: LegacyType.breakpoint, config1: address, config2: length ?? defaultLength,
                breakpointType: access.rawValue)
            events = [Event(
                text: event.text, pmu: .pmu(legacyPMU("breakpoint", type: LegacyType.breakpoint, kind: .breakpoint)),
                attributes: attributes, source: .breakpoint)]
        case .libpfm(let text):
            events = [try resolveLibpfm(text, event: event)]
        }
        applyOwnModifiers(to: &events, of: event, isLeader: isLeader)
        return events
    }

    /// Applies the event's own modifiers (not a group's) to what it resolved to.
    func applyOwnModifiers(to events: inout [Event], of event: EventSyntax, isLeader: Bool) {
        for index in events.indices where !event.modifiers.isEmpty {
            // Parsing limits an event's own 'p's to three and attributes start at precise 0.
            _ = event.modifiers.apply(
                to: &events[index].attributes, group: false, memberRestrictedGuestHost: false, isLeader: isLeader)
            events[index].modifiers = event.modifiers
            Self.noteUserOnlyTracepoint(&events[index], syntax: event)
        }
    }

    /// A kernel tracepoint fires in kernel mode only: with `exclude_kernel` (`:u`) it
    /// opens fine and counts 0, so say so (uprobes, which fire in user mode, excepted).
    private static func noteUserOnlyTracepoint(_ event: inout Event, syntax: EventSyntax) {
        guard event.attributes.type == LegacyType.tracepoint, event.attributes.excludeKernel else { return }
        if case .tracepoint(let system, _) = syntax.kind, system == "uprobes" { return }
        let note = "tracepoints fire in the kernel: excluding kernel space (':u') counts nothing here unless it is a uprobe;"
            + " drop ':u' (kernel counting needs perf_event_paranoid <= 1 or CAP_PERFMON)"
        guard !(event.note?.hasSuffix(note) ?? false) else { return }
        event.note = event.note.map { $0 + "; " + note } ?? note
    }

    // MARK: - Generic names and aliases

    private func resolveName(_ name: String, event: EventSyntax) throws(ResolutionError) -> [Event] {
        if let generic = GenericEvent(named: name) {
            return try genericEvents(generic, on: nil, event: event, label: nil)
        }
        var events: [Event] = []
        for pmu in pmus where pmu.alias(named: name) != nil {
            events.append(try resolveTerms([EventTerm(name: name, value: .implicit)], on: pmu, event: event))
        }
        if events.isEmpty {
            var candidates = GenericEvent.allSimpleNames + GenericEvent.canonicalNames
            for pmu in pmus { candidates += pmu.aliases.map { $0.name } }
            throw .unknownEvent(input: event.text, name: name, suggestions: Suggestions.closest(to: name, among: candidates))
        }
        return events
    }

    func genericEvents(
        _ generic: GenericEvent, on pmu: PMU?, event: EventSyntax, label: String?
    ) throws(ResolutionError) -> [Event] {
        if !generic.needsCorePMU {
            if let pmu, pmu.kind != .software {
                throw .invalidTerm(
                    input: event.text, pmu: pmu.name, term: event.text,
                    problem: "a software event belongs to no hardware PMU; write it without the PMU")
            }
            return [Event(
                text: event.text, pmu: .pmu(legacyPMU("software", type: LegacyType.software, kind: .software)),
                attributes: EventAttributes(type: generic.legacyType, config: generic.config),
                source: .legacyGeneric, name: label)]
        }
        let cores = corePMUs
        let targets: [PMU]
        if let pmu {
            guard pmu.isCore else {
                throw .invalidTerm(
                    input: event.text, pmu: pmu.name, term: event.text,
                    problem: "generic hardware and cache events are counted by core PMUs only"
                        + (cores.isEmpty ? "" : " (\(cores.map { $0.name }.joined(separator: ", ")))"))
            }
            targets = [pmu]
        } else {
            targets = cores
        }
        if targets.isEmpty {
            return [Event(
                text: event.text, pmu: .noCorePMU,
                attributes: EventAttributes(type: generic.legacyType, config: generic.config),
                source: .legacyGeneric, name: label,
                note: "no core PMU in sysfs (no cpu, cpu_core/cpu_atom or armv8_* device): the kernel has no hardware"
                    + " counters for this event here, so opening it will fail as not supported")]
        }
        let hybrid = cores.count > 1
        return targets.map { core in
            Event(
                text: event.text, pmu: .pmu(core),
                attributes: EventAttributes(
                    type: generic.legacyType,
                    config: hybrid ? UInt64(core.type) << 32 | generic.config : generic.config),
                source: hybrid ? .extendedTypeGeneric : .legacyGeneric, name: label,
                fallback: hybrid ? fallback(for: generic, on: core, event: event) : nil)
        }
    }

    /// `generic` as `core`'s own alias, when the PMU publishes one that resolves.
    private func fallback(for generic: GenericEvent, on core: PMU, event: EventSyntax) -> Event.Fallback? {
        guard case .hardware(let id) = generic, let hardware = HardwareEvent(rawValue: id) else { return nil }
        for name in hardware.nativeAliases where core.alias(named: name) != nil {
            guard let resolved = try? resolveTerms([EventTerm(name: name, value: .implicit)], on: core, event: event)
            else { continue }
            return Event.Fallback(alias: name, attributes: resolved.attributes)
        }
        return nil
    }

    private func resolveRaw(_ config: UInt64, event: EventSyntax) -> [Event] {
        let cores = corePMUs
        if cores.isEmpty {
            return [Event(
                text: event.text, pmu: .noCorePMU, attributes: EventAttributes(type: LegacyType.raw, config: config),
                source: .raw,
                note: "no core PMU in sysfs: kept PERF_TYPE_RAW (4), which the kernel refuses without a hardware PMU")]
        }
        return cores.map { core in
            Event(
                text: event.text, pmu: .pmu(core),
                attributes: EventAttributes(type: core.type, config: config), source: .raw)
        }
    }

    // MARK: - pmu/terms/

    private func findPMUs(_ name: String, event: EventSyntax) throws(ResolutionError) -> [PMU] {
        if let exact = pmus.first(where: { $0.name == name }) { return [exact] }
        // Numbered instances: `uncore_imc/…/` means uncore_imc_0, uncore_imc_1, …
        let instances = pmus.filter { pmu in
            guard pmu.name.hasPrefix(name + "_") else { return false }
            let suffix = pmu.name.utf8.dropFirst(name.utf8.count + 1)
            return !suffix.isEmpty && suffix.allSatisfy(isDigit)
        }
        if !instances.isEmpty { return instances }
        let names = pmus.map { $0.name }
        throw .unknownPMU(
            input: event.text, pmu: name, suggestions: Suggestions.closest(to: name, among: names), available: names)
    }

    private static let configWords: [String] = ConfigWord.allCases.map { $0.name }

    /// Whether a PMU (or numbered instances of one) is called `name`.
    private func hasPMU(_ name: String) -> Bool {
        (try? findPMUs(name, event: EventSyntax(text: name, offset: 0, kind: .name(name), modifiers: EventModifiers()))) != nil
    }

    /// `cycles/period=1000/`, `r1a/name=x/`: a generic or raw event with perf's own terms.
    private func resolveWithOwnTerms(
        _ name: String, _ terms: [EventTerm], event: EventSyntax
    ) throws(ResolutionError) -> [Event] {
        let fixed = try FixedTerms(terms) { term, problem in
            .invalidTerm(input: event.text, pmu: name, term: term, problem: problem)
        }
        if let other = fixed.rest.first {
            throw .invalidTerm(
                input: event.text, pmu: name, term: other.name,
                problem: "'\(name)' is no PMU: between its slashes only perf's own terms go (\(FixedTerms.names.sorted().joined(separator: ", ")))")
        }
        var events: [Event]
        if let generic = GenericEvent(named: name) {
            events = try genericEvents(generic, on: nil, event: event, label: nil)
        } else {
            events = resolveRaw(rawConfigValue(name) ?? 0, event: event)
        }
        for index in events.indices {
            // perf assigns configN= words over the event's own, as for a PMU's terms.
            for (word, value, _) in fixed.words { events[index].attributes[word] = value }
            fixed.apply(to: &events[index])
        }
        return events
    }

    /// The tracepoints `system:name` names: itself, or every match of a glob, sorted.
    func tracepoints(
        _ system: String, _ name: String, event: EventSyntax
    ) throws(ResolutionError) -> [(String, String)] {
        guard Glob.isPattern(system) || Glob.isPattern(name) else { return [(system, name)] }
        var found: [(String, String)] = []
        do {
            for subsystem in try tracefs.subsystems().sorted() where Glob.matches(system, subsystem) {
                for tracepoint in try tracefs.events(in: subsystem).sorted() where Glob.matches(name, tracepoint) {
                    found.append((subsystem, tracepoint))
                }
            }
        } catch {
            throw .tracepoint(input: event.text, error)
        }
        if found.isEmpty {
            throw .tracepoint(input: event.text, .noEvent(subsystem: system, event: name, suggestions: []))
        }
        return found
    }

    /// `:mods` as written after a tracepoint, for the names of a glob's expansions.
    private func modifierSuffix(_ event: EventSyntax) -> String {
        event.modifiers.isEmpty ? "" : ":" + event.modifiers.text
    }

    func resolveTerms(
        _ userTerms: [EventTerm], on pmu: PMU, event: EventSyntax
    ) throws(ResolutionError) -> Event {
        let fixed = try FixedTerms(userTerms) { term, problem in
            .invalidTerm(input: event.text, pmu: pmu.name, term: term, problem: problem)
        }
        var alias: EventAlias?
        var generic: GenericEvent?
        var explicit: [EventTerm] = []
        // The terms in perf's order: an alias's terms where the alias was written.
        var merged: [(term: EventTerm, fromAlias: String?)] = []
        for term in fixed.rest {
            let isField = pmu.format(named: term.name) != nil
            if term.value == .implicit && !isField {
                if let found = pmu.alias(named: term.name) {
                    if let previous = alias?.name ?? (generic != nil ? "a generic event" : nil) {
                        throw .invalidTerm(
                            input: event.text, pmu: pmu.name, term: term.name,
                            problem: "one event per term list, and '\(previous)' already names one; write two events")
                    }
                    alias = found
                    merged.append(contentsOf: found.terms.map { ($0, found.name) })
                    continue
                }
                if pmu.isCore || pmu.kind == .software, let found = GenericEvent(named: term.name) {
                    if alias != nil || generic != nil {
                        throw .invalidTerm(
                            input: event.text, pmu: pmu.name, term: term.name,
                            problem: "one event per term list; write two events")
                    }
                    generic = found
                    continue
                }
                throw unknownTerm(term.name, on: pmu, event: event)
            }
            if !isField { throw unknownTerm(term.name, on: pmu, event: event) }
            explicit.append(term)
            merged.append((term, nil))
        }
        if let generic {
            if let first = explicit.first ?? fixed.words.first?.term {
                throw .invalidTerm(
                    input: event.text, pmu: pmu.name, term: first.name,
                    problem: "a generic event name takes no format terms; use an alias or raw terms instead")
            }
            guard var resolved = try genericEvents(generic, on: pmu, event: event, label: nil).first else {
                throw .invalidTerm(input: event.text, pmu: pmu.name, term: event.text, problem: "no event resolved")
            }
            fixed.apply(to: &resolved)
            return resolved
        }

        var attributes = EventAttributes(type: pmu.type)
        /// What each earlier term wrote, per word, to find terms writing the same bits.
        var written: [ConfigWord: [(description: String, mask: UInt64, bits: UInt64)]] = [:]
        var overlaps: [(word: ConfigWord, earlier: String, later: String, laterBits: UInt64, mask: UInt64)] = []
        func describe(_ term: EventTerm, _ value: UInt64, _ fromAlias: String?) -> String {
            "'\(term.name)=\(hex(value))'" + (fromAlias.map { " (from alias '\($0)')" } ?? "")
        }
        // Whole words first (perf's config terms assign), in order: a later one replaces …
        for (word, value, term) in fixed.words {
            attributes[word] = value
            written[word] = [(describe(term, value, nil), UInt64.max, value)]
        }
        // … alias terms that are words themselves (no format file of that name) likewise …
        for (term, fromAlias) in merged where pmu.format(named: term.name) == nil {
            guard let word = ConfigWord.allCases.first(where: { $0.name == term.name }) else {
                throw unknownTerm(term.name, on: pmu, event: event, fromAlias: fromAlias)
            }
            let number = try value(of: term, on: pmu, alias: alias, event: event, userTerms: explicit)
            attributes[word] = number
            written[word] = [(describe(term, number, fromAlias), UInt64.max, number)]
        }
        // … then each field's bits, ORed in: perf never clears a bit another term set.
        for (term, fromAlias) in merged {
            guard let field = pmu.format(named: term.name) else { continue }
            let number = try value(of: term, on: pmu, alias: alias, event: event, userTerms: explicit)
            let bits: UInt64
            do {
                bits = try field.pack(number)
            } catch {
                throw .valueTooWide(input: event.text, pmu: pmu.name, term: error.term, value: error.value, width: error.width)
            }
            let description = describe(term, number, fromAlias)
            for earlier in written[field.word] ?? [] {
                let shared = earlier.mask & field.mask
                if shared != 0 && (earlier.bits ^ bits) & shared != 0 {
                    overlaps.append((field.word, earlier.description, description, bits, shared))
                }
            }
            written[field.word, default: []].append((description, field.mask, bits))
            attributes[field.word] |= bits
        }
        let onlyWords = alias == nil && merged.isEmpty
        var resolved = Event(
            text: event.text, pmu: .pmu(pmu), attributes: attributes,
            source: alias.map { .sysfsAlias($0.name) } ?? (onlyWords ? .raw : .formatTerms),
            name: nil, scale: alias?.scale, unit: alias?.unit)
        resolved.warnings = overlaps.map { overlap in
            let word = overlap.word.name
            return "terms \(overlap.earlier) and \(overlap.later) both write \(word) bits \(hex(overlap.mask)):"
                + " perf ORs them, so \(word) is \(hex(attributes[overlap.word])), not what the later term alone gives"
                + " (\(hex(attributes[overlap.word] & ~overlap.mask | overlap.laterBits)))"
        }
        fixed.apply(to: &resolved)
        return resolved
    }

    private func value(
        of term: EventTerm, on pmu: PMU, alias: EventAlias?, event: EventSyntax, userTerms: [EventTerm]
    ) throws(ResolutionError) -> UInt64 {
        switch term.value {
        case .number(let number): return number
        case .implicit: return 1
        case .parameter:
            // An alias's `term=?` takes the value the user gave that term.
            if let given = userTerms.last(where: { $0.name == term.name && $0.value != .parameter }) {
                return try value(of: given, on: pmu, alias: alias, event: event, userTerms: [])
            }
            throw .missingParameter(input: event.text, pmu: pmu.name, alias: alias?.name ?? event.text, term: term.name)
        case .text(let text):
            throw .invalidTerm(
                input: event.text, pmu: pmu.name, term: term.name,
                problem: "'\(text)' is not a number; write decimal or 0x-prefixed hexadecimal")
        }
    }

    private func unknownTerm(
        _ name: String, on pmu: PMU, event: EventSyntax, fromAlias: String? = nil
    ) -> ResolutionError {
        if let fromAlias {
            return .invalidTerm(
                input: event.text, pmu: pmu.name, term: name,
                problem: "alias '\(fromAlias)' uses a term the PMU has no format file for (a kernel inconsistency)")
        }
        var candidates = pmu.formats.map { $0.name } + pmu.aliases.map { $0.name } + FixedTerms.names.sorted()
        if pmu.isCore { candidates += GenericEvent.allSimpleNames }
        return .unknownTerm(input: event.text, pmu: pmu.name, term: name, suggestions: Suggestions.closest(to: name, among: candidates))
    }

    // MARK: - libpfm4

    private func resolveLibpfm(_ text: String, event: EventSyntax) throws(ResolutionError) -> Event {
        guard let libpfm else {
            throw .libpfm(input: text, LibpfmError(input: text, code: 0, message: "libpfm4 is disabled in this resolver"))
        }
        let encoding: LibpfmEncoding
        do {
            encoding = try libpfm.encode(text)
        } catch {
            throw .libpfm(input: text, error)
        }
        var attributes = encoding.attributes
        var pmu = EventPMU.noCorePMU
        var note: String?
        if attributes.type == LegacyType.raw {
            let cores = corePMUs
            if cores.isEmpty {
                note = "no core PMU in sysfs: kept libpfm's PERF_TYPE_RAW (4); the kernel refuses it without a hardware PMU"
            } else {
                let core = try matchCore(libpfmPMU: encoding.pmu, cores: cores, text: text)
                attributes.type = core.type
                pmu = .pmu(core)
            }
        } else if attributes.type == LegacyType.software {
            pmu = .pmu(legacyPMU("software", type: LegacyType.software, kind: .software))
        } else if let owner = pmus.first(where: { $0.type == attributes.type }) {
            pmu = .pmu(owner)
        } else if corePMUs.count == 1, let core = corePMUs.first,
                  attributes.type == LegacyType.hardware || attributes.type == LegacyType.hardwareCache {
            pmu = .pmu(core)
        }
        return Event(
            text: event.text, pmu: pmu, attributes: attributes,
            source: .libpfm(encoding.qualifiedName), note: note)
    }

    /// The sysfs core PMU a libpfm PMU's events belong to.
    private func matchCore(libpfmPMU: String, cores: [PMU], text: String) throws(ResolutionError) -> PMU {
        if cores.count == 1, let only = cores.first { return only }
        if let core = Self.core(forLibpfmPMU: libpfmPMU, among: cores) { return core }
        throw .libpfm(input: text, LibpfmError(
            input: text, code: 0,
            message: "libpfm PMU '\(libpfmPMU)' matches none of the core PMUs \(cores.map { $0.name }.joined(separator: ", "));"
                + " use pmu/event=…/ on the intended core PMU instead"))
    }

    /// Which of several core PMUs a libpfm PMU name stands for, by model:
    /// - Intel hybrid: libpfm's big-core tables (`…_glc`, Golden Cove) are `cpu_core`,
    ///   its small-core tables (`…_grt`, Gracemont) `cpu_atom`;
    /// - arm: `arm_cortex_a72` ↔ sysfs `armv8_cortex_a72` (the same model suffix), and
    ///   libpfm's short Cortex names `arm_acNN` (`arm_ac53`, `arm_ac57`) ↔ `…_cortex_aNN`.
    static func core(forLibpfmPMU libpfmPMU: String, among cores: [PMU]) -> PMU? {
        let lower = asciiLowercased(libpfmPMU)
        let intel: [(suffix: String, sysfs: String)] = [("_glc", "cpu_core"), ("_grt", "cpu_atom")]
        for entry in intel where lower.hasSuffix(entry.suffix) {
            if let core = cores.first(where: { $0.name == entry.sysfs }) { return core }
        }
        guard lower.hasPrefix("arm_") else { return nil }
        var model = Array(lower.utf8.dropFirst(4))
        // `ac` + digits: libpfm's abbreviation of `cortex_a` + digits.
        if model.count > 2, model[0] == UInt8(ascii: "a"), model[1] == UInt8(ascii: "c"), model.dropFirst(2).allSatisfy(isDigit) {
            model = Array("cortex_a".utf8) + model.dropFirst(2)
        }
        let suffix = "_" + String(decoding: model, as: UTF8.self)
        return cores.first { $0.name.hasSuffix(suffix) }
    }
}
