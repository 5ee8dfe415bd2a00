// What a user pays for the tool itself, `pmu stat` against `perf stat` (the
// distribution's perf, /usr/bin/perf), each with its default events:
// - `stat -- true`: the wall time from spawn to reaped and the peak RSS (wait4's
//   ru_maxrss, the tool or the child it reaped) of the whole command;
// - `stat -I 100` on a two-thread workload of fixed work (about 5 s alone, 1 s
//   with --quick): the tool's own CPU time (its wait4 rusage, which holds the
//   workload it reaped, less the workload's own getrusage) and the workload's
//   wall time under the tool over the same work alone.
// Rounds alternate the order of the tools (and of "alone"); each round is one pair.
import Foundation
import PMUBenchCore

struct ToolOverhead {
    var quick: Bool
    var progress: Progress

    func measure() -> [PeerRow] {
        let scratch = NSTemporaryDirectory() + "pmu-bench-tools-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let perf = "/usr/bin/perf"
        var missing: PeerUnavailable?
        let pmu: String
        switch SampleKeepUp.pmuBinary() {
        case .success(let path): pmu = path
        case .failure(let why):
            pmu = "pmu"
            missing = PeerUnavailable(.oursFailed, why.description)
        }
        if missing == nil && access(perf, X_OK) != 0 {
            missing = PeerUnavailable(.notInstalled, "perf is not installed (\(perf))")
        }
        if let missing {
            return [row("pmu stat -- true", "wall", unit: "ns", unavailable: missing),
                    row("pmu stat -I 100", "tool CPU", unit: "us", unavailable: missing)]
        }
        let helper: String
        do {
            helper = try ChildRun.compileC(Self.rusageSource, named: "rusage-of", in: scratch)
        } catch {
            return [row("pmu stat -- true", "wall", unit: "ns", unavailable: PeerUnavailable(.oursFailed, error.description))]
        }
        return statTrue(pmu: pmu, perf: perf, helper: helper, scratch: scratch)
            + statInterval(pmu: pmu, perf: perf, helper: helper, scratch: scratch)
    }

    private func row(_ subject: String, _ metric: String, unit: String, unavailable: PeerUnavailable) -> PeerRow {
        PeerRow(table: "tool", subject: subject, metric: metric, ours: subject,
                peer: subject.replacingOccurrences(of: "pmu stat", with: "perf stat"), unit: unit, unavailable: unavailable)
    }

    /// `pmu stat -- true` against `perf stat -- true`: wall and peak RSS.
    private func statTrue(pmu: String, perf: String, helper: String, scratch: String) -> [PeerRow] {
        progress.step("pmu stat -- true vs perf stat -- true")
        let rounds = quick ? 7 : 31
        var wall: [[UInt64]] = [[], []]
        var rss: [[UInt64]] = [[], []]
        let commands = [[pmu, "stat", "--", "/bin/true"], [perf, "stat", "--", "/bin/true"]]
        for round in 0..<rounds + 1 {
            for index in round % 2 == 0 ? [0, 1] : [1, 0] {
                let run: Measured
                switch Self.measured(commands[index], helper: helper, limit: 30, scratch: scratch) {
                case .success(let measured): run = measured
                case .failure(let why): return [row("stat -- true", "wall, peak RSS", unit: "ns", unavailable: why)]
                }
                // The first round warms the page cache for both and is not kept.
                if round == 0 { continue }
                wall[index].append(run.wallNs)
                rss[index].append(run.maxRSSKiB)
            }
        }
        let note = "stat -- true: each tool's default events, wall from fork to reaped and peak RSS (ru_maxrss) by wait4 in a small C helper; "
            + "perf is \(perf)"
        return [
            PeerRow.paired(table: "tool", subject: "stat -- true", metric: "wall", ours: "pmu stat -- true",
                           peer: "perf stat -- true", unit: "ns", oursValues: [wall[0]], peerValues: [wall[1]],
                           goal: 1.00, note: note),
            PeerRow.paired(table: "tool", subject: "stat -- true", metric: "peak RSS", ours: "pmu stat -- true",
                           peer: "perf stat -- true", unit: "KiB", oursValues: [rss[0]], peerValues: [rss[1]],
                           goal: 1.00, note: note),
        ]
    }

