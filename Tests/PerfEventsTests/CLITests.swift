import Foundation
import Testing
@testable import PerfEvents

/// The `pmu` executable, run as a user would: on malformed sysfs trees, and
/// (when the tests run as root) as the unprivileged user `nobody` to check
/// what perf_event_paranoid lets through and what the refusals say.
enum PMUExecutable {
    /// The `pmu` binary SwiftPM built next to the test bundle (`swift build --build-tests`
    /// builds every product into the same directory, whatever the scratch path).
    static let path: String? = {
        var candidates: [String] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        for _ in 0..<4 {  // the runner may sit inside a bundle directory
            candidates.append(directory.appendingPathComponent("pmu").path)
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/pmu").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `pmu` with `arguments`, as `nobody` through setpriv when `asNobody`.
    static func run(_ arguments: [String], asNobody: Bool = false) throws -> Result {
        let binary = try #require(path, "the pmu executable was not built (swift build --build-tests builds it)")
        let process = Process()
        if asNobody {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try #require(nobodyCopy, "could not copy pmu to /tmp for nobody")] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                      errors: String(decoding: err, as: UTF8.self))
    }

    /// A copy of the binary that nobody can reach (the build directory may not be),
    /// made once (a static is initialized once, whatever thread asks first).
    static let nobodyCopy: String? = {
        guard let binary = path else { return nil }
        let directory = "/tmp/pmu-nobody-\(getpid())"
        let copy = directory + "/pmu"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            try FileManager.default.copyItem(atPath: binary, toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        } catch {
            return nil
        }
        return copy
    }()

    static var isRoot: Bool { getuid() == 0 }
    static var paranoid: Int? { (try? FileSystem().readAttribute("/proc/sys/kernel/perf_event_paranoid")).flatMap { Int($0) } }
}

@Suite struct CLIMalformedSysfsTests {
    /// `pmu list --sysfs-root` on every malformed tree: the good PMU is listed, the
    /// defect is a warning naming the file, and the exit status is 0.
    @Test(arguments: malformedCases) func listWarnsAndListsTheRest(_ expectation: MalformedCase) throws {
        let root = SysfsFixtures.malformed(expectation.name)
        let result = try PMUExecutable.run(["list", "--sysfs-root", root])
        #expect(result.status == 0, "\(result.errors)")
        let rows = result.output.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(rows.contains("software"))
        #expect(rows.contains("bad") == expectation.badListed)
        if let file = expectation.file {
            let path = root + "/bus/event_source/devices/" + file
            #expect(result.errors.hasPrefix("warning: " + path + ": "), "\(result.errors)")
            #expect(result.errors.split(separator: "\n").count == 1)
        } else {
            #expect(result.errors.isEmpty, "\(result.errors)")
        }
        // The JSON form says the same.
        let json = try PMUExecutable.run(["list", "--json", "--sysfs-root", root])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let names = (object?["pmus"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(names.contains("software") && names.contains("bad") == expectation.badListed)
    }

    @Test func missingRootIsAnErrorNamingIt() throws {
        let result = try PMUExecutable.run(["list", "--sysfs-root", "/nonexistent-sysfs"])
        #expect(result.status != 0)
        #expect(result.errors.contains("/nonexistent-sysfs"))
    }
}

/// What an unprivileged user may count at this machine's perf_event_paranoid,
/// and what root may: the `pmu stat` CLI run as `nobody` (setpriv) and as root.
/// Changes no system setting.
@Suite(.enabled(if: PMUExecutable.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
struct PermissionMatrixTests {
    /// The count of `event` in `pmu stat -x,` output (nil for `<not supported>`).
    func count(_ event: String, in output: String) -> UInt64? {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 2 && fields[2] == event { return UInt64(fields[0]) }
        }
        return nil
    }

    /// User-space counting of one's own command needs perf_event_paranoid <= 2: it works as nobody.
    @Test(arguments: ["task-clock:u", "page-faults:u", "cs:u"])
    func userSpaceCountingWorksUnprivileged(_ event: String) throws {
        let paranoid = try #require(PMUExecutable.paranoid)
        try #require(paranoid <= 2, "perf_event_paranoid is \(paranoid): nothing is allowed unprivileged")
        let result = try PMUExecutable.run(["stat", "-x,", "-e", event, "--", "/bin/true"], asNobody: true)
        #expect(result.status == 0, "\(result.errors)")
        let value = count(event, in: result.output + result.errors)  // -x output goes to stderr, as perf's
        #expect(value != nil, "\(result.output)\(result.errors)")
        if event != "cs:u" { #expect((value ?? 0) > 0, "a user-space count of 0: \(result.errors)") }
    }

    /// Kernel counting needs perf_event_paranoid <= 1: as nobody at 2 it is refused with the
    /// level, the sysctl that would allow it and the capability that bypasses it; never a count.
    @Test(arguments: ["task-clock", "page-faults", "tracepoint/config=%ID%/"])
    func kernelCountingIsRefusedWithAdvice(_ template: String) throws {
        let paranoid = try #require(PMUExecutable.paranoid)
        try #require(paranoid >= 2, "perf_event_paranoid is \(paranoid): kernel counting is allowed")
        let id = try CountingKernelTests().getppidTracepoint()
        let event = template.replacingOccurrences(of: "%ID%", with: String(id))
        let result = try PMUExecutable.run(["stat", "-e", event, "--", "/bin/true"], asNobody: true)
        let text = result.output + result.errors
        #expect(!text.contains("Fatal error") && result.status >= 0 && result.status < 128, "crashed: \(text)")
        #expect(text.contains("<not supported>"), "\(text)")
        #expect(text.contains("perf_event_paranoid is \(paranoid) (/proc/sys/kernel/perf_event_paranoid)"), "\(text)")
        #expect(text.contains("counting kernel space needs perf_event_paranoid <= 1"))
        #expect(text.contains("CAP_PERFMON") && text.contains("sysctl kernel.perf_event_paranoid=1"))
        #expect(text.contains("the :u modifier"))
    }

    /// tracefs is root-only: as nobody a tracepoint name cannot be resolved, and the error says
    /// why (permission), not that tracefs is missing.
    @Test func tracepointNamesNeedTracefsAccess() throws {
        _ = try CountingKernelTests().getppidTracepoint()  // mounted
        let result = try PMUExecutable.run(["stat", "-e", "syscalls:sys_enter_getppid", "--", "/bin/true"], asNobody: true)
        #expect(result.status != 0)
        #expect(result.errors.contains("cannot read tracefs"), "\(result.errors)")
        #expect(result.errors.contains("EACCES") && result.errors.contains("/sys/kernel/tracing/events"))
        #expect(!result.errors.contains("not mounted"))
    }

    /// Another user's process (pid 1, root's) cannot be counted even user-only: the refusal
    /// is about ptrace access, and the message says so rather than blaming paranoid.
    @Test func anotherUsersProcessIsRefusedForPtrace() throws {
        let result = try PMUExecutable.run(["stat", "-p", "1", "--duration", "0.01", "-e", "task-clock:u"], asNobody: true)
        let text = result.output + result.errors
        #expect(text.contains("<not supported>") && text.contains("ptrace access"), "\(text)")
    }

    /// A kernel tracepoint with ':u' opens but can never count: the report says so
    /// instead of showing a bare 0.
    @Test func userOnlyTracepointIsNotASilentZero() throws {
        let id = try CountingKernelTests().getppidTracepoint()
        let result = try PMUExecutable.run(["stat", "-e", "tracepoint/config=\(id)/u", "--", "/bin/true"], asNobody: true)
        #expect(result.status == 0)
        #expect((result.output + result.errors).contains("tracepoints fire in the kernel"), "\(result.output)")
    }

    /// As root everything in the matrix counts; the tracepoint exactly (the difference
    /// between a command making 200 and 100 getppid calls is 100).
    @Test func rootCountsKernelEventsAndTracepointsExactly() throws {
        func getppidCount(_ calls: Int) throws -> UInt64? {
            let result = try PMUExecutable.run([
                "stat", "-x,", "-e", "syscalls:sys_enter_getppid,task-clock,page-faults,task-clock:u", "--",
                "/usr/bin/python3", "-c", "import os\nfor _ in range(\(calls)): os.getppid()",
            ])
            #expect(result.status == 0, "\(result.errors)")
            for event in ["task-clock", "page-faults", "task-clock:u"] {
                #expect((count(event, in: result.errors) ?? 0) > 0, "\(event): \(result.errors)")
            }
            return count("syscalls:sys_enter_getppid", in: result.errors)
        }
        _ = try CountingKernelTests().getppidTracepoint()
        let few = try #require(try getppidCount(100))
        let more = try #require(try getppidCount(200))
        #expect(more - few == 100)
    }
}
