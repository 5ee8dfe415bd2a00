import Foundation
import Testing
@testable import PerfEvents

/// The vectors of perf's own parser test (tools/perf/tests/parse-events.c, `test__events`
/// and `test__events_pmu`), each with what perf's check function requires, on an x86 machine
/// with one core PMU `cpu` (type 4, as where perf's tests run) and a small tracefs.
/// perf's format-packing vector (tools/perf/tests/pmu.c) is in FormatFieldTests.
///
/// Left out: `*:*` and `syscalls:*` are checked on this test's tracefs, not the host's; the
/// older checks of `exclude_guest` on events without G/H modifiers are perf's pre-6.13 default,
/// which the library deliberately does not have (see DeliberateDifferences.swift).
@Suite(.timeLimit(.minutes(5)))
struct PerfParseEventsVectorTests {
    static let tracefs: Tracefs = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("perf-vectors-\(getpid())").path
        let events: [(String, String, Int)] = [
            ("syscalls", "sys_enter_openat", 600), ("syscalls", "sys_exit_openat", 601),
            ("syscalls", "sys_enter_getppid", 602), ("sched", "sched_switch", 300),
        ]
        for (system, event, id) in events {
            let directory = "\(root)/kernel/tracing/events/\(system)/\(event)"
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? "\(id)\n".write(toFile: directory + "/id", atomically: true, encoding: .utf8)
        }
        return Tracefs(root: root)
    }()

    static let pmus: [PMU] = [
        PMU(name: "cpu", type: 4, kind: .core, formats: [
            FormatField(name: "event", word: .config, ranges: [0...7]),
            FormatField(name: "umask", word: .config, ranges: [8...15]),
        ]),
        PMU(name: "software", type: 1, kind: .software),
        PMU(name: "tracepoint", type: 2, kind: .tracepoint),
        PMU(name: "breakpoint", type: 5, kind: .breakpoint),
    ]

    func resolve(_ text: String) throws -> [ResolvedGroup] {
        try Resolver(pmus: Self.pmus, tracefs: Self.tracefs, libpfm: nil, architecture: .x86).resolve(text)
    }

    func events(_ text: String) throws -> [EventAttributes] {
        try resolve(text).flatMap(\.events).map(\.attributes)
    }

    /// Privilege filters as perf's checks state them: (exclude_user, exclude_kernel, exclude_hv, precise_ip).
    func excludes(_ a: EventAttributes) -> (Bool, Bool, Bool, UInt8) {
        (a.excludeUser, a.excludeKernel, a.excludeHypervisor, a.precise)
    }

    @Test func singleEvents() throws {
        // 0, 12: a tracepoint, and with :k
        #expect(try events("syscalls:sys_enter_openat") == [EventAttributes(type: 2, config: 600)])
        #expect(try excludes(events("syscalls:sys_enter_openat:k")[0]) == (true, false, true, 0))
        // 1, 13: a tracepoint glob, every match; with :u
        let all = try events("syscalls:*")
        #expect(all.count == 3 && all.allSatisfy { $0.type == 2 })
        #expect(try events("syscalls:*:u").allSatisfy { excludes($0) == (false, true, true, 0) })
        #expect(try events("*:*").count == 4)
        // 2, 14: raw
        #expect(try events("r1a") == [EventAttributes(type: 4, config: 0x1a)])
        #expect(try excludes(events("r1a:kp")[0]) == (true, false, true, 1))
        // 3, 15: type:config
        #expect(try events("1:1") == [EventAttributes(type: 1, config: 1)])
        #expect(try excludes(events("1:1:hp")[0]) == (true, true, false, 1))
        // 4, 16: a symbolic hardware name
        #expect(try events("instructions") == [EventAttributes(type: 0, config: 1)])
        #expect(try excludes(events("instructions:h")[0]) == (true, true, false, 0))
        // 5: perf's own terms on a symbolic name
        let configured = try events("cycles/period=100000,config2/")[0]
        #expect(configured.type == 0 && configured.config == 0 && configured.config1 == 0 && configured.config2 == 1)
        #expect(configured.sampling == .period(100000))
        // 6, 17: a software alias
        #expect(try events("faults") == [EventAttributes(type: 1, config: 2)])
        #expect(try excludes(events("faults:u")[0]) == (false, true, true, 0))
        // 7, 18: a cache event
        #expect(try events("L1-dcache-load-miss") == [EventAttributes(type: 3, config: 1 << 16)])
        #expect(try excludes(events("L1-dcache-load-miss:kp")[0]) == (true, false, true, 1))
        // 24, 25: G and H
        let guest = try events("instructions:G")[0], host = try events("instructions:H")[0]
        #expect(!guest.excludeGuest && guest.excludeHost)
        #expect(host.excludeGuest && !host.excludeHost)
        // 40: pinned
        let pinned = try events("instructions:uDp")[0]
        #expect(excludes(pinned) == (false, true, true, 1) && pinned.pinned)
        // 45, 46: exclude_idle
        let idle = try events("instructions:I")[0]
        #expect(idle.excludeIdle && !idle.excludeGuest && !idle.excludeHost && excludes(idle) == (false, false, false, 0))
        let idleKernelGuest = try events("instructions:kIG")[0]
        #expect(idleKernelGuest.excludeIdle && !idleKernelGuest.excludeGuest && idleKernelGuest.excludeHost)
        #expect(excludes(idleKernelGuest) == (true, false, true, 0))
        // 47: P, then a second event
        let precise = try resolve("task-clock:P,cycles").flatMap(\.events)
        #expect(precise.count == 2 && precise[0].attributes.type == 1 && precise[0].attributes.config == 1)
        #expect(precise[0].modifiers.preciseMax)
        // 23: a list of three
        let list = try events("r1,syscalls:sys_enter_openat:k,1:1:hp")
        #expect(list.count == 3)
        #expect(list[0] == EventAttributes(type: 4, config: 1))
        #expect(list[1].type == 2 && excludes(list[1]) == (true, false, true, 0))
        #expect(list[2].type == 1 && list[2].config == 1 && excludes(list[2]) == (true, true, false, 1))
    }

    @Test func breakpoints() throws {
        // 8-11, 26: type 5, config 0, bp_type R|W / X / R / W / R|W, bp_len 4 (8 = sizeof(long) for X)
        let cases: [(String, UInt32, UInt64)] = [
            ("mem:0", 3, 4), ("mem:0:x", 4, 8), ("mem:0:r", 1, 4), ("mem:0:w", 2, 4), ("mem:0:rw", 3, 4),
            ("mem:0/1", 3, 1), ("mem:0/2:w", 2, 2), ("mem:0/4:rw:u", 3, 4),  // 42-44
        ]
        for (text, type, length) in cases {
            let a = try events(text)[0]
            #expect(a.type == 5 && a.config == 0 && a.config1 == 0, "\(text)")
            #expect(a.breakpointType == type && a.config2 == length, "\(text)")
        }
        // 19-22, 27, 44: modifiers, and perf's names for them
        let modified: [(String, (Bool, Bool, Bool, UInt8))] = [
            ("mem:0:u", (false, true, true, 0)), ("mem:0:x:k", (true, false, true, 0)),
            ("mem:0:r:hp", (true, true, false, 1)), ("mem:0:w:up", (false, true, true, 1)),
            ("mem:0:rw:kp", (true, false, true, 1)), ("mem:0/4:rw:u", (false, true, true, 0)),
        ]
        for (text, expected) in modified {
            let event = try resolve(text)[0].events[0]
            #expect(excludes(event.attributes) == expected, "\(text)")
            #expect(event.label == text)
        }
    }

    @Test func groups() throws {
        // 28: {instructions:k,cycles:upp}
        let one = try resolve("{instructions:k,cycles:upp}")
        #expect(one.count == 1 && one[0].isGroup && one[0].events.count == 2)
        #expect(excludes(one[0].events[0].attributes) == (true, false, true, 0))
        #expect(excludes(one[0].events[1].attributes) == (false, true, true, 2))
        #expect(one[0].events[1].attributes.excludeGuest)  // precise implies exclude_guest

        // 29: {faults:k,cache-references}:u,cycles:k
        let two = try resolve("{faults:k,cache-references}:u,cycles:k")
        #expect(two.count == 2)
        #expect(two[0].events[0].attributes.config == 2 && excludes(two[0].events[0].attributes) == (false, false, true, 0))
        #expect(two[0].events[1].attributes.config == 2 && two[0].events[1].attributes.type == 0)
        #expect(excludes(two[0].events[1].attributes) == (false, true, true, 0))
        #expect(!two[1].isGroup && excludes(two[1].events[0].attributes) == (true, false, true, 0))

        // 30: named groups
        let three = try resolve("group1{syscalls:sys_enter_openat:H,cycles:kppp},group2{cycles,1:3}:G,instructions:u")
        #expect(three.count == 3)
        let tracepoint = three[0].events[0].attributes, cycles = three[0].events[1].attributes
        #expect(tracepoint.type == 2 && tracepoint.excludeGuest && !tracepoint.excludeHost)
        #expect(excludes(cycles) == (true, false, true, 3) && cycles.excludeGuest && !cycles.excludeHost)
        for member in three[1].events.map(\.attributes) {
            #expect(!member.excludeGuest && member.excludeHost)
        }
        #expect(three[1].events[1].attributes.type == 1 && three[1].events[1].attributes.config == 3)
        #expect(excludes(three[2].events[0].attributes) == (false, true, true, 0))
        let names = try EventParser.parse("group1{cs,faults},group2{cs}:u").groups.map(\.name)
        #expect(names == ["group1", "group2"])

        // 31: {cycles:u,instructions:kp}:p
        let four = try resolve("{cycles:u,instructions:kp}:p")[0].events.map(\.attributes)
        #expect(excludes(four[0]) == (false, true, true, 1) && four[0].excludeGuest)
        #expect(excludes(four[1]) == (true, false, true, 2) && four[1].excludeGuest)

        // 32: {cycles,instructions}:G,{cycles:G,instructions:G},cycles
        let five = try resolve("{cycles,instructions}:G,{cycles:G,instructions:G},cycles")
        #expect(five.count == 3)
        for member in (five[0].events + five[1].events).map(\.attributes) {
            #expect(!member.excludeGuest && member.excludeHost)
        }
        #expect(!five[2].events[0].attributes.excludeHost)

        // 34-37: G and H in groups and members
        let gh1 = try resolve("{cycles,cache-misses:G}:H")[0].events.map(\.attributes)
        #expect(gh1[0].excludeGuest && !gh1[0].excludeHost)
        #expect(!gh1[1].excludeGuest && !gh1[1].excludeHost)
        let gh2 = try resolve("{cycles,cache-misses:H}:G")[0].events.map(\.attributes)
        #expect(!gh2[0].excludeGuest && gh2[0].excludeHost)
        #expect(!gh2[1].excludeGuest && !gh2[1].excludeHost)
        let gh3 = try resolve("{cycles:G,cache-misses:H}:u")[0].events.map(\.attributes)
        #expect(excludes(gh3[0]) == (false, true, true, 0) && !gh3[0].excludeGuest && gh3[0].excludeHost)
        #expect(excludes(gh3[1]) == (false, true, true, 0) && gh3[1].excludeGuest && !gh3[1].excludeHost)
        let gh4 = try resolve("{cycles:G,cache-misses:H}:uG")[0].events.map(\.attributes)
        #expect(excludes(gh4[0]) == (false, true, true, 0) && !gh4[0].excludeGuest && gh4[0].excludeHost)
        #expect(excludes(gh4[1]) == (false, true, true, 0) && !gh4[1].excludeGuest && !gh4[1].excludeHost)

        // 38, 39: S, the leader samples the group
        let sample = try resolve("{cycles,cache-misses,branch-misses}:S")[0].events
        #expect(sample.count == 3 && sample.allSatisfy { $0.modifiers.sampleRead })
        let sampleUser = try resolve("{instructions,branch-misses}:Su")[0].events
        #expect(sampleUser.allSatisfy { $0.modifiers.sampleRead && excludes($0.attributes) == (false, true, true, 0) })

        // 41: D pins the leader only
        let pinned = try resolve("{cycles,cache-misses,branch-misses}:D")[0].events.map(\.attributes.pinned)
        #expect(pinned == [true, false, false])
    }

    @Test func pmuEvents() throws {
        // test__events_pmu 0: config words and period on the cpu PMU
        let first = try resolve("cpu/config=10,config1,config2=3,period=1000/u")[0].events[0]
        #expect(first.attributes.type == 4 && first.attributes.config == 10)
        #expect(first.attributes.config1 == 1 && first.attributes.config2 == 3)
        #expect(first.attributes.sampling == .period(1000))
        #expect(excludes(first.attributes) == (false, true, true, 0))
        // 1: name=
        let named = try resolve("cpu/config=1,name=krava/u,cpu/config=2/u").flatMap(\.events)
        #expect(named.map(\.attributes.config) == [1, 2])
        #expect(named.map(\.label) == ["krava", "cpu/config=2/u"])
        // 2: call-graph, time, period per event
        let graphs = try resolve("cpu/config=1,call-graph=fp,time,period=100000/,cpu/config=2,call-graph=no,time=0,period=2000/")
            .flatMap(\.events)
        #expect(graphs[0].settings.callGraph == "fp" && graphs[0].settings.sampleTime == true)
        #expect(graphs[0].attributes.sampling == .period(100000))
        #expect(graphs[1].settings.callGraph == "no" && graphs[1].settings.sampleTime == false)
        #expect(graphs[1].attributes.sampling == .period(2000))
        // test__terms: config=10,config1,config2=3,umask=1
        let terms = try TermList.parse("config=10,config1,config2=3,umask=1")
        #expect(terms == [
            EventTerm(name: "config", value: .number(10)), EventTerm(name: "config1", value: .implicit),
            EventTerm(name: "config2", value: .number(3)), EventTerm(name: "umask", value: .number(1)),
        ])
    }
}
