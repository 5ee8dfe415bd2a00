import CPerfEvents
import Foundation
import Testing
@testable import PerfEvents

/// Mounts tracefs on /sys/kernel/tracing when it is not there (we run as root), as `.ci/ensure-deps.sh` does.
private func ensureTracefsMounted() throws {
    if FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events") { return }
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tracefs", "nodev", "/sys/kernel/tracing"]
    try mount.run()
    mount.waitUntilExit()
    try #require(FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events"), "could not mount tracefs")
}

/// A scratch sysfs root with the given files (relative path → content).
private func scratchRoot(_ files: [String: String]) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tracefs-\(UUID().uuidString)").path
    for (path, content) in files {
        let full = root + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: full, atomically: true, encoding: .utf8)
    }
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return root
}

@Suite(.timeLimit(.minutes(2)), .serialized) struct TracefsTests {
    @Test func realTracepointIDMatchesTheKernelsFile() throws {
        try ensureTracefsMounted()
        let file = "/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id"
        let expected = try #require(UInt64(
            try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try Tracefs().id(subsystem: "syscalls", event: "sys_enter_getppid") == expected)

        let resolved = try Resolver(pmus: LiveHost.inventory().pmus, libpfm: nil).resolve("syscalls:sys_enter_getppid")
        #expect(resolved.map { $0.events[0].attributes } == [EventAttributes(type: 2, config: expected)])
        #expect(resolved[0].events[0].source == .tracepoint(expected))
    }

    /// The id is the kernel's: a counter opened with it counts exactly the getppid calls made.
    @Test func realTracepointCountsTheCallsMade() throws {
        try ensureTracefsMounted()
        let id = try Tracefs().id(subsystem: "syscalls", event: "sys_enter_getppid")
        var attr = perf_event_attr()
        attr.type = 2
        attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
        attr.config = id
        attr.disabled = 1
        let system = SystemMock()
        let fd = system.perfEventOpen(&attr, 0, -1, -1, 0)
        try #require(fd >= 0, "perf_event_open: \(Errno(rawValue: -fd))")
        defer { _ = system.close(fd) }
        let enable: UInt64 = 0x2400, disable: UInt64 = 0x2401
        #expect(system.ioctl(fd, enable, 0) == 0)
        let calls = 1000
        for _ in 0..<calls { _ = getppid() }
        #expect(system.ioctl(fd, disable, 0) == 0)
        var count: UInt64 = 0
        let read = withUnsafeMutableBytes(of: &count) { system.read(fd, $0) }
        #expect(read == 8)
        #expect(count == UInt64(calls))
    }

    @Test func olderDebugMountPoint() throws {
        let root = try scratchRoot(["kernel/debug/tracing/events/sched/sched_switch/id": "316\n"])
        let tracefs = Tracefs(root: root)
        #expect(tracefs.eventsDirectory == root + "/kernel/debug/tracing/events")
        #expect(try tracefs.id(subsystem: "sched", event: "sched_switch") == 316)
        #expect(try tracefs.subsystems() == ["sched"])
        #expect(try tracefs.events(in: "sched") == ["sched_switch"])
    }

    @Test func missingEventSuggestsNeighbours() throws {
        let root = try scratchRoot([
            "kernel/tracing/events/sched/sched_switch/id": "316\n",
            "kernel/tracing/events/sched/sched_wakeup/id": "317\n",
        ])
        let tracefs = Tracefs(root: root)
        #expect(throws: TracefsError.noEvent(subsystem: "sched", event: "sched_swtich", suggestions: ["sched_switch"])) {
            try tracefs.id(subsystem: "sched", event: "sched_swtich")
        }
        #expect(throws: TracefsError.noSubsystem(subsystem: "shed", suggestions: ["sched"])) {
            try tracefs.id(subsystem: "shed", event: "sched_switch")
        }
        let error = TracefsError.noEvent(subsystem: "sched", event: "sched_swtich", suggestions: ["sched_switch"])
        #expect(error.description == "no tracepoint sched:sched_swtich; did you mean 'sched:sched_switch'?")
    }

    @Test func malformedIDIsAnError() throws {
        let root = try scratchRoot(["kernel/tracing/events/x/y/id": "twelve\n"])
        #expect(throws: TracefsError.malformedID(path: root + "/kernel/tracing/events/x/y/id", content: "twelve")) {
            try Tracefs(root: root).id(subsystem: "x", event: "y")
        }
    }

    @Test func notMounted() throws {
        let root = try scratchRoot(["kernel/tracing/README": "empty mount point\n"])
        #expect(throws: TracefsError.notMounted(candidates: [root + "/kernel/tracing", root + "/kernel/debug/tracing"])) {
            try Tracefs(root: root).id(subsystem: "sched", event: "sched_switch")
        }
        #expect(TracefsError.notMounted(candidates: ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]).description
            .hasPrefix("tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing"))
    }

    @Test func namesCannotClimbOutOfTheTree() throws {
        let root = try scratchRoot(["kernel/tracing/events/sched/sched_switch/id": "316\n"])
        #expect(throws: TracefsError.self) { try Tracefs(root: root).id(subsystem: "..", event: "sched") }
    }
}
