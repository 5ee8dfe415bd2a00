import PerfEvents

/// Pins the calling thread for the duration of a measurement.
enum Affinity {
    /// Runs `body` with the calling thread pinned to `cpus` (nil: leaves the
    /// affinity as it is), then restores the previous mask.
    static func withPinnedThread<T>(to cpus: CPUSet?, _ body: () -> T) -> Result<T, BenchFailure> {
        guard let cpus else { return .success(body()) }
        let system = SystemCalls.live
        let previous: [UInt64]
        switch system.getAffinity(0) {
        case .success(let mask): previous = mask
        case .failure(let errno): return .failure(BenchFailure("sched_getaffinity: \(errno)"))
        }
        let result = system.setAffinity(0, cpus.mask)
        if result < 0 {
            return .failure(BenchFailure("sched_setaffinity to CPUs \(cpus): \(Errno(rawValue: -result))"))
        }
        defer { _ = system.setAffinity(0, previous) }
        return .success(body())
    }

    /// The CPUs the calling thread may run on now.
    static func current() -> CPUSet? {
        if case .success(let mask) = SystemCalls.live.getAffinity(0) { return CPUSet(mask: mask) }
        return nil
    }
}
