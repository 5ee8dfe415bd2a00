// Fuzz target `event-string`: EventParser.parse, then Resolver over PMUs built
// by hand (the recorded RK3399, Alder Lake and this machine, plus a synthetic
// PMU with scattered and overlapping fields). Tracefs is an in-memory mock:
// nothing in the loop touches the file system.
//
// Input: the first byte picks the machine, the rest is the event string.

/// The machines, as sysfs describes them (Tests/PerfEventsTests/RecordedMachines.swift has the same).
let fuzzMachines: [[PMU]] = {
    func field(_ name: String, _ word: ConfigWord, _ ranges: ClosedRange<Int>...) -> FormatField {
        FormatField(name: name, word: word, ranges: ranges)
    }
    func alias(_ name: String, event: UInt64) -> EventAlias {
        EventAlias(name: name, terms: [EventTerm(name: "event", value: .number(event))])
    }
    let armFormats = [field("event", .config, 0...15), field("long", .config1, 0...0), field("rdpmc", .config1, 1...1)]
    let armAliases = [alias("cpu_cycles", event: 0x11), alias("inst_retired", event: 0x08), alias("l1d_cache_refill", event: 0x03)]
    let rk3399 = [
        PMU(name: "armv8_cortex_a53", type: 7, kind: .core, cpus: CPUSet(0...3), formats: armFormats, aliases: armAliases),
        PMU(name: "armv8_cortex_a72", type: 8, kind: .core, cpus: CPUSet(4...5), formats: armFormats, aliases: armAliases),
        PMU(name: "software", type: 1, kind: .software),
        PMU(name: "tracepoint", type: 2, kind: .tracepoint),
        PMU(name: "breakpoint", type: 5, kind: .breakpoint),
    ]
    let intelFormats = [
        field("event", .config, 0...7), field("umask", .config, 8...15), field("edge", .config, 18...18),
        field("inv", .config, 23...23), field("cmask", .config, 24...31),
    ]
    let topdown = EventAlias(name: "topdown-retiring", terms: [
        EventTerm(name: "event", value: .number(0)), EventTerm(name: "umask", value: .number(0x80)),
    ])
    let imcFormats = [field("event", .config, 0...7), field("umask", .config, 8...15)]
    let alderLake = [
        PMU(name: "cpu_core", type: 4, kind: .core, cpus: CPUSet(0...15), formats: intelFormats, aliases: [topdown]),
        PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet(16...23), formats: intelFormats),
        PMU(name: "software", type: 1, kind: .software),
        PMU(name: "uncore_imc_0", type: 20, kind: .uncore, cpus: CPUSet([0]), formats: imcFormats,
            aliases: [EventAlias(name: "data_reads", terms: [
                EventTerm(name: "event", value: .number(0xff)), EventTerm(name: "umask", value: .number(0x20)),
            ], scale: "6.103515625e-5", unit: "MiB")]),
        PMU(name: "uncore_imc_1", type: 21, kind: .uncore, cpus: CPUSet([0]), formats: imcFormats),
    ]
    // As recorded on an AMD EPYC guest without a vPMU (Fixtures/sysfs/amd-epyc-pvm).
    let amdEpycPVM = [
        PMU(name: "breakpoint", type: 5, kind: .breakpoint),
        PMU(name: "msr", type: 9, kind: .other, formats: [field("event", .config, 0...63)], aliases: [alias("tsc", event: 0)]),
        PMU(name: "software", type: 1, kind: .software),
        PMU(name: "tracepoint", type: 2, kind: .tracepoint),
        PMU(name: "uprobe", type: 8, kind: .other,
            formats: [field("retprobe", .config, 0...0), field("ref_ctr_offset", .config, 32...63)]),
    ]
    let synthetic = [
        PMU(name: "cpu", type: 4, kind: .core,
            formats: [
                field("event", .config, 0...7), field("umask", .config, 8...15),
                field("scatter", .config1, 0...0, 2...2, 4...4, 6...6, 8...8, 20...28),
                field("ldlat", .config1, 0...15),
            ],
            aliases: [
                EventAlias(name: "mem-loads", terms: [
                    EventTerm(name: "event", value: .number(0xcd)), EventTerm(name: "umask", value: .number(0x1)),
                    EventTerm(name: "ldlat", value: .parameter),
                ]),
                EventAlias(name: "Cycles-Upper", terms: [EventTerm(name: "event", value: .number(0x3c))]),
            ]),
        PMU(name: "software", type: 1, kind: .software),
    ]
    return [rk3399, alderLake, amdEpycPVM, synthetic]
}()

