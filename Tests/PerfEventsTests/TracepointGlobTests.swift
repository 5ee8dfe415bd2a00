import Foundation
import Testing
@testable import PerfEvents

/// Tracepoint globs (`sched:*`, `syscalls:sys_enter_getpp*`) expand to every matching
/// tracepoint, as perf does, on a small tracefs tree made here.
@Suite(.timeLimit(.minutes(5)))
struct TracepointGlobTests {
    @Test(arguments: [
        ("*", "anything", true), ("sys_enter_getpp*", "sys_enter_getppid", true),
        ("sys_enter_getpp*", "sys_enter_getpid", false), ("sched_?witch", "sched_switch", true),
        ("sched_[sw]*", "sched_wakeup", true), ("sched_[!sw]*", "sched_wakeup", false),
        ("a[0-9]c", "a5c", true), ("a[0-9]c", "abc", false), ("*_exit", "sys_exit", true),
        ("*_exit", "sys_exit_x", false), ("a*b*c", "aXbYbZc", true), ("[abc", "[abc", true), ("", "", true),
    ])
    func globMatching(pattern: String, name: String, matches: Bool) {
        #expect(Glob.matches(pattern, name) == matches)
    }

    /// A tracefs with sched:{sched_switch,sched_wakeup} and syscalls:{sys_enter_getpid,sys_enter_getppid}.
    static func tracefs() throws -> Tracefs {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tp-glob-\(getpid())").path
        let events: [(String, String, Int)] = [
            ("sched", "sched_switch", 10), ("sched", "sched_wakeup", 11),
            ("syscalls", "sys_enter_getpid", 20), ("syscalls", "sys_enter_getppid", 21),
        ]
        for (system, event, id) in events {
            let directory = "\(root)/kernel/tracing/events/\(system)/\(event)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "\(id)\n".write(toFile: directory + "/id", atomically: true, encoding: .utf8)
        }
        return Tracefs(root: root)
    }

    @Test func globsExpandToEveryMatchingTracepoint() throws {
        let resolver = Resolver(pmus: [], tracefs: try Self.tracefs(), libpfm: nil)
        let getpp = try resolver.resolve("syscalls:sys_enter_getpp*").flatMap(\.events)
        #expect(getpp.map(\.attributes.config) == [21])
        #expect(getpp.map(\.text) == ["syscalls:sys_enter_getppid"])
        let sched = try resolver.resolve("sched:*:k").flatMap(\.events)
        #expect(sched.map(\.attributes.config) == [10, 11])
        #expect(sched.map(\.text) == ["sched:sched_switch:k", "sched:sched_wakeup:k"])
        #expect(sched.allSatisfy { $0.attributes.excludeUser && !$0.attributes.excludeKernel })
        #expect(try resolver.resolve("s*:sched_s*").flatMap(\.events).map(\.attributes.config) == [10])
        // In a group, every expansion is a member.
        let group = try resolver.resolve("{sched:*,syscalls:sys_enter_getpid}")
        #expect(group.count == 1 && group[0].events.map(\.attributes.config) == [10, 11, 20])
        // No match: an error naming the glob, as perf refuses it.
        #expect(throws: ResolutionError.self) { try resolver.resolve("sched:nothing_*") }
    }
}
