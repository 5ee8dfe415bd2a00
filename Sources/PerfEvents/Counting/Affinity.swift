/// Which CPUs a thread may run on (`sched_getaffinity`/`sched_setaffinity`),
/// as it matters for PMUs that cover only some CPUs (the big or LITTLE cores
/// of arm64, the P or E cores of Intel hybrid): a thread that cannot run on a
/// core PMU's CPUs counts nothing on it.
///
/// ```swift
/// let previous = try Affinity.pin(to: pmu)   // run on the PMU's CPUs from now on
/// defer { try? Affinity.set(previous) }
/// ```
public enum Affinity {
    /// The CPUs thread `thread` may run on (`0`: the calling thread).
    public static func current(thread: Int32 = 0, system: SystemCalls = .live) throws(SystemError) -> CPUSet {
        switch system.getAffinity(thread) {
        case .success(let mask): return CPUSet(mask: mask)
        case .failure(let errno): throw SystemError(call: "sched_getaffinity", subject: "thread \(thread)", errno: errno)
        }
    }

    /// Lets thread `thread` (`0`: the calling thread) run only on `cpus`.
    public static func set(_ cpus: CPUSet, thread: Int32 = 0, system: SystemCalls = .live) throws(SystemError) {
        guard !cpus.isEmpty else {
            throw SystemError(call: "sched_setaffinity", subject: "an empty CPU set", errno: .invalidArgument)
        }
        let mask = cpus.mask
        _ = try system.check("sched_setaffinity", "CPUs \(cpus)") { system.setAffinity(thread, mask) }
    }

    /// Pins the calling thread to the CPUs `pmu` counts on and returns the
    /// CPUs it could run on before, to restore with ``set(_:thread:system:)``.
    /// A PMU without a CPU list (every CPU) leaves the affinity as it is.
    @discardableResult
    public static func pin(to pmu: PMU, system: SystemCalls = .live) throws(SystemError) -> CPUSet {
        let previous = try current(system: system)
        if let cpus = pmu.cpus {
            guard !cpus.isEmpty else {
                throw SystemError(call: "sched_setaffinity", subject: "PMU \(pmu.name) (it lists no CPUs)", errno: .invalidArgument)
            }
            try set(cpus, system: system)
        }
        return previous
    }

    /// What is wrong with counting `pmu` events for threads that may run on
    /// `threadCPUs`, if anything. Only core PMUs with a CPU list are limited
    /// to some CPUs for a thread; the kernel schedules their events only there.
    public static func check(pmu: PMU, thread: Int32, threadCPUs: CPUSet) -> CounterWarning? {
        guard pmu.kind == .core, let pmuCPUs = pmu.cpus else { return nil }
        let shared = threadCPUs.intersection(pmuCPUs)
        if shared.isEmpty {
            return .threadOutsidePMU(pmu: pmu.name, thread: thread, threadCPUs: threadCPUs, pmuCPUs: pmuCPUs)
        }
        if !pmuCPUs.isSuperset(of: threadCPUs) {
            return .threadPartlyOutsidePMU(pmu: pmu.name, thread: thread, threadCPUs: threadCPUs, pmuCPUs: pmuCPUs)
        }
        return nil
    }
}

/// Something about an opened counter that makes its count smaller than the
/// caller may expect, found when it was opened.
public enum CounterWarning: Hashable, Sendable, CustomStringConvertible {
    /// The thread cannot run on any CPU of the core PMU: it will count nothing.
    case threadOutsidePMU(pmu: String, thread: Int32, threadCPUs: CPUSet, pmuCPUs: CPUSet)
    /// The thread may also run on CPUs the PMU does not cover: it counts only
    /// while on the PMU's CPUs (open the event on every core PMU to count it all).
    case threadPartlyOutsidePMU(pmu: String, thread: Int32, threadCPUs: CPUSet, pmuCPUs: CPUSet)
    /// CPUs of a CPU-wide target that the PMU does not cover.
    case cpusOutsidePMU(pmu: String, cpus: CPUSet, pmuCPUs: CPUSet)
    /// The kernel refused the extended type (its PMU driver predates it); the
    /// event was opened as the PMU's own alias with the PMU's type instead.
    case extendedTypeRefused(pmu: String, errno: Errno, type: UInt32, config: UInt64)

    public var description: String {
        switch self {
        case let .threadOutsidePMU(pmu, thread, threadCPUs, pmuCPUs):
            return "\(threadName(thread)) may run only on CPUs \(threadCPUs), none of which \(pmu) covers"
                + " (\(pmuCPUs)): it will count nothing; pin it to \(pmuCPUs) (Affinity.pin) or pick the PMU of its CPUs"
        case let .threadPartlyOutsidePMU(pmu, thread, threadCPUs, pmuCPUs):
            return "\(threadName(thread)) may run on CPUs \(threadCPUs) but \(pmu) covers only \(pmuCPUs):"
                + " time on the other CPUs is not counted"
        case let .cpusOutsidePMU(pmu, cpus, pmuCPUs):
            return "CPUs \(cpus) are not covered by \(pmu) (it covers \(pmuCPUs))"
        case let .extendedTypeRefused(pmu, errno, type, config):
            return "the kernel refused the extended type (\(errno.name)): \(pmu)'s driver predates it;"
                + " counting the same event as \(pmu)'s own (type \(type), config 0x" + String(config, radix: 16) + ")"
        }
    }
}

private func threadName(_ thread: Int32) -> String {
    thread == 0 ? "the calling thread" : "thread \(thread)"
}
