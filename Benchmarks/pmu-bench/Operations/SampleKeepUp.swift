// The sample keep-up rows of pmu-bench: `pmu sample` (writing perf.data with -o, and
// formatting every record with --json) next to `perf record`, on the same workload in the
// same run: a C program, compiled here with `cc -O2`, that makes N syscall(SYS_getppid)
// calls paced at a target rate (a busy wait on CLOCK_MONOTONIC until each call's due time,
// so a late call is followed by a burst that catches up), then unpaced. Every tool samples
// syscalls:sys_enter_getppid at period 1 with its default buffer size.
//
// Per step the workload runs alone, then under each tool, in rotation, then alone again
// (the faster alone run is the reference), so drift falls on every tool alike.
//
// Loss: pmu sample's JSON summary ("lost", "samples" against "counted"); perf record's
// `perf report --stats` (SAMPLE events, LOST_SAMPLES / LOST). Both are also held against N.
//
// CPU time: the tool is started with posix_spawn and reaped with wait4, whose rusage is
// the tool's user + system time and that of the children it reaped, the workload among
// them; the workload writes its own getrusage(RUSAGE_SELF) just before it exits, and that
// is taken off. What remains is the tool's own time (perf record's post-processing of the
// file for build-ids included; the kernel's work of writing each sample is in the
// workload's system time, seen as its slowdown). Each tool also runs the workload with 0
// calls (three times, the median): that fixed cost (start-up, discovery, file header)
// comes off before dividing by the samples. Wall time is the workload's own, first call to last, so tool start-up is not
// slowdown.
//
// It races: whether a buffer is emptied before it fills depends on the scheduler and on
// whatever else runs, so the numbers move from run to run, and --check never reads them.
import Foundation
import Glibc
import PMUBenchCore

struct SampleKeepUp {
    static let event = "syscalls:sys_enter_getppid"
    /// The paced steps, calls per second; an unpaced step follows.
    static let rates = [50_000, 100_000, 200_000, 400_000, 800_000]

    /// Calls per paced step.
    var pacedCalls = 100_000
    /// Calls in the unpaced step.
    var unpacedCalls: Int
    var progress: Progress

