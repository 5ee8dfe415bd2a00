import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)), .serialized) struct StatCommandTests {
    @Test func tracepointCountsExactlyTheCallsMadeAndAgreesWithPerf() throws {
        CLI.ensureTracefs()
        let calls = 4321
        let result = try CLI.run(["stat", "-x,", "-e", "syscalls:sys_enter_getppid", "--", CLI.getppidProgram, String(calls)])
        #expect(result.status == 0, "\(result.stderr)")
        let fields = result.stderr.split(separator: "\n").first { $0.contains("sys_enter_getppid") }?.split(separator: ",")
        #expect(fields?.first.map(String.init) == String(calls))

        let perf = try CLI.run(["stat", "-x,", "-e", "syscalls:sys_enter_getppid", "--", CLI.getppidProgram, String(calls)],
                               executable: "/usr/bin/perf")
        let perfCount = perf.stderr.split(separator: "\n").first { $0.contains("sys_enter_getppid") }?.split(separator: ",").first
        #expect(perfCount.map(String.init) == String(calls), "perf said: \(perf.stderr)")
    }

    @Test(.enabled(if: LiveHost.has("msr"), "this host has no msr PMU"))
    func jsonShowsTheMSRTypeAndCountedValues() throws {
        let result = try CLI.run(["stat", "-e", "msr/tsc/,task-clock,page-faults", "--json", "--", "sleep", "0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        #expect(object["exit_status"] as? Int == 0)
        #expect(object["command"] as? String == "sleep 0.1")
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.count == 3)
        let msrType = try #require(CLI.read("/sys/bus/event_source/devices/msr/type"))
        #expect(events[0]["type"] as? Int == Int(msrType))
        #expect(events[0]["pmu"] as? String == "msr")
        for event in events {
            #expect(event["status"] as? String == "counted", "\(event)")
            #expect((event["count"] as? Double ?? 0) > 0, "\(event)")
            #expect((event["time_running_ns"] as? Int ?? 0) > 0)
        }
    }

    /// A host without a hardware CPU PMU (read from its sysfs now) cannot count cycles:
    /// the report says why and the command's status is still passed through.
    @Test(.enabled(if: !LiveHost.hasCorePMU, "this host has a hardware CPU PMU: cyclesAreCountedOnEachCorePMU runs instead"))
    func cyclesIsNotSupportedWithAReasonAndExitZero() throws {
        let result = try CLI.run(["stat", "-e", "cycles", "--json", "--", "true"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["status"] as? String == "not-supported")
        #expect(event["count"] == nil || event["count"] is NSNull)
        #expect((event["reason"] as? String)?.contains("no hardware PMU") == true, "\(event)")
        let text = try CLI.run(["stat", "-e", "cycles", "--", "true"])
        #expect(text.stderr.contains("<not supported>"))
    }

    /// The working path: with core PMUs, cycles is one event per core PMU of this host
    /// (read from its sysfs now), and the command's own work is counted.
    @Test(.enabled(if: LiveHost.hasCorePMU, "this host has no hardware CPU PMU (a VM without a virtual PMU)"))
    func cyclesAreCountedOnEachCorePMU() throws {
        let cores = try SysfsTree.live.coreDevices()
        let result = try CLI.run(["stat", "-e", "cycles", "--json", "--", CLI.getppidProgram, "10000"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.compactMap { $0["pmu"] as? String } == cores.map(\.name), "\(events)")
        #expect(!events.contains { $0["status"] as? String == "not-supported" }, "\(events)")
        #expect(events.contains { $0["status"] as? String == "counted" && ($0["count"] as? Double ?? 0) > 0 }, "\(events)")
    }

    @Test func exitStatusIsPassedThrough() throws {
        let result = try CLI.run(["stat", "-e", "task-clock", "--", CLI.getppidProgram, "1", "7"])
        #expect(result.status == 7)
        #expect(result.stderr.contains("task-clock"))
    }

    @Test func repeatsGiveTheMeanOfExactCounts() throws {
        CLI.ensureTracefs()
        let result = try CLI.run(["stat", "-r", "3", "--json", "-e", "syscalls:sys_enter_getppid", "--", CLI.getppidProgram, "500"])
        let object = try #require(try result.json() as? [String: Any])
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["count"] as? Double == 500)
        #expect(event["counts_per_run"] as? [Int] == [500, 500, 500])
        #expect(object["runs"] as? Int == 3)
    }

    @Test func countsARunningProcessForADuration() throws {
        let busy = Process()
        busy.executableURL = URL(fileURLWithPath: "/bin/sh")
        busy.arguments = ["-c", "while :; do :; done"]
        // Not on our pipes: an orphan holding them would keep the test runner waiting.
        busy.standardOutput = FileHandle.nullDevice
        busy.standardError = FileHandle.nullDevice
        try busy.run()
        // SIGKILL: the test runner's children may inherit an ignored SIGTERM.
        defer { kill(busy.processIdentifier, SIGKILL); busy.waitUntilExit() }
        let result = try CLI.run(["stat", "--json", "-e", "task-clock", "-p", String(busy.processIdentifier), "--duration", "0.2"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["status"] as? String == "counted")
        // A busy loop runs most of the 0.2 s it was watched (shared machine: a loose bound).
        #expect((event["count"] as? Double ?? 0) > 20_000_000)
    }

    @Test func systemWideCountsTheCommandAmongEverythingElse() throws {
        CLI.ensureTracefs()
        // -a counts every task on every CPU while the command runs: at least its 1,234 calls
        // (tests running beside this one may add their own getppid calls).
        let result = try CLI.run(["stat", "-a", "--json", "-e", "syscalls:sys_enter_getppid,task-clock", "--",
                                  CLI.getppidProgram, "1234"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        #expect((events[0]["count"] as? Double ?? 0) >= 1234)
        #expect(events.allSatisfy { $0["status"] as? String == "counted" }, "\(events)")
        #expect(object["exit_status"] as? Int == 0)
    }

    @Test func chosenCPUsForADuration() throws {
        let result = try CLI.run(["stat", "-C", "0", "--duration", "0.1", "--json", "-e", "task-clock"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        #expect(object["command"] as? String == "CPUs 0")
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        // CPU 0's clock runs the whole 0.1 s whatever runs there (a loose bound for a shared machine).
        #expect((event["count"] as? Double ?? 0) > 50_000_000, "\(event)")
    }

    @Test(arguments: [
        (["stat", "-C", "9999", "-e", "task-clock", "--", "true"], "-C 9999"),
        (["stat", "-C", "0-", "-e", "task-clock", "--", "true"], "-C 0-"),
        (["stat", "-a", "-C", "0", "-e", "task-clock", "--", "true"], "-a"),
        (["stat", "-a", "-e", "task-clock"], "--duration"),
        (["stat", "-a", "-p", "1", "-e", "task-clock", "--duration", "1"], "-p"),
        (["stat", "-e", "task-clock", "--", "/no/such/command"], "/no/such/command"),
        (["stat", "-e", "task-clock", "-p", "999999999", "--duration", "0.1"], "999999999"),
        (["stat", "-e", "no-such-event", "--", "true"], "no-such-event"),
        (["stat", "-e", "cpu_cor/cycles/", "--", "true"], "cpu_cor"),
        (["stat"], "command"),
        (["stat", "-x,", "-j", "--", "true"], "-x"),
        (["stat", "-I", "5", "--", "true"], "-I 5"),
        (["stat", "-A", "--", "true"], "-A"),
        (["stat", "--each-core-pmu", "-e", "cycles", "--", "true"], "-e"),
        (["stat", "-e", "task-clock"], "command"),
        (["stat", "-e", "task-clock", "-p", "1"], "--duration"),
        (["stat", "-r", "0", "-e", "task-clock", "--", "true"], "-r"),
    ])
    func badInputIsAClearErrorWithNoReport(arguments: [String], mention: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(!result.stderr.contains("Performance counter stats"))
    }
}