/// The tracepoints the mock tracefs has: path of the `id` file → content.
let fuzzTracefsRoot = "/fuzz-sys"
let fuzzTracepointIDs: [String: String] = [
    "syscalls/sys_enter_getppid": "321\n",
    "sched/sched_switch": "300",
    "bad/broken": "0x\n",
]

/// Read positions of the mock's open files (the fuzzer runs one input at a time, on one thread).
nonisolated(unsafe) var fuzzOpenFiles: [Int32: (content: [UInt8], position: Int)] = [:]

/// A tracefs whose files live in memory: every call the file system layer makes is answered here.
let fuzzTracefs: Tracefs = {
    let events = fuzzTracefsRoot + "/kernel/tracing/events"
    var system = SystemMock()
    let subsystems = Set(fuzzTracepointIDs.keys.map { String($0.split(separator: "/")[0]) })
    @Sendable func relative(_ path: String) -> Substring? {
        guard path.hasPrefix(events + "/") else { return nil }
        return path.dropFirst(events.count + 1)
    }
    system.fileType = { path in
        if path == events { return 2 }
        guard let rest = relative(path) else { return -2 }
        if subsystems.contains(String(rest)) || fuzzTracepointIDs[String(rest)] != nil { return 2 }
        if rest.hasSuffix("/id"), fuzzTracepointIDs[String(rest.dropLast(3))] != nil { return 1 }
        return -2
    }
    system.listDirectory = { path in
        if path == events { return .success(subsystems.sorted().map { DirectoryEntry(name: $0, kind: .directory) }) }
        guard let rest = relative(path), subsystems.contains(String(rest)) else { return .failure(.noSuchFileOrDirectory) }
        let names = fuzzTracepointIDs.keys.filter { $0.hasPrefix(rest + "/") }.map { String($0.dropFirst(rest.count + 1)) }
        return .success(names.sorted().map { DirectoryEntry(name: $0, kind: .directory) })
    }
    system.open = { path, _ in
        guard let rest = relative(path), rest.hasSuffix("/id"),
              let content = fuzzTracepointIDs[String(rest.dropLast(3))] else { return -2 }
        let fd = Int32(1000 + fuzzOpenFiles.count)
        fuzzOpenFiles[fd] = (Array(content.utf8), 0)
        return fd
    }
    system.read = { fd, buffer in
        guard let file = fuzzOpenFiles[fd] else { return -9 }
        let count = min(buffer.count, file.content.count - file.position)
        for index in 0..<count { buffer[index] = file.content[file.position + index] }
        fuzzOpenFiles[fd] = (file.content, file.position + count)
        return count
    }
    system.close = { fd in fuzzOpenFiles.removeValue(forKey: fd) == nil ? -9 : 0 }
    system.perfEventOpen = { _, _, _, _, _ in -1 }
    return Tracefs(root: fuzzTracefsRoot, fileSystem: system.installed { FileSystem() })
}()

func fuzzEventString(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let selector = bytes.first else { return }
    let machine = fuzzMachines[Int(selector) % fuzzMachines.count]
    let input = text(UnsafeBufferPointer(rebasing: bytes.dropFirst()))
    let utf8 = Array(input.utf8)

    let list: EventListSyntax
    do {
        list = try EventParser.parse(input)
    } catch {
        precondition(error.offset >= 0 && error.offset <= utf8.count, "error offset outside the input")
        precondition(error.input == input && !error.problem.isEmpty)
        return
    }
    // The syntax is of the input less the spaces perf's lexer skips; its items are that text,
    // cut at the top-level commas.
    precondition(list.input == EventParser.withoutSeparatorSpaces(input), "the syntax is not of the input less skipped spaces")
    precondition(list.groups.map { $0.text }.joined(separator: ",") == list.input, "items do not rebuild the input")
    let parsed = Array(list.input.utf8)
    func isSlice(_ text: String, at offset: Int) -> Bool {
        let utf8 = parsed
        let part = Array(text.utf8)
        return offset >= 0 && offset + part.count <= utf8.count && Array(utf8[offset..<offset + part.count]) == part
    }
    for group in list.groups {
        precondition(!group.members.isEmpty && (group.isGroup || group.members.count == 1))
        precondition(isSlice(group.text, at: group.offset), "group text is not the input at its offset")
        precondition(group.modifiers.precise <= 3)
        for member in group.members {
            precondition(isSlice(member.text, at: member.offset), "event text is not the input at its offset")
            precondition(member.modifiers.precise <= 3)  // `W` on a single event is taken, as perf 6.1 takes it
            // An event parses the same on its own.
            guard let alone = try? EventParser.parse(member.text), alone.groups.count == 1,
                  let only = alone.groups.first, !only.isGroup, only.members.count == 1,
                  only.members[0].kind == member.kind, only.members[0].modifiers == member.modifiers
            else { fatalError("event '\(member.text)' parses differently on its own") }
        }
    }

    let resolver = Resolver(pmus: machine, tracefs: fuzzTracefs, libpfm: nil)
    let resolved: [ResolvedGroup]
    do {
        resolved = try resolver.resolve(list)
    } catch {
        precondition(!error.description.isEmpty)
        return
    }
    precondition(fuzzOpenFiles.isEmpty, "tracefs left a file open")
    let syntaxByText = Dictionary(list.groups.flatMap { $0.members }.map { ($0.text, $0) }, uniquingKeysWith: { a, _ in a })
    for group in resolved {
        precondition(!group.events.isEmpty, "a resolved group without events")
        for event in group.events {
            checkResolved(event, syntax: syntaxByText[event.text], machine: machine)
        }
    }
}

