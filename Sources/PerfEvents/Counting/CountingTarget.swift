/// What a counter watches: which threads on which CPUs, as the
/// `(pid, cpu)` pairs of `perf_event_open(2)`. libperf calls these the thread
/// map and the CPU map; a ``Counter`` holds one descriptor per pair.
///
/// - ``callingThread``: the thread that opens the counter, on any CPU
///   (`pid 0, cpu -1`); with ``CounterOptions/inherit`` also the threads and
///   processes it creates afterwards.
/// - ``threads(_:)``: given thread ids (a process id is its main thread's id;
///   list `/proc/PID/task` for every thread of a process).
/// - ``cpus(_:)``: everything that runs on the given CPUs (`pid -1`), the
///   system-wide mode of `perf stat -a`; needs `perf_event_paranoid` ≤ 0 or CAP_PERFMON.
/// - ``threads(_:on:)``: given threads, only while they run on the given CPUs.
///
/// ```swift
/// let target = CountingTarget.everyCPU(of: pmu, online: onlineCPUs)  // core `cpus` or uncore `cpumask`
/// ```
public struct CountingTarget: Hashable, Sendable, CustomStringConvertible {
    /// Thread ids; `0` is the calling thread, `-1` any thread (CPU-wide).
    public private(set) var threads: [Int32]
    /// CPU numbers; `-1` any CPU (the counter follows its threads).
    public private(set) var cpus: [Int32]

    private init(threads: [Int32], cpus: [Int32]) {
        self.threads = threads
        self.cpus = cpus
    }

    /// The calling thread, wherever it runs.
    public static let callingThread = CountingTarget(threads: [0], cpus: [-1])

    /// The given threads (thread ids, as `gettid` returns), wherever they run.
    public static func threads(_ threads: [Int32]) -> CountingTarget {
        CountingTarget(threads: threads, cpus: [-1])
    }

    /// Every thread on the given CPUs (system-wide counting).
    public static func cpus(_ cpus: CPUSet) -> CountingTarget {
        CountingTarget(threads: [-1], cpus: cpus.cpus.map { Int32(truncatingIfNeeded: $0) })
    }

    /// The given threads, counted only while they run on the given CPUs.
    public static func threads(_ threads: [Int32], on cpus: CPUSet) -> CountingTarget {
        CountingTarget(threads: threads, cpus: cpus.cpus.map { Int32(truncatingIfNeeded: $0) })
    }

    /// Every CPU a PMU counts on, system-wide: its `cpus` (a core PMU of a
    /// heterogeneous machine) or `cpumask` (an uncore PMU, usually one CPU per
    /// socket, so that each unit is counted once); `online` when sysfs names none.
    public static func everyCPU(of pmu: PMU, online: CPUSet) -> CountingTarget {
        cpus(pmu.cpus ?? online)
    }

    /// Whether this counts on whole CPUs rather than on threads.
    public var isCPUWide: Bool { threads.contains(-1) }

    /// Whether this is the calling thread alone (what user-space reads need).
    package var isCallingThreadOnly: Bool { threads == [0] && cpus == [-1] }

    /// The `(thread, cpu)` pairs, CPU-major as libperf lays out its descriptors.
    package var slots: [CounterSlot] {
        var result: [CounterSlot] = []
        result.reserveCapacity(threads.count * cpus.count)
        for cpu in cpus {
            for thread in threads { result.append(CounterSlot(thread: thread, cpu: cpu)) }
        }
        return result
    }

    public var description: String {
        if isCallingThreadOnly { return "the calling thread" }
        let cpuText = cpus == [-1] ? "any CPU" : "CPU " + cpus.map { "\($0)" }.joined(separator: ",")
        if isCPUWide { return "every thread on " + cpuText }
        return "thread " + threads.map { "\($0)" }.joined(separator: ",") + " on " + cpuText
    }
}

/// One `(pid, cpu)` pair of `perf_event_open(2)`: one descriptor of a counter.
package struct CounterSlot: Hashable, Sendable {
    /// The thread id (`0` the calling thread, `-1` any thread).
    package var thread: Int32
    /// The CPU (`-1` any CPU).
    package var cpu: Int32
    package init(thread: Int32, cpu: Int32) {
        self.thread = thread
        self.cpu = cpu
    }
}
