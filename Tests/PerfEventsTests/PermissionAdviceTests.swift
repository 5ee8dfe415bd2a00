import Testing
@testable import PerfEvents

/// The advice for refusals found while testing as an unprivileged user.
@Suite(.timeLimit(.minutes(5))) struct PermissionAdviceTests {
    /// tracefs mounted but mode 0700: "permission denied on …/events", not "not mounted".
    @Test func closedTracefsIsReportedAsUnreadable() {
        var system = SystemMock()
        system.fileType = { _ in -Errno.permissionDenied.rawValue }
        let tracefs = Tracefs(root: "/sys", fileSystem: system.installed { FileSystem() })
        let expected = TracefsError.unreadable(
            SystemError(call: "stat", subject: "/sys/kernel/tracing/events", errno: .permissionDenied))
        #expect(throws: expected) { try tracefs.id(subsystem: "syscalls", event: "sys_enter_getppid") }
        system.fileType = { _ in -Errno.noSuchFileOrDirectory.rawValue }
        let absent = Tracefs(root: "/sys", fileSystem: system.installed { FileSystem() })
        #expect(throws: TracefsError.notMounted(candidates: absent.candidateDirectories)) {
            try absent.id(subsystem: "syscalls", event: "sys_enter_getppid")
        }
    }

    /// A kernel tracepoint with exclude_kernel counts nothing: resolution notes it, for a
    /// single event, a group modifier and the tracepoint PMU's raw config; uprobes are exempt.
    @Test(arguments: ["tracepoint/config=5/u", "{tracepoint/config=5/}:u", "tracepoint/config=5/k"])
    func userOnlyTracepointGetsANote(_ text: String) throws {
        let resolver = Resolver(pmus: try RecordedMachines.amdEpycPVM(), libpfm: nil)
        let event = try #require(try resolver.resolve(text).first?.events.first)
        #expect(event.attributes.type == LegacyType.tracepoint)
        #expect((event.note?.contains("tracepoints fire in the kernel") ?? false) == event.attributes.excludeKernel)
    }

    /// Allowed by paranoid but refused: for another thread, ptrace access is the likely reason.
    @Test func refusalForAnotherThreadMentionsPtrace() {
        let explanation = OpenFailureExplanation(
            errno: .permissionDenied, attributes: EventAttributes(type: 1, config: 1, excludeKernel: true),
            target: .threads([1]), paranoid: 2, paranoidPath: "/proc/sys/kernel/perf_event_paranoid",
            machineHasCorePMU: false)
        #expect(explanation.message.contains("ptrace access"))
        let own = OpenFailureExplanation(
            errno: .permissionDenied, attributes: EventAttributes(type: 1, config: 1, excludeKernel: true),
            target: .callingThread, paranoid: 2, paranoidPath: "/proc/sys/kernel/perf_event_paranoid",
            machineHasCorePMU: false)
        #expect(own.message.contains("seccomp") && !own.message.contains("ptrace"))
    }
}