/// What must hold for every resolved event, whatever the string was.
func checkResolved(_ event: Event, syntax: EventSyntax?, machine: [PMU]) {
    let attributes = event.attributes
    precondition(attributes.precise <= 3, "precise_ip above 3")
    let pmu = event.pmu.name.flatMap { name in machine.first { $0.name == name } }
    switch event.source {
    case .formatTerms, .sysfsAlias, .raw:
        if let pmu { precondition(attributes.type == pmu.type, "event on \(pmu.name) with type \(attributes.type)") }
    case .extendedTypeGeneric:
        guard let pmu else { fatalError("extended-type event without a PMU") }
        precondition(pmu.isCore && attributes.config >> 32 == UInt64(pmu.type), "extended type is not the PMU's")
        precondition(attributes.type == LegacyType.hardware || attributes.type == LegacyType.hardwareCache)
    case .tracepoint(let id):
        precondition(attributes.type == LegacyType.tracepoint && attributes.config == id)
        // A glob's expansions carry the tracepoint's own name as their text.
        let parts = event.text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !Glob.isPattern(parts[0]) && !Glob.isPattern(parts[1]),
              let content = fuzzTracepointIDs[parts[0] + "/" + parts[1]], parseNumber(content.filter { $0 != "\n" }) == id
        else { fatalError("tracepoint id \(id) is not the one tracefs holds") }
    case .breakpoint:
        precondition(attributes.type == LegacyType.breakpoint && (1...8).contains(attributes.config2))
        precondition(MachineArchitecture(pmus: machine).breakpointLengthProblem(attributes.config2) == nil)
        precondition(attributes.breakpointType != 0 && attributes.breakpointType & ~7 == 0)
    case .legacyGeneric, .libpfm:
        break
    }
    // Format terms: no bit outside the PMU's fields, and each field holds the value written last.
    guard case .pmu(_, let terms)? = syntax?.kind, let pmu,
          event.source == .formatTerms || event.source == .sysfsAlias(event.source.aliasName ?? "") else { return }
    let configWords = Set(ConfigWord.allCases.map { $0.name })
    guard !terms.contains(where: { configWords.contains($0.name) && pmu.format(named: $0.name) == nil }) else { return }
    for word in ConfigWord.allCases {
        let allowed = pmu.formats.filter { $0.word == word }.reduce(UInt64(0)) { $0 | $1.mask }
        precondition(attributes[word] & ~allowed == 0, "\(word.name) has bits outside the PMU's format fields")
    }
    // perf ORs every term into its field (the alias's terms too): a field holds the OR of
    // the values written to it.
    var written: [String: UInt64] = [:]
    var unknown: Set<String> = []
    func add(_ term: EventTerm) {
        switch term.value {
        case .number(let value): written[term.name, default: 0] |= value
        case .implicit: written[term.name, default: 0] |= 1
        case .parameter, .text: unknown.insert(term.name)
        }
    }
    for term in terms {
        if term.value == .implicit, pmu.format(named: term.name) == nil, let alias = pmu.alias(named: term.name) {
            alias.terms.forEach(add)
        } else {
            add(term)
        }
    }
    for (name, value) in written where !unknown.contains(name) {
        guard let field = pmu.format(named: name),
              !pmu.formats.contains(where: { $0.name != name && $0.overlaps(field) }) else { continue }
        precondition(field.unpack(attributes[field.word]) == value, "field \(name) does not hold \(value)")
    }
}

extension EventSource {
    /// The alias's name for ``sysfsAlias(_:)``.
    var aliasName: String? {
        if case .sysfsAlias(let name) = self { return name }
        return nil
    }
}
