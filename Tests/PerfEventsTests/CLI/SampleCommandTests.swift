import Foundation
import Testing

/// `pmu sample` as a user runs it, against this machine's kernel.
@Suite(.timeLimit(.minutes(2)), .serialized) struct SampleCommandTests {
    #if arch(x86_64)
    static let getppidNumber = 110
    #elseif arch(arm64)
    static let getppidNumber = 173
    #endif

    /// The N-sample tracepoint case from the command line: exactly N samples from
    /// the command's thread, each with the syscall's raw fields, every line JSON.
    @Test func getppidTracepointGivesOneJSONSamplePerCall() throws {
        CLI.ensureTracefs()
        let result = try CLI.run(["sample", "-e", "syscalls:sys_enter_getppid", "--json", "--",
                                  CLI.getppidProgram, "500", "7"])
        #expect(result.status == 7, "the command's exit status passes through: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let samples = objects.filter { $0["record"] as? String == "sample" }
        #expect(samples.count == 500)
        // The command's own thread: the pid the EXIT record names, and the tracepoint's common_pid.
        let exit = try #require(objects.first { $0["record"] as? String == "exit" })
        let pid = try #require(exit["pid"] as? Int)
        for sample in samples {
            let fields = try #require(sample["fields"] as? [String: Any])
            #expect(sample["tid"] as? Int == pid && sample["pmu"] as? String == "tracepoint")
            #expect(fields["__syscall_nr"] as? Int == Self.getppidNumber)
            #expect(fields["common_pid"] as? Int == pid)
            #expect(sample["period"] as? Int == 1)
        }
        let summary = try #require(objects.first { $0["record"] as? String == "summary" })
        #expect(summary["samples"] as? Int == 500 && summary["lost"] as? Int == 0)
        #expect(summary["event"] as? String == "syscalls:sys_enter_getppid")

        // python3's own JSON parser takes every line.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pmu-sample-\(getpid()).jsonl")
        try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let python = try CLI.run(["-m", "json.tool", "--json-lines", file.path], executable: "/usr/bin/python3")
        #expect(python.status == 0, "python3 -m json.tool: \(python.stderr)")
    }

    @Test func textLinesAndTheSummaryCountTheSameSamples() throws {
        CLI.ensureTracefs()
        let result = try CLI.run(["sample", "-e", "syscalls:sys_enter_getppid", "-c", "1", "--", CLI.getppidProgram, "120"])
        #expect(result.status == 0, "\(result.stderr)")
        let samples = result.stdout.split(separator: "\n").filter { $0.hasPrefix("SAMPLE syscalls:sys_enter_getppid tracepoint ") }
        #expect(samples.count == 120)
        #expect(samples.allSatisfy { $0.contains("__syscall_nr=\(Self.getppidNumber)") })
        #expect(result.stderr.contains("syscalls:sys_enter_getppid on tracepoint: 120 samples, 0 lost ("), "\(result.stderr)")
        #expect(result.stderr.contains("0 throttled; the kernel counted 120; unaccounted: 0"), "\(result.stderr)")
    }

    /// -c N and -F HZ reach the kernel: cpu-clock samples carry the period asked for,
    /// or the one the kernel derives from the frequency (10^9 / HZ nanoseconds).
    /// (A tracepoint samples every hit whatever the period: perf record -c 2 gives
    /// the same count, so that is not the check.)
    @Test func periodAndFrequencyReachTheKernel() throws {
        let busy = ["/bin/sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"]
        for (flags, period) in [(["-c", "500000"], 500_000), (["-F", "999"], 1_001_001)] {
            let result = try CLI.run(["sample", "-e", "cpu-clock"] + flags + ["--json", "--"] + busy)
            #expect(result.status == 0, "\(result.stderr)")
            let samples = try result.stdout.split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.filter { $0["record"] as? String == "sample" }
            #expect(samples.count > 5, "\(flags): \(samples.count) samples")
            #expect(samples.allSatisfy { $0["period"] as? Int == period && $0["pmu"] as? String == "software" }, "\(flags)")
        }
    }

    /// Ctrl-C ends the run as perf record's does: the command gets the signal, the
    /// summary is printed and the perf.data file is complete (perf reads it).
    @Test func interruptEndsTheRunWithTheSummaryAndAWholeFile() throws {
        let path = NSTemporaryDirectory() + "pmu-sample-sigint-\(getpid()).data"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (result, seconds) = try CLI.runAndSignal(["sample", "-e", "cpu-clock", "-F", "100", "-o", path, "--", "/bin/sleep", "30"],
                                                      signal: SIGINT, after: 0.3, whenBlocked: true)
        #expect(result.status == 130, "the command's death by SIGINT passes through: \(result.stderr)")
        #expect(seconds < 10, "stopped in \(seconds) s")
        #expect(result.stderr.contains("cpu-clock on software: "), "\(result.stderr)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/perf") {
            let report = try CLI.run(["report", "--stats", "-i", path], executable: "/usr/bin/perf")
            #expect(report.status == 0 && report.stdout.contains("COMM events:"), "\(report.stdout) \(report.stderr)")
        }
    }

    @Test func badArgumentsSayWhatToDo() throws {
        let both = try CLI.run(["sample", "-e", "cpu-clock", "-c", "10", "-F", "100", "--", "/bin/true"])
        #expect(both.status != 0 && both.stderr.contains("give one"))
        // -m as perf reads it: pages rounded up to a power of two (said so), or a size with a unit.
        let rounded = try CLI.run(["sample", "-e", "cpu-clock", "-m", "3", "--", "/bin/true"])
        #expect(rounded.status == 0 && rounded.stderr.contains("rounding the ring buffer up to 4 pages"), "\(rounded.stderr)")
        let alias = try CLI.run(["sample", "-e", "cpu-clock", "--pages", "2", "--", "/bin/true"])
        #expect(alias.status == 0, "--pages is kept as -m's alias: \(alias.stderr)")
        for bad in ["3X", "0", "K", "99999999999G", "4,2"] {
            let refused = try CLI.run(["sample", "-e", "cpu-clock", "-m", bad, "--", "/bin/true"])
            #expect(refused.status != 0 && refused.stderr.contains("-m takes data pages"), "-m \(bad): \(refused.stderr)")
        }
        let noCommand = try CLI.run(["sample", "-e", "cpu-clock"])
        #expect(noCommand.status != 0 && noCommand.stderr.contains("after --"))
    }
}
