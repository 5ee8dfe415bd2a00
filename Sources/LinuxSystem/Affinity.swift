/// Which CPUs a thread may run on (`sched_getaffinity`/`sched_setaffinity`).
/// PerfEvents adds what matters for PMUs that cover only some CPUs (the big or
/// LITTLE cores of arm64, the P or E cores of Intel hybrid): placing a thread
/// on a PMU's CPUs, and saying when a thread cannot run where its PMU counts.
///
/// ```swift
/// let previous = try Affinity.current()
/// try Affinity.withCallingThread(on: CPUSet([0, 1])) { work() }
/// ```
public enum Affinity {
    /// The CPUs thread `thread` may run on (`0`: the calling thread).
    public static func current(thread: Int32 = 0) throws(SystemError) -> CPUSet {
        let system = SystemCalls.current
        switch system.getAffinity(thread) {
        case .success(let mask): return CPUSet(mask: mask)
        case .failure(let errno): throw SystemError(call: "sched_getaffinity", subject: "thread \(thread)", errno: errno)
        }
    }

    /// Lets thread `thread` (`0`: the calling thread) run only on `cpus`.
    public static func set(_ cpus: CPUSet, thread: Int32 = 0) throws(SystemError) {
        let system = SystemCalls.current
        guard !cpus.isEmpty else {
            throw SystemError(call: "sched_setaffinity", subject: "an empty CPU set", errno: .invalidArgument)
        }
        let mask = cpus.mask
        _ = try system.check("sched_setaffinity", "CPUs \(cpus)") { system.setAffinity(thread, mask) }
    }

    /// Runs `body` with the calling thread allowed only on `cpus` (nil: as it is),
    /// then gives the thread back the CPUs it had.
    public static func withCallingThread<T>(on cpus: CPUSet?, _ body: () -> T) throws(SystemError) -> T {
        guard let cpus else { return body() }
        let previous = try current()
        try set(cpus)
        defer { try? set(previous) }
        return body()
    }
}
