import Foundation
import Testing

/// `pmu sample` at the sizes users run, against the kernel's own count: every
/// occurrence of a tracepoint is a sample received or a sample the kernel says
/// it lost, whatever the buffer, the output or the children; perf script reads
/// the perf.data file with the same number of samples.
@Suite(.timeLimit(.minutes(3)), .serialized) struct SampleVolumeTests {
    /// The JSON summary line of a `--json` run.
    struct Summary {
        var samples: Int
        var lost: Int
        var counted: Int?
        var unaccounted: Int?
        var throttled: Int

        init(_ output: String) throws {
            let line = try #require(output.split(separator: "\n").last { $0.contains("\"record\":\"summary\"") },
                                    "no summary line in: \(output.suffix(400))")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            samples = try #require(object["samples"] as? Int)
            lost = try #require(object["lost"] as? Int)
            counted = object["counted"] as? Int
            unaccounted = object["unaccounted"] as? Int
            throttled = try #require(object["throttled"] as? Int)
        }
    }

    static func sampleLines(_ output: String) -> Int {
        output.split(separator: "\n").count { $0.hasPrefix("{\"") && $0.contains("\"record\":\"sample\"") }
    }

    /// getppid at period 1, 1e3 and 1e5 calls, the default buffer, through a pipe:
    /// one SAMPLE line per call, the kernel's count equal, nothing lost.
    @Test(arguments: [1_000, 100_000])
    func everyCallIsASampleWithTheDefaultBuffer(calls: Int) throws {
        CLI.ensureTracefs()
        let result = try CLI.run(["sample", "-e", "syscalls:sys_enter_getppid", "-c", "1", "--json", "--",
                                  CLI.getppidProgram, "\(calls)"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Summary(result.stdout)
        #expect(summary.counted == calls, "the counting event alongside")
        #expect(Self.sampleLines(result.stdout) == calls && summary.samples == calls)
        #expect(summary.lost == 0 && summary.unaccounted == 0, "\(summary)")
    }

    /// A one-page buffer cannot hold the burst: what is not received is counted as lost, exactly.
    @Test func aOnePageBufferCountsEveryLoss() throws {
        CLI.ensureTracefs()
        let calls = 100_000
        let result = try CLI.run(["sample", "-e", "syscalls:sys_enter_getppid", "-c", "1", "-m", "1", "--json", "--",
                                  CLI.getppidProgram, "\(calls)"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Summary(result.stdout)
        #expect(summary.counted == calls)
        #expect(Self.sampleLines(result.stdout) == summary.samples)
        #expect(summary.samples + summary.lost == calls, "received \(summary.samples) + lost \(summary.lost)")
        #expect(summary.unaccounted == 0)
    }

    /// Children forked and exec'ed by a shell (inherit): five runs of 2000 calls, plus the shell's own.
    @Test(arguments: ["", "1"])
    func forkedChildrenAreSampledAndAccounted(pages: String) throws {
        CLI.ensureTracefs()
        let script = "for i in 1 2 3 4 5; do \(CLI.getppidProgram) 2000; done"
        let result = try CLI.run(["sample", "-e", "syscalls:sys_enter_getppid", "--json"]
                                 + (pages.isEmpty ? [] : ["-m", pages]) + ["--", "/bin/sh", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Summary(result.stdout)
        let counted = try #require(summary.counted)
        #expect(counted >= 10_000 && counted <= 10_010, "the kernel counted \(counted)")
        #expect(summary.samples + summary.lost == counted && summary.unaccounted == 0, "\(summary)")
        if pages.isEmpty { #expect(summary.lost == 0) }
        // Every child's samples, not only the shell's: five distinct pids with 2000 samples each.
        var perPID: [Int: Int] = [:]
        for line in result.stdout.split(separator: "\n") where line.contains("\"record\":\"sample\"") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            perPID[object["pid"] as? Int ?? -1, default: 0] += 1
        }
        if pages.isEmpty { #expect(perPID.values.count { $0 == 2000 } == 5, "\(perPID)") }
    }

    /// Text lines to a file and to /dev/null (the formatter's output is not a pipe): the summary still balances.
    @Test(arguments: ["file", "/dev/null"])
    func outputToAFileOrDevNullBalances(target: String) throws {
        CLI.ensureTracefs()
        let path = target == "file" ? NSTemporaryDirectory() + "pmu-sample-volume-\(getpid()).txt" : target
        defer { if target == "file" { try? FileManager.default.removeItem(atPath: path) } }
        let command = "'\(CLI.pmu)' sample -e syscalls:sys_enter_getppid -c 1 -- '\(CLI.getppidProgram)' 100000 > '\(path)'"
        let result = try CLI.run(["-c", command], executable: "/bin/sh")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("100000 samples, 0 lost"), "\(result.stderr)")
        #expect(result.stderr.contains("the kernel counted 100000; unaccounted: 0"), "\(result.stderr)")
        if target == "file" {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.split(separator: "\n").count { $0.hasPrefix("SAMPLE ") } == 100_000)
        }
    }

    /// cpu-clock at 10 kHz on two busy threads for 2 s: about one sample per 100 µs of
    /// their CPU time (which the program reports), every one received or counted lost.
    @Test func cpuClockOnTwoBusyThreads() throws {
        let maximumRate = CLI.read("/proc/sys/kernel/perf_event_max_sample_rate").flatMap { Int($0) } ?? 100_000
        let frequency = min(10_000, maximumRate)
        let before = Self.timeOutsideTasks()
        let result = try CLI.run(["sample", "-e", "cpu-clock", "-F", "\(frequency)", "--json", "--",
                                  Self.busyThreadsProgram, "2"])
        let after = Self.timeOutsideTasks()
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Summary(result.stdout)
        #expect(Self.sampleLines(result.stdout) == summary.samples)
        // The program prints its process CPU time in nanoseconds on stderr (stdout is ours).
        let cpuLine = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("cpu_ns=") })
        let cpuNanoseconds = try #require(Double(cpuLine.dropFirst("cpu_ns=".count)))
        let expected = cpuNanoseconds / (1e9 / Double(frequency))
        let tids = Set(result.stdout.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains("\"record\":\"sample\"") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["tid"] as? Int
        })
        #expect(tids.count >= 2, "both threads sampled: \(tids)")
        let accounted = Double(summary.samples + summary.lost)
        // Each thread's timer fires once per period of its CPU time; a period cut by the end is not a sample.
        // cpu-clock's timer runs on the clock while a thread is on a CPU, the thread's CPU time
        // leaves out time stolen by the hypervisor and (with IRQ time accounting) interrupts:
        // at most what /proc/stat counted of those machine-wide during the run, plus a tick.
        let outside = after.flatMap { after in before.map { after - $0 } } ?? 0
        let allowance = (outside + 1e9 / 100) / (1e9 / Double(frequency))
        #expect(accounted >= expected * 0.95 - Double(summary.throttled)
                && accounted <= expected * 1.02 + 4 + allowance,
                "received \(summary.samples) + lost \(summary.lost) (throttled \(summary.throttled)) for \(Int(expected)) expected (\(Int(allowance)) more allowed for \(Int(outside / 1e6)) ms stolen or in interrupts)")
    }

    /// `-o FILE`: perf script prints one line per sample we received, and perf report --stats reads it without a warning.
    @Test(arguments: ["tracepoint", "cpu-clock"])
    func perfReadsThePerfDataFile(kind: String) throws {
        CLI.ensureTracefs()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/perf") else {
            Issue.record("perf is not installed (make deps installs linux-perf): the perf.data oracle cannot run")
            return
        }
        let path = NSTemporaryDirectory() + "pmu-sample-\(kind)-\(getpid()).data"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arguments = kind == "tracepoint"
            ? ["sample", "-e", "syscalls:sys_enter_getppid", "-c", "1", "-o", path, "--json", "--", CLI.getppidProgram, "20000"]
            : ["sample", "-e", "cpu-clock", "-F", "1000", "-o", path, "--json", "--", Self.busyThreadsProgram, "1"]
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Summary(result.stdout)
        #expect(Self.sampleLines(result.stdout) == 0, "with -o the records go to the file")
        if kind == "tracepoint" { #expect(summary.samples == 20_000 && summary.lost == 0) }
        let script = try CLI.run(["script", "-i", path], executable: "/usr/bin/perf")
        #expect(script.status == 0, "perf script: \(script.stderr)")
        #expect(script.stdout.split(separator: "\n").count == summary.samples, "perf script's lines vs our \(summary.samples)")
        #expect(!script.stderr.lowercased().contains("warning"), "perf script: \(script.stderr)")
        let report = try CLI.run(["report", "--stats", "-i", path], executable: "/usr/bin/perf")
        #expect(report.status == 0 && !report.stderr.lowercased().contains("warning"), "perf report: \(report.stderr)")
        let sampleEvents = report.stdout.split(separator: "\n").first { $0.contains("SAMPLE events:") }
        #expect(sampleEvents?.split(separator: " ").dropFirst(2).first.flatMap { Int($0) } == summary.samples,
                "perf report --stats: \(report.stdout)")
    }

    /// Nanoseconds all CPUs spent stolen by the hypervisor or in interrupts (/proc/stat's
    /// irq, softirq and steal, in ticks of 1/100 s), or nil when /proc/stat cannot be read.
    static func timeOutsideTasks() -> Double? {
        guard let line = CLI.read("/proc/stat")?.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        return (ticks[5] + ticks[6] + ticks[7]) * 1e9 / 100
    }

    /// Two threads spinning for argv[1] seconds; prints the process's CPU time (ns) on stderr.
    static let busyThreadsProgram: String = CLI.compile("busy-threads", """
            #include <pthread.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <time.h>
            static double seconds;
            static double now(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return t.tv_sec + t.tv_nsec / 1e9; }
            static void *spin(void *unused) {
                double end = now(CLOCK_MONOTONIC) + seconds;
                volatile unsigned long n = 0;
                while (now(CLOCK_MONOTONIC) < end) n++;
                return unused;
            }
            int main(int argc, char **argv) {
                seconds = argc > 1 ? atof(argv[1]) : 1;
                pthread_t other;
                pthread_create(&other, NULL, spin, NULL);
                spin(NULL);
                pthread_join(other, NULL);
                struct timespec cpu;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
                fprintf(stderr, "cpu_ns=%lld\\n", (long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
                return 0;
            }
            """, flags: ["-pthread"])
}
