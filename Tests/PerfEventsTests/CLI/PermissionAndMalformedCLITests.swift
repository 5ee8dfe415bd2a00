import Foundation
import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(2))) struct CLIMalformedSysfsTests {
    /// `pmu list --sysfs-root` on every malformed tree: the good PMU is listed, the
    /// defect is a warning naming the file, and the exit status is 0.
    @Test(arguments: malformedCases) func listWarnsAndListsTheRest(_ expectation: MalformedCase) throws {
        let root = SysfsFixtures.malformed(expectation.name)
        let result = try CLI.run(["list", "--sysfs-root", root])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(rows.contains("software"))
        #expect(rows.contains("bad") == expectation.badListed)
        if let file = expectation.file {
            let path = root + "/bus/event_source/devices/" + file
            #expect(result.stderr.hasPrefix("warning: " + path + ": "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        } else {
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
        // The JSON form says the same.
        let json = try CLI.run(["list", "--json", "--sysfs-root", root])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let names = (object?["pmus"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(names.contains("software") && names.contains("bad") == expectation.badListed)
    }

    @Test func missingRootIsAnErrorNamingIt() throws {
        let result = try CLI.run(["list", "--sysfs-root", "/nonexistent-sysfs"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent-sysfs"))
    }
}

/// What an unprivileged user may count at this machine's perf_event_paranoid,
/// and what root may: the `pmu stat` CLI run as `nobody` (setpriv) and as root.
/// Changes no system setting.
@Suite(.timeLimit(.minutes(3)),
       .enabled(if: CLI.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                "needs root and /usr/bin/setpriv to run pmu as nobody"))
struct PermissionMatrixTests {
    /// The count of `event` in `pmu stat -x,` output (nil for `<not supported>`); as perf,
    /// a clock is in msec with two decimals, other counts are integers.
    func count(_ event: String, in output: String) -> Double? {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 2 && fields[2] == event { return Double(fields[0]) }
        }
        return nil
    }

    /// User-space counting of one's own command needs perf_event_paranoid <= 2: it works as nobody.
    @Test(.enabled(if: (CLI.paranoid ?? 3) <= 2, "perf_event_paranoid is above 2 here: nothing is allowed unprivileged"),
          arguments: ["task-clock:u", "page-faults:u", "cs:u"])
    func userSpaceCountingWorksUnprivileged(_ event: String) throws {
        let result = try CLI.run(["stat", "-x,", "-e", event, "--", "/bin/true"], asNobody: true)
        #expect(result.status == 0, "\(result.stderr)")
        let value = count(event, in: result.stdout + result.stderr)  // -x output goes to stderr, as perf's
        #expect(value != nil, "\(result.stdout)\(result.stderr)")
        if event != "cs:u" { #expect((value ?? 0) > 0, "a user-space count of 0: \(result.stderr)") }
    }

    /// Kernel counting needs perf_event_paranoid <= 1: as nobody at 2 it is refused with the
    /// level, the sysctl that would allow it and the capability that bypasses it; never a count.
    @Test(.enabled(if: (CLI.paranoid ?? 0) >= 2, "perf_event_paranoid is below 2 here: kernelCountingWorksUnprivileged runs instead"),
          arguments: ["task-clock", "page-faults", "tracepoint/config=%ID%/"])
    func kernelCountingIsRefusedWithAdvice(_ template: String) throws {
        let paranoid = try #require(CLI.paranoid)
        let id = try CountingKernelTests().getppidTracepoint()
        let event = template.replacingOccurrences(of: "%ID%", with: String(id))
        let result = try CLI.run(["stat", "-e", event, "--", "/bin/true"], asNobody: true)
        let text = result.stdout + result.stderr
        #expect(!text.contains("Fatal error") && result.status >= 0 && result.status < 128, "crashed: \(text)")
        #expect(text.contains("<not supported>"), "\(text)")
        #expect(text.contains("perf_event_paranoid is \(paranoid) (/proc/sys/kernel/perf_event_paranoid)"), "\(text)")
        #expect(text.contains("counting kernel space needs perf_event_paranoid <= 1"))
        #expect(text.contains("CAP_PERFMON") && text.contains("sysctl kernel.perf_event_paranoid=1"))
        #expect(text.contains("the :u modifier"))
    }

    /// Whole CPUs (-a, -C) as nobody: refused with the level that would allow it (0), even
    /// for user-space only counting; never a count.
    @Test(.enabled(if: (CLI.paranoid ?? 0) >= 1, "perf_event_paranoid is below 1 here: cpuWideCountingWorksUnprivileged runs instead"),
          arguments: [["-a"], ["-C", "0"]])
    func cpuWideCountingIsRefusedWithAdvice(_ scope: [String]) throws {
        let paranoid = try #require(CLI.paranoid)
        let result = try CLI.run(["stat", "--json", "-e", "task-clock:u"] + scope + ["--duration", "0.05"], asNobody: true)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["status"] as? String == "not-supported")
        #expect(event["count"] == nil || event["count"] is NSNull)
        let reason = event["reason"] as? String ?? ""
        #expect(reason.contains("perf_event_paranoid is \(paranoid)"), "\(reason)")
        #expect(reason.contains("counting whole CPUs needs perf_event_paranoid <= 0") && reason.contains("CAP_PERFMON"), "\(reason)")
    }

    /// The working path of kernelCountingIsRefusedWithAdvice: at perf_event_paranoid <= 1
    /// (read now) nobody counts kernel and user space of its own command.
    @Test(.enabled(if: (CLI.paranoid ?? 2) <= 1, "perf_event_paranoid is 2 or more here: kernelCountingIsRefusedWithAdvice runs instead"),
          arguments: ["task-clock", "page-faults"])
    func kernelCountingWorksUnprivileged(_ event: String) throws {
        let result = try CLI.run(["stat", "-x,", "-e", event, "--", "/bin/true"], asNobody: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect((count(event, in: result.stdout + result.stderr) ?? 0) > 0, "\(result.stdout)\(result.stderr)")
    }

    /// The working path of cpuWideCountingIsRefusedWithAdvice: at perf_event_paranoid <= 0
    /// (read now) nobody may count a whole CPU.
    @Test(.enabled(if: (CLI.paranoid ?? 1) <= 0, "perf_event_paranoid is 1 or more here: cpuWideCountingIsRefusedWithAdvice runs instead"))
    func cpuWideCountingWorksUnprivileged() throws {
        let result = try CLI.run(["stat", "--json", "-e", "task-clock", "-C", "0", "--duration", "0.05"], asNobody: true)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["status"] as? String == "counted", "\(event)")
        #expect((event["count"] as? Double ?? 0) > 0, "\(event)")
    }

    /// tracefs is root-only: as nobody a tracepoint name cannot be resolved, and the error says
    /// why (permission), not that tracefs is missing.
    @Test func tracepointNamesNeedTracefsAccess() throws {
        _ = try CountingKernelTests().getppidTracepoint()  // mounted
        let result = try CLI.run(["stat", "-e", "syscalls:sys_enter_getppid", "--", "/bin/true"], asNobody: true)
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read tracefs"), "\(result.stderr)")
        #expect(result.stderr.contains("EACCES") && result.stderr.contains("/sys/kernel/tracing/events"))
        #expect(!result.stderr.contains("not mounted"))
    }

    /// Another user's process (pid 1, root's) cannot be counted even user-only: the refusal
    /// is about ptrace access, and the message says so rather than blaming paranoid.
    @Test func anotherUsersProcessIsRefusedForPtrace() throws {
        let result = try CLI.run(["stat", "-p", "1", "--duration", "0.01", "-e", "task-clock:u"], asNobody: true)
        let text = result.stdout + result.stderr
        #expect(text.contains("<not supported>") && text.contains("ptrace access"), "\(text)")
    }

    /// A kernel tracepoint with ':u' opens but can never count: the report says so
    /// instead of showing a bare 0.
    @Test func userOnlyTracepointIsNotASilentZero() throws {
        let id = try CountingKernelTests().getppidTracepoint()
        let result = try CLI.run(["stat", "-e", "tracepoint/config=\(id)/u", "--", "/bin/true"], asNobody: true)
        #expect(result.status == 0)
        #expect((result.stdout + result.stderr).contains("tracepoints fire in the kernel"), "\(result.stdout)")
    }

    /// As root everything in the matrix counts; the tracepoint exactly (the difference
    /// between a command making 200 and 100 getppid calls is 100).
    @Test func rootCountsKernelEventsAndTracepointsExactly() throws {
        func getppidCount(_ calls: Int) throws -> Double? {
            let result = try CLI.run([
                "stat", "-x,", "-e", "syscalls:sys_enter_getppid,task-clock,page-faults,task-clock:u", "--",
                "/usr/bin/python3", "-c", "import os\nfor _ in range(\(calls)): os.getppid()",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            for event in ["task-clock", "page-faults", "task-clock:u"] {
                #expect((count(event, in: result.stderr) ?? 0) > 0, "\(event): \(result.stderr)")
            }
            return count("syscalls:sys_enter_getppid", in: result.stderr)
        }
        _ = try CountingKernelTests().getppidTracepoint()
        let few = try #require(try getppidCount(100))
        let more = try #require(try getppidCount(200))
        #expect(more - few == 100)
    }
}
