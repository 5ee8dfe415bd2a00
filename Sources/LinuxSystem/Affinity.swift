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
        try current(thread: thread, system: .live)
    }

    /// The same, through `system` (the package's test seam).
    package static func current(thread: Int32 = 0, system: SystemCalls) throws(SystemError) -> CPUSet {
        switch system.getAffinity(thread) {
        case .success(let mask): return CPUSet(mask: mask)
        case .failure(let errno): throw SystemError(call: "sched_getaffinity", subject: "thread \(thread)", errno: errno)
        }
    }

    /// Lets thread `thread` (`0`: the calling thread) run only on `cpus`.
    public static func set(_ cpus: CPUSet, thread: Int32 = 0) throws(SystemError) {
        try set(cpus, thread: thread, system: .live)
    }

    /// The same, through `system` (the package's test seam).
    package static func set(_ cpus: CPUSet, thread: Int32 = 0, system: SystemCalls) throws(SystemError) {
        guard !cpus.isEmpty else {
            throw SystemError(call: "sched_setaffinity", subject: "an empty CPU set", errno: .invalidArgument)
        }
        let mask = cpus.mask
        _ = try system.check("sched_setaffinity", "CPUs \(cpus)") { system.setAffinity(thread, mask) }
    }

    /// Runs `body` with the calling thread allowed only on `cpus` (nil: as it is),
    /// then gives the thread back the CPUs it had.
    public static func withCallingThread<T>(on cpus: CPUSet?, _ body: () -> T) throws(SystemError) -> T {
        try withCallingThread(on: cpus, system: .live, body)
    }

    /// The same, through `system` (the package's test seam).
    package static func withCallingThread<T>(
        on cpus: CPUSet?, system: SystemCalls, _ body: () -> T
    ) throws(SystemError) -> T {
        guard let cpus else { return body() }
        let previous = try current(system: system)
        try set(cpus, system: system)
        defer { try? set(previous, system: system) }
        return body()
    }
}
