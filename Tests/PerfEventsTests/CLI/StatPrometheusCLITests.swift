import Foundation
import Testing

/// `pmu stat --prometheus FILE`: the counts it printed, as Prometheus counters that
/// promtool accepts, rewritten whole after each -I interval.
@Suite struct StatPrometheusCLITests {
    /// N getppid calls, then 60 ms asleep, ROUNDS times: intervals with known counts.
    static let roundsProgram: String = CLI.compile("getppid-rounds", """
        #include <stdlib.h>
        #include <unistd.h>
        #include <sys/syscall.h>
        int main(int argc, char **argv) {
            long n = atol(argv[1]), rounds = atol(argv[2]);
            for (long r = 0; r < rounds; r++) {
                for (long i = 0; i < n; i++) syscall(SYS_getppid);
                usleep(60000);
            }
            return 0;
        }
        """)

    /// The value of the one series of `name` whose line contains `event="EVENT"`.
    static func value(_ text: String, _ name: String, event: String) -> Double? {
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && $0.contains("event=\"\(event)\"") }
        guard lines.count == 1, let field = lines[0].split(separator: " ").last else { return nil }
        return Double(field)
    }

    static func promtool(_ path: String) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"),
                     "promtool is not installed (Debian: prometheus; make deps installs it)")
        let result = try CLI.run(["-c", "/usr/bin/promtool check metrics < \"$0\" 2>&1", path], executable: "/bin/sh")
        return (result.status, result.stdout)
    }

    @Test(.timeLimit(.minutes(5))) func oneRunWritesTheCountItPrinted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pmu-prom-\(getpid())-1")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("pmu.prom").path
        let result = try CLI.run(["stat", "-x,", "--prometheus", file, "-e", "syscalls:sys_enter_getppid,task-clock",
                                  "--", CLI.getppidProgram, "1234"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(Self.value(text, "pmu_event_count_total", event: "syscalls:sys_enter_getppid") == 1234)
        #expect(text.contains(#"pmu="tracepoint""#) && text.contains(#"pmu="software""#))
        let clock = try #require(Self.value(text, "pmu_event_clock_seconds_total", event: "task-clock"))
        let enabled = try #require(Self.value(text, "pmu_event_enabled_seconds_total", event: "task-clock"))
        #expect(clock > 0 && clock <= enabled)
        let check = try Self.promtool(file)
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")
    }

    @Test(.timeLimit(.minutes(5))) func intervalsRewriteTheFileWithTheSumSoFar() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pmu-prom-\(getpid())-2")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("pmu.prom").path
        let result = try CLI.run(["stat", "-I", "25", "-x,", "--prometheus", file, "-e", "syscalls:sys_enter_getppid",
                                  "--", Self.roundsProgram, "700", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        // The counts of the intervals printed (perf's CSV: time,count,unit,event,...).
        let printed = result.stderr.split(separator: "\n").compactMap { line -> Double? in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 3, fields[3] == "syscalls:sys_enter_getppid" else { return nil }
            return Double(fields[1].trimmingCharacters(in: .whitespaces))
        }
        #expect(printed.count >= 4)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(Self.value(text, "pmu_event_count_total", event: "syscalls:sys_enter_getppid") == printed.reduce(0, +))
        #expect(printed.reduce(0, +) == 2800)
        // Nothing left beside it: each interval's temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["pmu.prom"])
        let check = try Self.promtool(file)
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")
    }

    @Test func aFileInAMissingDirectoryIsRefusedBeforeCounting() throws {
        let result = try CLI.run(["stat", "--prometheus", "/nonexistent-dir/pmu.prom", "--", "true"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--prometheus /nonexistent-dir/pmu.prom: name a file in an existing directory"))
    }
}
