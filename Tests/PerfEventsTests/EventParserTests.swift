import Testing
@testable import PerfEvents

/// The single event of a one-item list.
private func single(_ text: String) throws -> EventSyntax {
    let list = try EventParser.parse(text)
    try #require(list.groups.count == 1)
    try #require(list.groups[0].members.count == 1)
    return list.groups[0].members[0]
}

/// The error parsing `text` throws.
private func failure(_ text: String) -> EventSyntaxError? {
    do {
        _ = try EventParser.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite(.timeLimit(.minutes(5))) struct EventParserTests {
    @Test(arguments: [
        ("cycles", GenericEvent.hardware(0)), ("cpu-cycles", .hardware(0)), ("instructions", .hardware(1)),
        ("cache-references", .hardware(2)), ("cache-misses", .hardware(3)), ("branches", .hardware(4)),
        ("branch-instructions", .hardware(4)), ("branch-misses", .hardware(5)), ("bus-cycles", .hardware(6)),
        ("stalled-cycles-frontend", .hardware(7)), ("idle-cycles-frontend", .hardware(7)),
        ("stalled-cycles-backend", .hardware(8)), ("idle-cycles-backend", .hardware(8)), ("ref-cycles", .hardware(9)),
        ("cpu-clock", .software(0)), ("task-clock", .software(1)), ("page-faults", .software(2)),
        ("faults", .software(2)), ("context-switches", .software(3)), ("cs", .software(3)),
        ("cpu-migrations", .software(4)), ("migrations", .software(4)), ("minor-faults", .software(5)),
        ("major-faults", .software(6)), ("alignment-faults", .software(7)), ("emulation-faults", .software(8)),
        ("dummy", .software(9)), ("bpf-output", .software(10)), ("cgroup-switches", .software(11)),
    ])
    func genericNames(name: String, expected: GenericEvent) throws {
        #expect(GenericEvent(named: name) == expected)
        #expect(try single(name).kind == .name(name))
    }

    /// cache | op << 8 | result << 16 (ops: 0 read, 1 write, 2 prefetch; results: 0 access, 1 miss).
    static let cacheVectors: [(String, UInt64)] = [
        ("L1-dcache-loads", 0x0),
        ("L1-dcache-load-misses", 0x10000),
        ("L1-dcache-stores", 0x100),
        ("L1-dcache-store-misses", 0x10100),
        ("L1-dcache-prefetch-misses", 0x10200),
        ("l1d-misses", 0x10000),
        ("L1-data-speculative-read-miss", 0x10200),
        ("L1-icache-loads", 0x1),
        ("L1-icache-load-misses", 0x10001),
        ("LLC-loads", 0x2),
        ("LLC-load-misses", 0x10002),
        ("L2-stores", 0x102),
        ("dTLB-load-misses", 0x10003),
        ("Data-TLB-stores", 0x103),
        ("iTLB-loads", 0x4),
        ("iTLB-load-misses", 0x10004),
        ("branch-loads", 0x5),
        ("branch-load-misses", 0x10005),
        ("bpu-misses", 0x10005),
        ("node-loads", 0x6),
        ("node-store-misses", 0x10106),
        ("node-misses-loads", 0x10006),
        ("LLC", 0x2),
    ]

    @Test(arguments: cacheVectors)
    func cacheNames(name: String, config: UInt64) {
        #expect(GenericEvent(named: name) == .cache(config))
    }

    /// perf's lexer spells names exactly: `CYCLES`, `Task-Clock`, `llc-loads`, `DTLB-stores` are no generic events.
    @Test(arguments: ["CYCLES", "Task-Clock", "Cycles", "llc-loads", "DTLB-stores", "l1-dcache-loads", "LLC-Loads", "L1-dcache-reference"])
    func genericNamesAreCaseSensitive(name: String) {
        #expect(GenericEvent(named: name) == nil)
    }

    @Test(arguments: ["L1-icache-stores", "iTLB-stores", "branch-prefetches", "L1-dcache-load-load", "LLC-misses-misses", "L3-loads", "dTLB-",
                        // perf 6.1's lexer has no "branches" cache (found by the generated conformance strings)
                        "branches-loads", "branches-misses", "branches-read-Reference"])
    func illegalCacheCombinations(name: String) {
        #expect(GenericEvent(named: name) == nil)
    }

    @Test func pmuWithAlias() throws {
        let event = try single("armv8_cortex_a72/cpu_cycles/")
        #expect(event.kind == .pmu(name: "armv8_cortex_a72", terms: [EventTerm(name: "cpu_cycles", value: .implicit)]))
    }

    @Test func pmuWithMixedAliasAndTerms() throws {
        let event = try single("armv8_pmuv3_0/cpu_cycles,long/")
        #expect(event.kind == .pmu(name: "armv8_pmuv3_0", terms: [
            EventTerm(name: "cpu_cycles", value: .implicit), EventTerm(name: "long", value: .implicit),
        ]))
    }

    @Test func pmuWithTermsAndModifiers() throws {
        let event = try single("cpu_core/event=0xc0,umask=0x1,cmask=2,name=retired/uk")
        #expect(event.kind == .pmu(name: "cpu_core", terms: [
            EventTerm(name: "event", value: .number(0xc0)), EventTerm(name: "umask", value: .number(1)),
            EventTerm(name: "cmask", value: .number(2)), EventTerm(name: "name", value: .text("retired")),
        ]))
        #expect(event.modifiers.user && event.modifiers.kernel)
        #expect(try single("cpu/event=0x3c/pp").modifiers.precise == 2)
    }

    /// `pmu//` (the form of `intel_pt//`) is an event with no terms, as in perf.
    @Test func emptyTermList() throws {
        #expect(try single("msr//").kind == .pmu(name: "msr", terms: []))
        #expect(try single("intel_pt//u").modifiers.user)
    }

    /// Tracepoint globs: `*`, `?` and `[…]` in either name.
    @Test func tracepointGlobs() throws {
        #expect(try single("sched:*").kind == .tracepoint(system: "sched", event: "*"))
        #expect(try single("syscalls:sys_enter_getpp*:u").kind == .tracepoint(system: "syscalls", event: "sys_enter_getpp*"))
        #expect(try single("sched:sched_[sw]*").kind == .tracepoint(system: "sched", event: "sched_[sw]*"))
        #expect(try single("s*:sched_switch").kind == .tracepoint(system: "s*", event: "sched_switch"))
    }

    /// Any breakpoint length parses: which ones the kernel takes depends on the architecture
    /// (the resolver checks), and perf passes them all through.
    @Test func breakpointLengthsParse() throws {
        #expect(try single("mem:0x1000/3").kind == .breakpoint(address: 0x1000, length: 3, access: [.read, .write]))
        #expect(try single("mem:0x1000/6:w").kind == .breakpoint(address: 0x1000, length: 6, access: .write))
    }

    @Test func configWordsAndParameters() throws {
        let event = try single("pmu/config=0x1234,config1=5,config3=0xffffffffffffffff,param=?/")
        #expect(event.kind == .pmu(name: "pmu", terms: [
            EventTerm(name: "config", value: .number(0x1234)), EventTerm(name: "config1", value: .number(5)),
            EventTerm(name: "config3", value: .number(UInt64.max)), EventTerm(name: "param", value: .parameter),
        ]))
    }

    @Test func raw() throws {
        #expect(try single("r00c0").kind == .raw(0xc0))
        #expect(try single("r1A2b:u").kind == .raw(0x1a2b))
        #expect(try single("rFFFFFFFFFFFFFFFF").kind == .raw(UInt64.max))
        // Not hexadecimal after the r: a name, not raw.
        #expect(try single("rusage").kind == .name("rusage"))
        #expect(try single("ref-cycles").kind == .name("ref-cycles"))
    }

    @Test func tracepoints() throws {
        #expect(try single("syscalls:sys_enter_getppid").kind == .tracepoint(system: "syscalls", event: "sys_enter_getppid"))
        let withModifiers = try single("sched:sched_switch:k")
        #expect(withModifiers.kind == .tracepoint(system: "sched", event: "sched_switch"))
        #expect(withModifiers.modifiers.kernel)
        #expect(try single("9p:9p_client_req").kind == .tracepoint(system: "9p", event: "9p_client_req"))
    }

    @Test func nameWithModifiersIsNotATracepoint() throws {
        let event = try single("tsc:u")
        #expect(event.kind == .name("tsc"))
        #expect(event.modifiers.user)
    }

    @Test func breakpoints() throws {
        #expect(try single("mem:0x1000").kind == .breakpoint(address: 0x1000, length: nil, access: [.read, .write]))
        #expect(try single("mem:0x1000/8:x").kind == .breakpoint(address: 0x1000, length: 8, access: .execute))
        #expect(try single("mem:4096/2:w").kind == .breakpoint(address: 4096, length: 2, access: .write))
        let withModifiers = try single("mem:0xdead:rw:u")
        #expect(withModifiers.kind == .breakpoint(address: 0xdead, length: nil, access: [.read, .write]))
        #expect(withModifiers.modifiers.user)
        let modifiersOnly = try single("mem:0xbeef:k")
        #expect(modifiersOnly.kind == .breakpoint(address: 0xbeef, length: nil, access: [.read, .write]))
        #expect(modifiersOnly.modifiers.kernel)
    }

    @Test func libpfm() throws {
        #expect(try single("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS:u=1:k=0").kind
            == .libpfm("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS:u=1:k=0"))
    }

    @Test func modifiers() throws {
        let all = try single("cycles:ukhGHIpppPDeS").modifiers
        #expect(all.user && all.kernel && all.hypervisor && all.guest && all.host && all.nonIdle)
        #expect(all.precise == 3 && all.preciseMax && all.pinned && all.exclusive && all.sampleRead)
        #expect(all.text == "ukhGHIpppPDeS")
    }

    /// What perf 6.1 takes and the generated conformance strings found refused here: `b` (BPF
    /// counters, no attribute bit), `W` on a single event, and `mem:ADDR/0` (the default length).
    @Test func perf61ModifierAndLengthEdgeCases() throws {
        let bpf = try single("cycles:Pb")
        #expect(bpf.kind == .name("cycles"))
        #expect(bpf.modifiers.bpfCounter && bpf.modifiers.preciseMax && bpf.modifiers.text == "Pb")
        #expect(try single("l1d_cache_refill:b").kind == .name("l1d_cache_refill"))
        let weak = try single("minor-faults:Wp")
        #expect(weak.modifiers.weak && weak.modifiers.precise == 1)
        #expect(try single("mem:0x1000/0:w").kind == .breakpoint(address: 0x1000, length: nil, access: .write))
        // A group's name is perf's lexer's `name`, glob characters and all.
        let named = try EventParser.parse("*.b{cs}")
        #expect(named.groups.first?.name == "*.b" && named.groups.first?.members.count == 1)
    }

    @Test func listsAndGroups() throws {
        let list = try EventParser.parse("cycles,{instructions:u,msr/tsc/,cs}:W,mem:0x10/4:r,sched:sched_switch")
        #expect(list.groups.count == 4)
        #expect(list.groups[0].isGroup == false)
        #expect(list.groups[1].isGroup)
        #expect(list.groups[1].text == "{instructions:u,msr/tsc/,cs}:W")
        #expect(list.groups[1].offset == 7)
        #expect(list.groups[1].members.map { $0.text } == ["instructions:u", "msr/tsc/", "cs"])
        #expect(list.groups[1].members[1].offset == 23)
        #expect(list.groups[1].modifiers.weak)
        #expect(list.groups[2].members[0].kind == .breakpoint(address: 0x10, length: 4, access: .read))
        #expect(list.groups[3].members[0].kind == .tracepoint(system: "sched", event: "sched_switch"))
    }

    @Test func commasInsideSlashesBelongToTheTerms() throws {
        let list = try EventParser.parse("{cpu_core/event=1,umask=2/,cpu_atom/event=3/}")
        #expect(list.groups.count == 1)
        #expect(list.groups[0].members.count == 2)
    }

    // MARK: errors: each names the input, the offset and the offending part

    /// perf's lexer skips spaces between tokens (`cycles, instructions`, `cpu/ event=1 /`,
    /// `cs :u`), not inside a name (`cs faults`) or before a breakpoint's `:`.
    @Test(arguments: [("cycles, instructions", "cycles,instructions"), (" cs ", "cs"), ("task-clock: u", "task-clock:u"),
                      ("{cs, faults}:u", "{cs,faults}:u"), ("msr/ tsc, event=0 /", "msr/tsc,event=0/"), ("r1a :u", "r1a:u"),
                      ("cs u", "cs:u"), ("cycles uk,cs", "cycles:uk,cs"),
                      ("mem:0x1000/8:wk", "mem:0x1000/8:w:k"), ("mem:0x1000:rwu", "mem:0x1000:rw:u"),
                      ("sched:sched_switch Ippp", "sched:sched_switch:Ippp"), ("7:9 I", "7:9:I")])
    func spacesBetweenTokens(input: String, same: String) throws {
        let parsed = try EventParser.parse(input)
        let plain = try EventParser.parse(same)
        #expect(parsed.groups.map { $0.members.map(\.kind) } == plain.groups.map { $0.members.map(\.kind) })
        #expect(parsed.groups.map { $0.members.map(\.modifiers) } == plain.groups.map { $0.members.map(\.modifiers) })
    }

    @Test(arguments: ["cs faults", "task-clock:u k", "mem:0x1000 :w", "mem :0x1000", "cs ux"])
    func spacesInsideATokenAreRefused(input: String) {
        #expect(throws: EventSyntaxError.self) { try EventParser.parse(input) }
    }

    /// perf takes an empty modifier list after an event (`cs:`, `mem:0x1000:w:`, `1:3:`) as none;
    /// not after a group (`{cs}:`) or a PMU event (`msr/tsc/:`).
    @Test(arguments: [("cycles:", "cycles"), ("mem:0x1000:w:", "mem:0x1000:w"), ("1:3:", "1:3"),
                      ("syscalls:sys_enter_read:", "syscalls:sys_enter_read"), ("{cs:,faults}", "{cs,faults}")])
    func emptyModifierListIsNone(input: String, same: String) throws {
        let parsed = try EventParser.parse(input)
        let plain = try EventParser.parse(same)
        #expect(parsed.groups.map { $0.members.map(\.kind) } == plain.groups.map { $0.members.map(\.kind) })
        #expect(parsed.groups.flatMap(\.members).allSatisfy { $0.modifiers.isEmpty })
    }

    @Test(arguments: [
        ("", 0, "empty event list"),
        ("cycles,", 6, "trailing comma"),
        ("cycles,,instructions", 7, "empty event between two commas"),
        (",cycles", 0, "empty event before ','"),
        ("{cycles,instructions", 0, "unbalanced '{'"),
        ("cycles}", 6, "unbalanced '}'"),
        ("{cycles,{instructions}}", 8, "nested group"),
        ("{}", 1, "empty group"),
        ("{cycles,}", 7, "trailing comma before '}'"),
        ("cpu/event=1", 3, "unbalanced '/'"),
        ("cpu/event=1/,cpu/umask=2", 16, "unbalanced '/'"),
        ("cpu/event=1/:u", 12, "no ':' after a PMU event's closing '/'"),
        ("cpu/event=0X3c/", 10, "lowercase '0x'"),
        ("mem:0X1000", 4, "lowercase '0x'"),
        ("sched:sched_sw!tch", 14, "glob characters"),
        ("/event=1/", 0, "missing PMU name"),
        ("cpu/event=1,,umask=2/", 12, "empty term"),
        ("cpu/event=/", 4, "missing value"),
        ("cpu/event=9zz/", 4, "not a number"),
        ("cpu/event=1/x", 12, "unknown modifier 'x'"),
        ("cpu/event=1/u/", 13, "unbalanced '/'"),
        ("cpu/event=1/u/x/", 12, "unexpected text after the closing '/'"),
        ("cycles:ux", 8, "unknown modifier 'x'"),
        ("cycles:uu", 8, "duplicate modifier 'u'"),
        ("cycles:pppp", 10, "at most three 'p'"),
        ("{cycles}:", 9, "empty modifier list"),
        ("cycles:u:k", 8, "takes one modifier list"),
        (":u", 0, "missing event name"),
        ("cycles:bb", 8, "duplicate modifier 'b'"),
        ("cycles:bpu", 7, "perf's cache name, not modifiers"),
        ("tracepoint/name=x*config2=0827/", 11, "unexpected '='"),
        ("{cycles}:x", 9, "unknown modifier 'x'"),
        ("a:b:c:d", 5, "too many ':'"),
        ("cyc les", 3, "unexpected character"),
        ("mem:", 4, "breakpoint address must be a number"),
        ("mem:zz", 4, "breakpoint address must be a number"),
        ("mem:0x1000/zz", 11, "length must be a number"),
        ("mem:0x1000:rx", 11, "execute breakpoint"),
        ("mem:0x1000:rr", 12, "repeated"),
        ("mem:0x1000:r:u:k", 14, "too many ':'"),
        ("::RETIRED", 0, "missing event name"),
        ("amd64::", 5, "missing libpfm4 event name"),
        ("cycles{", 6, "unbalanced '{'"),
        ("cycles:u{", 8, "'{' inside an event"),
    ])
    func errors(input: String, offset: Int, message: String) throws {
        let error = try #require(failure(input), "'\(input)' must not parse")
        #expect(error.input == input)
        #expect(error.offset == offset, "\(error)")
        #expect(error.description.contains(message), "\(error)")
        #expect(error.description.contains("'\(input)'"))
    }

    /// Bad input never crashes or hangs: random strings over the syntax's own characters
    /// either parse or throw an error whose offset lies inside the input.
    @Test func randomInputNeverCrashes() {
        let alphabet = Array("{}/,:=?rumkpGHWx0x1fc-_.mem:cycles::a ".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let resolver = Resolver(pmus: RecordedMachines.rk3399, tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 59)
            var bytes: [UInt8] = []
            for index in 0..<length {
                let pick = (state >> UInt64(index * 2 % 48)) ^ (state >> 7)
                bytes.append(alphabet[Int(pick % UInt64(alphabet.count))])
            }
            let input = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try EventParser.parse(input)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "\(error)")
            }
            _ = try? resolver.resolve(input)
        }
    }
}
