import PerfEvents

/// Runs a measurement with the calling thread pinned, restoring the affinity after.
enum Pinning {
    /// Runs `body` with the calling thread pinned to `cpus` (nil: leaves the
    /// affinity as it is), then restores the previous CPUs.
    static func withThread<T>(pinnedTo cpus: CPUSet?, _ body: () -> T) -> Result<T, BenchFailure> {
        guard let cpus else { return .success(body()) }
        let previous: CPUSet
        do {
            previous = try Affinity.current()
            try Affinity.set(cpus)
        } catch {
            return .failure(BenchFailure(error.description))
        }
        defer { try? Affinity.set(previous) }
        return .success(body())
    }
}
