import Foundation

/// The sample keep-up rows: `pmu sample` next to `perf record` on one tracepoint workload
/// (N `syscall(SYS_getppid)` calls, paced at stepped rates, then unpaced), every tool at
/// period 1 with its default buffer size, in the same run. Per tool: the highest rate it
/// received without loss, its own CPU time per 1e5 samples, and how much it slowed the
/// workload. A measurement, not a gate: who wins the race between the kernel filling a
/// buffer and the tool emptying it depends on the scheduler, so `--check` never reads it.
public struct SampleKeepUpRow: Codable, Hashable, Sendable {
    /// `pmu sample -o FILE`, `pmu sample --json` or `perf record`.
    public var tool: String
    /// The tool's command line, with FILE and WORKLOAD for the paths.
    public var command: String
    /// The traced event, such as `syscalls:sys_enter_getppid`.
    public var event: String
    /// Why there are no numbers (perf or tracefs missing, …); nil when measured.
    public var unavailable: String?
    /// The tool's own CPU time (µs, user + system) over a run of 0 calls: its fixed cost,
    /// taken off each step before dividing by the samples.
    public var fixedCPUMicroseconds: Int64?
    /// The rate steps, slowest first, unpaced last.
    public var steps: [SampleKeepUpStep]

    public init(tool: String, command: String, event: String, unavailable: String? = nil,
                fixedCPUMicroseconds: Int64? = nil, steps: [SampleKeepUpStep] = []) {
        self.tool = tool
        self.command = command
        self.event = event
        self.unavailable = unavailable
        self.fixedCPUMicroseconds = fixedCPUMicroseconds
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case tool, command, event, unavailable, steps
        case fixedCPUMicroseconds = "fixed_cpu_us"
    }

    /// The last step before the first one with loss (steps in order, so a lucky step above
    /// a lossy one does not count); nil when the first step already lost samples.
    public var highestLossFree: SampleKeepUpStep? {
        guard unavailable == nil else { return nil }
        var best: SampleKeepUpStep?
        for step in steps {
            guard step.lossFree else { break }
            best = step
        }
        return best
    }

    /// The unpaced step: the most samples, where CPU time and slowdown are read.
    public var unpaced: SampleKeepUpStep? { steps.last { $0.targetRate == nil } }

    /// The tool's CPU time per 1e5 received samples at the unpaced step, less its fixed cost (ms).
    public var cpuMillisecondsPer100k: Double? {
        guard let step = unpaced, let samples = step.samples, samples > 0, step.failure == nil else { return nil }
        let variable = step.toolCPUMicroseconds - (fixedCPUMicroseconds ?? 0)
        return Double(variable) / 1000 * 100_000 / Double(samples)
    }
}

/// One rate step of one tool.
public struct SampleKeepUpStep: Codable, Hashable, Sendable {
    /// Calls per second the workload was paced at; nil: unpaced, as fast as it goes.
    public var targetRate: Int?
    /// getppid calls the workload made (N).
    public var calls: Int
    /// Samples the tool received; nil when it failed.
    public var samples: UInt64?
    /// Samples the tool says it lost (pmu: the summary's `lost`; perf: the LOST_SAMPLES
    /// count of `perf report --stats`, else the lost records' count).
    public var lost: UInt64?
    /// The kernel's count of the event alongside (pmu sample only).
    public var counted: UInt64?
    /// The workload's own wall time from its first call to its last, under the tool (ns).
    public var wallNs: UInt64
    /// The same workload (same N and rate) alone in the same run, the faster of two (ns).
    public var aloneWallNs: UInt64
    /// The tool's own CPU time (µs): the tool's rusage from wait4, which holds the
    /// workload it reaped, less the workload's own getrusage(RUSAGE_SELF).
    public var toolCPUMicroseconds: Int64
    /// What went wrong when the tool did not run to the end.
    public var failure: String?