    /// The three rows, or the same three saying why they could not be measured.
    func measure() -> [SampleKeepUpRow] {
        var tools = Tool.all(pmu: Self.pmuBinary())
        let unavailable = { (reason: String) in
            tools.map { SampleKeepUpRow(tool: $0.name, command: $0.commandTemplate, event: Self.event, unavailable: reason) }
        }
        if let reason = Self.tracefsProblem() { return unavailable(reason) }
        let directory: String
        do {
            directory = try Self.temporaryDirectory()
        } catch {
            return unavailable("cannot make a temporary directory: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workload: String
        do {
            workload = try Self.buildWorkload(in: directory)
        } catch {
            return unavailable("cannot build the getppid workload: \(error)")
        }
        let run = Runner(directory: directory, workload: workload)

        // Each tool with 0 calls, three times in rotation: its fixed cost (the median), and
        // whether it runs at all.
        var fixed = [[Int64]](repeating: [], count: tools.count)
        for _ in 0..<3 {
            for index in tools.indices where tools[index].unavailable == nil {
                progress.step("sample keep-up: \(tools[index].name) start-up")
                let step = run.step(tools[index], calls: 0, rate: nil, aloneWallNs: 0)
                if let failure = step.failure {
                    tools[index].unavailable = failure
                } else {
                    fixed[index].append(step.toolCPUMicroseconds)
                }
            }
        }
        for index in tools.indices where tools[index].unavailable == nil {
            tools[index].fixedCPUMicroseconds = fixed[index].sorted()[fixed[index].count / 2]
        }
        var steps = [[SampleKeepUpStep]](repeating: [], count: tools.count)
        let plan = Self.rates.map { (Optional($0), pacedCalls) } + [(nil, unpacedCalls)]
        for (rate, calls) in plan {
            progress.step("sample keep-up: \(rate.map { SampleKeepUpStep.rate(Double($0)) } ?? "unpaced"), \(calls) calls")
            let before = run.alone(calls: calls, rate: rate)
            var measured: [SampleKeepUpStep?] = []
            for tool in tools {
                measured.append(tool.unavailable == nil ? run.step(tool, calls: calls, rate: rate, aloneWallNs: 0) : nil)
            }
            let after = run.alone(calls: calls, rate: rate)
            let alone = [before, after].compactMap { $0 }.min() ?? 0
            for index in tools.indices {
                guard var step = measured[index] else { continue }
                step.aloneWallNs = alone
                steps[index].append(step)
            }
        }
        return tools.indices.map { index in
            let tool = tools[index]
            return SampleKeepUpRow(tool: tool.name, command: tool.commandTemplate, event: Self.event,
                                   unavailable: tool.unavailable, fixedCPUMicroseconds: tool.fixedCPUMicroseconds,
                                   steps: tool.unavailable == nil ? steps[index] : [])
        }
    }

    /// `pmu` built beside this pmu-bench (the same bin path), if it is there.
    static func pmuBinary() -> Result<String, KeepUpFailure> {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let pmu = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("pmu").path
        guard access(pmu, X_OK) == 0 else {
            return .failure(KeepUpFailure("no pmu beside pmu-bench (\(pmu)); build it: swift build -c release --product pmu"))
        }
        return .success(pmu)
    }

    /// Why the tracepoint cannot be opened by name here; nil when it can.
    static func tracefsProblem() -> String? {
        let roots = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
        if roots.contains(where: { access("\($0)/events/syscalls/sys_enter_getppid/id", R_OK) == 0 }) { return nil }
        if roots.contains(where: { access("\($0)/events", F_OK) == 0 }) {
            return "tracefs is mounted but has no syscalls:sys_enter_getppid (a kernel without CONFIG_FTRACE_SYSCALLS?)"
        }
        return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)"
    }

    static func temporaryDirectory() throws(KeepUpFailure) -> String {
        var template = Array((URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("pmu-bench-keepup-XXXXXX").path).utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let made else { throw KeepUpFailure("mkdtemp: \(String(cString: strerror(errno)))") }
        return String(cString: made)
    }

    /// The workload: `getppid-workload N RATE REPORT` makes N getppid calls (at RATE per
    /// second, 0: unpaced) and writes "wall_ns user_us system_us" to REPORT.
    static let workloadSource = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stdlib.h>
        #include <time.h>
        #include <unistd.h>
        #include <sys/resource.h>
        #include <sys/syscall.h>

        static long long now_ns(void) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
        }

        int main(int argc, char **argv) {
            if (argc < 4) { fprintf(stderr, "usage: %s N RATE REPORT\\n", argv[0]); return 2; }
            long n = atol(argv[1]);
            double rate = atof(argv[2]);
            long long start = now_ns();
            if (rate > 0) {
                double interval = 1e9 / rate;
                for (long i = 0; i < n; i++) {
                    long long due = start + (long long)(i * interval);
                    while (now_ns() < due) {}
                    syscall(SYS_getppid);
                }
            } else {
                for (long i = 0; i < n; i++) syscall(SYS_getppid);
            }
            long long wall = now_ns() - start;
            struct rusage usage;
            getrusage(RUSAGE_SELF, &usage);
            FILE *report = fopen(argv[3], "w");
            if (!report) return 3;
            fprintf(report, "%lld %lld %lld\\n", wall,
                    (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec,
                    (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec);
            return fclose(report) == 0 ? 0 : 3;
        }
        """

    static func buildWorkload(in directory: String) throws(KeepUpFailure) -> String {
        do {
            return try ChildRun.compileC(workloadSource, named: "getppid-workload", in: directory)
        } catch {
            throw KeepUpFailure(error.description)
        }
    }
}

/// One tool as the rows name it, and how to run it.
struct Tool {
    enum Kind { case pmuFile, pmuJSON, perfRecord }
    var kind: Kind
    var name: String
    var executable: String
    var unavailable: String?
    var fixedCPUMicroseconds: Int64?

    static func all(pmu: Result<String, KeepUpFailure>) -> [Tool] {
        let (pmuPath, pmuProblem): (String, String?)
        switch pmu {
        case .success(let path): (pmuPath, pmuProblem) = (path, nil)
        case .failure(let failure): (pmuPath, pmuProblem) = ("pmu", failure.description)
        }
        let perf = "/usr/bin/perf"
        let perfProblem = access(perf, X_OK) == 0 ? nil : "perf is not installed (\(perf))"
        return [
            Tool(kind: .pmuFile, name: "pmu sample -o FILE", executable: pmuPath, unavailable: pmuProblem),
            Tool(kind: .pmuJSON, name: "pmu sample --json", executable: pmuPath, unavailable: pmuProblem),
            Tool(kind: .perfRecord, name: "perf record", executable: perf, unavailable: perfProblem),
        ]
    }

    /// The arguments before `-- WORKLOAD …`, writing to `file`.
    func arguments(file: String) -> [String] {
        switch kind {
        case .pmuFile: [executable, "sample", "-e", SampleKeepUp.event, "-c", "1", "-o", file, "--json"]
        case .pmuJSON: [executable, "sample", "-e", SampleKeepUp.event, "-c", "1", "--json"]
        case .perfRecord: [executable, "record", "-e", SampleKeepUp.event, "-c", "1", "-o", file]
        }
    }

    var commandTemplate: String {
        var words = arguments(file: "FILE")
        words[0] = kind == .perfRecord ? "perf" : "pmu"
        let tail = kind == .pmuJSON ? " > FILE" : ""
        return (words + ["--", "WORKLOAD", "N", "RATE"]).joined(separator: " ") + tail
    }
}

/// Runs the workload alone and under a tool, in one temporary directory.
struct Runner {
    var directory: String
    var workload: String

    private var report: String { directory + "/report" }

    /// The workload's own report: wall ns, CPU µs.
    private func readReport() -> (wallNs: UInt64, cpuMicroseconds: Int64)? {
        guard let text = try? String(contentsOfFile: report, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
        guard fields.count == 3, fields[0] >= 0 else { return nil }
        return (UInt64(fields[0]), fields[1] + fields[2])
    }

    private func workloadArguments(calls: Int, rate: Int?) -> [String] {
        [workload, "\(calls)", "\(rate ?? 0)", report]
    }

    /// The workload's wall time alone; nil when it failed.
    func alone(calls: Int, rate: Int?) -> UInt64? {
        try? FileManager.default.removeItem(atPath: report)
        guard case .success(let finished) = Spawn.run(workloadArguments(calls: calls, rate: rate),
                                                      stdout: "/dev/null", stderr: "/dev/null"),
              finished.status == 0 else { return nil }
        return readReport()?.wallNs
    }

    /// The workload under `tool`, its samples and loss read back from what the tool wrote.
    func step(_ tool: Tool, calls: Int, rate: Int?, aloneWallNs: UInt64) -> SampleKeepUpStep {
        let file = directory + "/out"
        let stdout = directory + "/stdout"
        let stderr = directory + "/stderr"
        for path in [report, file, stdout, stderr] { try? FileManager.default.removeItem(atPath: path) }
        defer { for path in [file, stdout] { try? FileManager.default.removeItem(atPath: path) } }
        var result = SampleKeepUpStep(targetRate: rate, calls: calls, samples: nil, lost: nil,
                                      wallNs: 0, aloneWallNs: aloneWallNs, toolCPUMicroseconds: 0)
        let arguments = tool.arguments(file: file) + ["--"] + workloadArguments(calls: calls, rate: rate)
        let finished: Spawn.Finished
        switch Spawn.run(arguments, stdout: stdout, stderr: stderr) {
        case .success(let done): finished = done
        case .failure(let failure):
            result.failure = failure.description
            return result
        }
        guard finished.status == 0, let own = readReport() else {
            let log = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
            let lastLine = log.split(separator: "\n").last.map(String.init) ?? ""
            result.failure = "\(tool.name) exited with status \(finished.status)" + (lastLine.isEmpty ? "" : ": \(lastLine)")
            return result
        }
        result.wallNs = own.wallNs
        result.toolCPUMicroseconds = finished.cpuMicroseconds - own.cpuMicroseconds
        switch tool.kind {
        case .pmuFile, .pmuJSON:
            // The summary is the last line of standard output (after every record with --json).
            guard let summary = Self.tail(of: stdout).flatMap({ SampleKeepUpParsing.pmuSummary($0[...]) }) else {
                result.failure = "no summary line on pmu sample's standard output"
                return result
            }
            result.samples = UInt64(summary.samples)
            result.lost = summary.lost
            result.counted = summary.counted
        case .perfRecord:
            let stats = directory + "/stats"
            defer { try? FileManager.default.removeItem(atPath: stats) }
            guard case .success(let report) = Spawn.run([tool.executable, "report", "-i", file, "--stats"],
                                                         stdout: stats, stderr: "/dev/null"),
                  report.status == 0,
                  let text = try? String(contentsOfFile: stats, encoding: .utf8),
                  let parsed = SampleKeepUpParsing.perfStats(text) else {
                result.failure = "perf report --stats did not give a SAMPLE count"
                return result
            }
            result.samples = parsed.samples
            result.lost = parsed.lost
        }
        return result
    }

    /// The last 64 KiB of a file, as text.
    static func tail(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: end > 65_536 ? end - 65_536 : 0)
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A child's exit status and its rusage (with what it reaped), under a limit (``ChildRun``).
enum Spawn {
    struct Finished {
        /// The exit status, or 128 + the signal.
        var status: Int32
        /// User + system time of the child and of the children it waited for (µs).
        var cpuMicroseconds: Int64
    }

    /// The longest a tool or workload of the keep-up rows may run (the unpaced perf record
    /// and its perf report take seconds): past it the child is killed and the step fails.
    static let limitSeconds = 600.0

    static func run(_ arguments: [String], stdout: String, stderr: String) -> Result<Finished, KeepUpFailure> {
        switch ChildRun.run(arguments, limitSeconds: limitSeconds, stdout: stdout, stderr: stderr) {
        case .success(let run):
            guard let status = run.status else {
                return .failure(KeepUpFailure("\(arguments[0]) stopped after \(Int(limitSeconds)) s (the limit)"))
            }
            return .success(Finished(status: status, cpuMicroseconds: run.cpuMicroseconds))
        case .failure(let failure):
            return .failure(KeepUpFailure(failure.description))
        }
    }

    /// The first `name` on PATH that can be executed.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}

struct KeepUpFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
