import PerfEvents

/// Keeps VCPU threads on the CPUs of the PMU their VM was given. KVM does not pin
/// VCPU threads itself; on arm64 6.1+ a VCPU entering on a CPU outside the VM's PMU
/// fails with `KVM_EXIT_FAIL_ENTRY` / `CPU_UNSUPPORTED`.
public enum VCPUPinning {
    /// Restricts thread `tid` (0: the calling thread, which is how a VCPU thread pins
    /// itself before its first `KVM_RUN`) to `pmu`'s CPUs. A PMU without a CPU list
    /// covers every CPU: nothing is changed and nil is returned.
    @discardableResult
    public static func pin(thread tid: Int32 = 0, to pmu: PMU, system: SystemCalls = .live) throws(KVMError) -> CPUSet? {
        guard let cpus = pmu.cpus else { return nil }
        try pin(thread: tid, to: cpus, system: system)
        return cpus
    }

    /// Restricts thread `tid` (0: the caller) to `cpus`.
    public static func pin(thread tid: Int32 = 0, to cpus: CPUSet, system: SystemCalls = .live) throws(KVMError) {
        guard !cpus.isEmpty else {
            throw KVMError(.callFailed, call: "sched_setaffinity thread \(tid) to an empty CPU set", errno: .invalidArgument)
        }
        let result = retryingInterrupts { system.setAffinity(tid, cpus.mask) }
        if result < 0 {
            throw KVMError(.callFailed, call: "sched_setaffinity thread \(tid) to CPUs \(cpus)", errno: Errno(rawValue: -result))
        }
    }

    /// Chooses the PMU for `cpus` (see ``PMUChoice``) and pins the calling thread to its CPUs.
    /// Returns the PMU, whose `type` is what `SET_PMU` needs.
    public static func chooseAndPinCurrentThread(
        pmus: [PMU], cpus: CPUSet, system: SystemCalls = .live
    ) throws(PMUPinningError) -> PMU {
        let pmu: PMU
        do { pmu = try PMUChoice.choose(from: pmus, for: cpus) } catch { throw .choice(error) }
        do { try pin(to: pmu, system: system) } catch { throw .pinning(error) }
        return pmu
    }
}

/// Choosing a PMU or pinning to it failed.
public enum PMUPinningError: Error, Hashable, Sendable, CustomStringConvertible {
    case choice(PMUChoiceError)
    case pinning(KVMError)

    public var description: String {
        switch self {
        case .choice(let error): return error.description
        case .pinning(let error): return error.description
        }
    }
}
