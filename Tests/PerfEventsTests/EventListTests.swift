import CPerfEvents
import Foundation
import Testing
@testable import PerfEvents

/// The event list: resolved groups in, counters per PMU and CPU out, every
/// refusal kept with its typed reason.
@Suite(.timeLimit(.minutes(5)), .serialized) struct EventListTests {
    /// Against this machine's kernel: singles and a group open, read in event
    /// order, and the tracepoint counts exactly the system calls made.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id"),
                   "needs tracefs with syscalls:sys_enter_getppid (mounted by make test's deps step)"))
    func opensSinglesAndGroupsAndCountsExactly() throws {
        let inventory = try LiveHost.inventory()
        let resolver = Resolver(pmus: inventory.pmus, libpfm: nil)
        let groups = try resolver.resolve("task-clock,syscalls:sys_enter_getppid,{page-faults,context-switches}")
        let list = EventList(groups, options: CounterOptions(target: .callingThread))
        #expect(list.counters.count == 2 && list.groups.count == 1)
        #expect(list.events.map(\.text) == ["task-clock", "syscalls:sys_enter_getppid", "page-faults", "context-switches"])
        #expect(list.events.map(\.pmu.name) == ["software", "tracepoint", "software", "software"])
        try list.enable()
        for _ in 0..<777 { _ = getppid() }
        try list.disable()
        for _ in 0..<10 { _ = getppid() }  // disabled: not counted
        let readings = list.read()
        #expect(readings.map(\.event) == list.events)
        #expect(readings[1].value.status == .counted && readings[1].value.raw == 777)
        #expect(readings[0].value.status == .counted && readings[0].value.raw > 0)
    }

    /// A refused event stays in the list, typed, and the others still open.
    @Test func aRefusalIsKeptWithItsErrno() throws {
        let calls = Recorder<[OpenCall]>([])
        let system = mockKernel(openResult: { call in
            call.type == LegacyType.hardware ? -Errno.noSuchFileOrDirectory.rawValue : 1000 + Int32(call.config)
        }, calls: calls)
        let resolver = Resolver(pmus: [PMU(name: "software", type: 1, kind: .software)],
                                tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
        let list = try system.installed { EventList(try resolver.resolve("cycles,task-clock"),
                             options: CounterOptions(machineHasCorePMU: false)) }
        #expect(list.entries.count == 2)
        guard case .unavailable(let reason) = list.entries[0].member, case .refused(let error) = reason else {
            Issue.record("cycles: \(list.entries[0].member)")
            return
        }
        #expect(error.errno == .noSuchFileOrDirectory && reason.errno == .noSuchFileOrDirectory)
        #expect(list.entries[0].events[0].pmu == .noCorePMU)
        #expect(list.counters.count == 1)
        #expect(list.read()[0].value.status == .notSupported(reason: reason))
        #expect(calls.current.map(\.type) == [LegacyType.hardware, LegacyType.software])
    }

    /// CPU-wide on a heterogeneous machine: each core PMU's events open on the
    /// target's CPUs it covers; a PMU that covers none is unavailable, naming both sets.
    @Test func cpuWideEventsOpenOnlyOnTheCPUsTheirPMUCovers() throws {
        let calls = Recorder<[OpenCall]>([])
        let system = mockKernel(openResult: { call in 1000 + call.cpu }, calls: calls)
        let big = PMU(name: "cpu_core", type: 8, kind: .core, cpus: CPUSet([0, 1]))
        let little = PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet([2, 3]))
        let resolver = Resolver(pmus: [big, little], tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
        let groups = try resolver.resolve("cycles")
        #expect(groups.flatMap(\.events).map(\.pmu) == [.pmu(big), .pmu(little)])
        let list = system.installed { EventList(groups, options: CounterOptions(target: .cpus(CPUSet([0, 1])))) }
        #expect(list.counters.count == 1)
        #expect(Set(calls.current.map(\.cpu)) == [0, 1])
        #expect(calls.current.allSatisfy { $0.config >> 32 == 8 })
        guard case .unavailable(let reason) = list.entries[1].member else {
            Issue.record("cpu_atom: \(list.entries[1].member)")
            return
        }
        #expect(reason == .noCoveredCPU(pmu: "cpu_atom", pmuCPUs: CPUSet([2, 3]), counted: CPUSet([0, 1])))
        #expect(reason.description == "cpu_atom covers CPUs 2-3, none of the CPUs counted (0-1)")
    }
}