    /// `pmu stat -I 100` against `perf stat -I 100` on the two-thread workload.
    private func statInterval(pmu: String, perf: String, helper: String, scratch: String) -> [PeerRow] {
        let subject = "stat -I 100, 2-thread workload"
        func unavailable(_ why: PeerUnavailable) -> [PeerRow] {
            [PeerRow(table: "tool", subject: subject, metric: "tool CPU, slowdown", ours: "pmu stat -I 100",
                     peer: "perf stat -I 100", unit: "us", unavailable: why)]
        }
        progress.step("pmu stat -I 100 vs perf stat -I 100: workload")
        let workload: String
        do {
            workload = try Self.buildWorkload(in: scratch)
        } catch {
            return unavailable(PeerUnavailable(.oursFailed, error.description))
        }
        let report = scratch + "/report"
        func runWorkload(_ prefix: [String], iterations: UInt64) -> Result<(run: Measured, wallNs: UInt64, cpuMicroseconds: Int64), PeerUnavailable> {
            try? FileManager.default.removeItem(atPath: report)
            let run: Measured
            switch Self.measured(prefix + [workload, "\(iterations)", report], helper: helper, limit: 120, scratch: scratch) {
            case .success(let measured): run = measured
            case .failure(let why): return .failure(why)
            }
            let fields = ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
                .compactMap { Int64($0) }
            guard fields.count == 2, fields[0] > 0 else { return .failure(PeerUnavailable(.oursFailed, "the workload wrote no report")) }
            return .success((run, UInt64(fields[0]), fields[1]))
        }
        // Calibrate: the work that takes about the target time alone.
        let target: Double = quick ? 1 : 5
        var iterations: UInt64 = 20_000_000
        guard case .success(let probe) = runWorkload([], iterations: iterations) else {
            return unavailable(PeerUnavailable(.oursFailed, "the workload failed alone"))
        }
        iterations = max(1, UInt64(Double(iterations) * target / (Double(probe.wallNs) / 1e9)))
        let rounds = quick ? 2 : 3
        let prefixes = [[String](), [pmu, "stat", "-I", "100", "--"], [perf, "stat", "-I", "100", "--"]]
        var wall: [[UInt64]] = [[], [], []]
        var toolCPU: [[UInt64]] = [[], [], []]
        for round in 0..<rounds {
            progress.step("pmu stat -I 100 vs perf stat -I 100: round \(round + 1) of \(rounds)")
            let order = [[0, 1, 2], [2, 1, 0], [1, 2, 0]][round % 3]
            for index in order {
                switch runWorkload(prefixes[index], iterations: iterations) {
                case .success(let measured):
                    wall[index].append(measured.wallNs)
                    toolCPU[index].append(ToolCPU.own(reaped: measured.run.cpuMicroseconds, workload: measured.cpuMicroseconds))
                case .failure(let why):
                    return unavailable(why)
                }
            }
        }
        // Slowdown per round against that round's run alone, in thousandths (pairs of integers).
        let slowdown = [1, 2].map { index in
            zip(wall[index], wall[0]).map { under, alone in UInt64((Double(under) / Double(alone) * 1000).rounded()) }
        }
        let note = "stat -I 100: a workload of 2 threads, fixed work (\(iterations) iterations each, "
            + "about \(Int(target)) s alone), \(rounds) rounds; tool CPU = wait4 rusage less the workload's own where it holds it; "
            + "slowdown = wall under the tool / the same round alone"
        return [
            PeerRow.paired(table: "tool", subject: subject, metric: "tool CPU", ours: "pmu stat -I 100",
                           peer: "perf stat -I 100", unit: "us", oursValues: [toolCPU[1]], peerValues: [toolCPU[2]],
                           goal: 1.00, note: note),
            PeerRow.paired(table: "tool", subject: subject, metric: "workload slowdown", ours: "pmu stat -I 100",
                           peer: "perf stat -I 100", unit: "x1000", oursValues: [slowdown[0]], peerValues: [slowdown[1]],
                           goal: 1.00, note: note),
        ]
    }