    public init(targetRate: Int?, calls: Int, samples: UInt64?, lost: UInt64?, counted: UInt64? = nil,
                wallNs: UInt64, aloneWallNs: UInt64, toolCPUMicroseconds: Int64, failure: String? = nil) {
        self.targetRate = targetRate
        self.calls = calls
        self.samples = samples
        self.lost = lost
        self.counted = counted
        self.wallNs = wallNs
        self.aloneWallNs = aloneWallNs
        self.toolCPUMicroseconds = toolCPUMicroseconds
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case calls, samples, lost, counted, failure
        case targetRate = "target_rate"
        case wallNs = "wall_ns"
        case aloneWallNs = "alone_wall_ns"
        case toolCPUMicroseconds = "tool_cpu_us"
    }

    /// Calls per second the workload reached under the tool.
    public var achievedRate: Double { wallNs > 0 ? Double(calls) * 1e9 / Double(wallNs) : 0 }

    /// Wall time under the tool over wall time alone.
    public var slowdown: Double? { aloneWallNs > 0 && wallNs > 0 ? Double(wallNs) / Double(aloneWallNs) : nil }

    /// Every call arrived as a sample: nothing lost, nothing missing against N (and against
    /// the kernel's own count, where there is one).
    public var lossFree: Bool {
        guard failure == nil, let samples, samples >= UInt64(calls), (lost ?? 0) == 0 else { return false }
        if let counted, samples < counted { return false }
        return true
    }

    /// `50k/s`, `1.2M/s` or `unpaced`.
    public var rateLabel: String { targetRate.map { SampleKeepUpStep.rate(Double($0)) } ?? "unpaced" }

    /// A rate in calls per second, short.
    public static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1e6 { return format(perSecond / 1e6) + "M/s" }
        if perSecond >= 1e3 { return "\(Int((perSecond / 1e3).rounded()))k/s" }
        return "\(Int(perSecond.rounded()))/s"
    }
}

/// Reading what the tools said.
public enum SampleKeepUpParsing {
    /// The `"record":"summary"` line of `pmu sample --json`: samples, lost, counted.
    public static func pmuSummary(_ text: Substring) -> (samples: UInt64, lost: UInt64, counted: UInt64?)? {
        struct Summary: Decodable {
            var record: String
            var samples: UInt64
            var lost: UInt64
            var counted: UInt64?
        }
        for line in text.split(separator: "\n").reversed() where line.contains("\"summary\"") {
            guard let summary = try? JSONDecoder().decode(Summary.self, from: Data(line.utf8)),
                  summary.record == "summary" else { continue }
            return (summary.samples, summary.lost, summary.counted)
        }
        return nil
    }

    /// `perf report --stats`: the SAMPLE events of the aggregated stats (0 when there is a
    /// TOTAL line and no SAMPLE line), and the lost
    /// samples (the event's LOST_SAMPLES line, else the LOST records' count).
    public static func perfStats(_ text: String) -> (samples: UInt64, lost: UInt64)? {
        var total: UInt64?
        var samples: UInt64?
        var lostRecords: UInt64 = 0
        var lostSamples: UInt64?
        var perEvent = false
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix(" stats:") && !trimmed.hasPrefix("Aggregated") { perEvent = true; continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].split(separator: " ").first.flatMap { UInt64($0) }
            switch (parts[0], perEvent) {
            case ("TOTAL events", false): total = value
            case ("SAMPLE events", false): samples = value
            case ("LOST events", false), ("LOST_SAMPLES events", false): lostRecords += value ?? 0
            case ("LOST_SAMPLES events", true): lostSamples = (lostSamples ?? 0) + (value ?? 0)
            default: break
            }
        }
        // perf leaves out the lines of record types it has none of: no SAMPLE line is 0 samples.
        guard total != nil || samples != nil else { return nil }
        return (samples ?? 0, lostSamples ?? lostRecords)
    }
}
