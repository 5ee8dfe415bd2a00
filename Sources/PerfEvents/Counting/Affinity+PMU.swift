/// Which CPUs a thread may run on (`sched_getaffinity`/`sched_setaffinity`),
/// as it matters for PMUs that cover only some CPUs (the big or LITTLE cores
/// of arm64, the P or E cores of Intel hybrid): a thread that cannot run on a
/// core PMU's CPUs counts nothing on it.
///
/// The placement API is this and `PMUBinding` (KVM), with one rule for which
/// CPUs: a thread that counts a core PMU's events, or runs a VCPU of a VM bound
/// to it, runs on the CPUs asked for, all of which the PMU covers; asking for
/// none means every CPU of the PMU. A PMU without a CPU list (every CPU) moves
/// nothing.
///
/// ```swift
/// let value = try Affinity.withCallingThread(on: pmu) {   // the PMU's CPUs, then back
///     countSomething()
/// }
/// ```
extension Affinity {
    /// Runs `body` with the calling thread on the CPUs `pmu` counts on (a PMU
    /// without a CPU list covers every CPU: nothing moves), then moves it back.
    public static func withCallingThread<T>(on pmu: PMU, _ body: () -> T) throws(SystemError) -> T {
        if let cpus = pmu.cpus, cpus.isEmpty {
            throw SystemError(call: "sched_setaffinity", subject: "PMU \(pmu.name) (it lists no CPUs)", errno: .invalidArgument)
        }
        return try withCallingThread(on: pmu.cpus, body)
    }

    /// What is wrong with counting `pmu` events for threads that may run on
    /// `threadCPUs`, if anything. Only core PMUs with a CPU list are limited
    /// to some CPUs for a thread; the kernel schedules their events only there.
    package static func check(pmu: PMU, thread: Int32, threadCPUs: CPUSet) -> CounterWarning? {
        guard pmu.isCore, let pmuCPUs = pmu.cpus else { return nil }
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
                + " (\(pmuCPUs)): it will count nothing; pin it to \(pmuCPUs) (Affinity.withCallingThread, PMUBinding) or pick the PMU of its CPUs"
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