    /// `two-thread-workload N REPORT`: two threads of N iterations of arithmetic each;
    /// writes "wall_ns cpu_us" (its own user + system time) to REPORT.
    static let workloadSource = """
        #include <pthread.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <time.h>
        #include <sys/resource.h>

        static unsigned long long iterations;
        static volatile unsigned long long sink;

        static void *work(void *argument) {
            unsigned long long x = (unsigned long long)(size_t)argument + 1;
            for (unsigned long long i = 0; i < iterations; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            sink = x;
            return NULL;
        }

        static long long now_ns(void) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
        }

        int main(int argc, char **argv) {
            if (argc < 3) { fprintf(stderr, "usage: %s N REPORT\\n", argv[0]); return 2; }
            iterations = strtoull(argv[1], NULL, 10);
            long long start = now_ns();
            pthread_t threads[2];
            for (int i = 0; i < 2; i++) if (pthread_create(&threads[i], NULL, work, (void *)(size_t)i)) return 4;
            for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
            long long wall = now_ns() - start;
            struct rusage usage;
            getrusage(RUSAGE_SELF, &usage);
            FILE *report = fopen(argv[2], "w");
            if (!report) return 3;
            fprintf(report, "%lld %lld\\n", wall,
                    (long long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL
                        + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
            return fclose(report) == 0 ? 0 : 3;
        }
        """

    /// `rusage-of REPORT LIMIT_S PROGRAM ARGS…`: forks and execs the program, kills it at
    /// LIMIT_S, and writes "status wall_ns maxrss_kib cpu_us" from its wait4 to REPORT.
    /// Measured from this small process, not from pmu-bench: a child spawned by pmu-bench
    /// starts with pmu-bench's own peak RSS in its ru_maxrss (the kernel keeps the high
    /// water mark of the address space it left at exec), which hid the tools' own.
    static let rusageSource = """
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <time.h>
        #include <unistd.h>
        #include <errno.h>
        #include <sys/resource.h>
        #include <sys/wait.h>

        static pid_t child;
        static void stop(int signal) { (void)signal; kill(child, SIGKILL); }

        int main(int argc, char **argv) {
            if (argc < 4) { fprintf(stderr, "usage: %s REPORT LIMIT_S PROGRAM ARGS...\\n", argv[0]); return 2; }
            struct timespec start, end;
            clock_gettime(CLOCK_MONOTONIC, &start);
            child = fork();
            if (child < 0) return 4;
            if (child == 0) { execv(argv[3], argv + 3); _exit(127); }
            signal(SIGALRM, stop);
            alarm((unsigned)atoi(argv[2]));
            int status;
            struct rusage usage;
            while (wait4(child, &status, 0, &usage) < 0) if (errno != EINTR) return 3;
            clock_gettime(CLOCK_MONOTONIC, &end);
            FILE *report = fopen(argv[1], "w");
            if (!report) return 3;
            fprintf(report, "%d %lld %ld %lld\\n", status,
                    (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec), usage.ru_maxrss,
                    (long long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL
                        + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
            return fclose(report) == 0 ? 0 : 3;
        }
        """

    /// A program's run as `rusage-of` saw it.
    struct Measured {
        var wallNs: UInt64
        var maxRSSKiB: UInt64
        var cpuMicroseconds: Int64
    }

    /// Runs `command` under `rusage-of` (at most `limit` seconds); a failure names who failed.
    static func measured(_ command: [String], helper: String, limit: Int, scratch: String) -> Result<Measured, PeerUnavailable> {
        let report = scratch + "/rusage"
        try? FileManager.default.removeItem(atPath: report)
        let name = URL(fileURLWithPath: command[0]).lastPathComponent
        let cause: PeerUnavailable.Cause = name == "perf" ? .peerFailed : .oursFailed
        guard case .success(let run) = ChildRun.run([helper, report, "\(limit)"] + command, limitSeconds: Double(limit + 10),
                                                    scratch: scratch) else {
            return .failure(PeerUnavailable(.oursFailed, "cannot start \(helper)"))
        }
        let fields = ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
            .compactMap { Int64($0) }
        guard run.status == 0, fields.count == 4 else {
            return .failure(PeerUnavailable(.oursFailed, "rusage-of: \(run.ending): \(run.lastWords)"))
        }
        guard fields[0] == 0 else {
            let signal = fields[0] & 0x7f
            let ending = signal == 0 ? "exit \((fields[0] >> 8) & 0xff)" : "killed by signal \(signal)"
            return .failure(PeerUnavailable(cause, "\(command.joined(separator: " ")): \(ending): \(run.lastWords)"))
        }
        return .success(Measured(wallNs: UInt64(max(0, fields[1])), maxRSSKiB: UInt64(max(0, fields[2])), cpuMicroseconds: fields[3]))
    }

    static func buildWorkload(in directory: String) throws(PeerFailureText) -> String {
        try ChildRun.compileC(workloadSource, named: "two-thread-workload", in: directory)
    }
}
