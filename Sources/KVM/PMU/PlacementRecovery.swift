import PerfEvents

/// What ``VCPU/runRecoveringPlacement(before:binding:)`` did.
public struct RecoveredRun: Hashable, Sendable {
    /// The exit of the last `KVM_RUN`.
    public var exit: VCPUExit
    /// The failed entry that made it re-pin, nil when the first run did not fail that way.
    public var recovered: FailEntry?
}

extension VCPU {
    /// `KVM_RUN`, and when the entry fails because the thread ran on a CPU outside the
    /// VM's PMU (arm64 5.18+: `KVM_EXIT_FAIL_ENTRY` with `CPU_UNSUPPORTED`), re-pins the
    /// calling thread to `binding`'s CPUs and runs once more. The guest did not run in
    /// the failed entry, so nothing is lost; any other exit is returned as it is.
    ///
    /// A VMM whose VCPU threads get moved (cpusets, a user's `taskset`) calls this
    /// instead of ``run(before:)``. A second failure is returned: re-pinning did not help.
    public func runRecoveringPlacement(before deadline: RunDeadline, binding: PMUBinding) throws(KVMError) -> RecoveredRun {
        try runRecoveringPlacement(before: deadline, binding: binding, arm64: FailEntry.hostIsARM64)
    }

    /// The same with the architecture given (tests read an arm64 failure on any host).
    package func runRecoveringPlacement(before deadline: RunDeadline, binding: PMUBinding,
                                        arm64: Bool) throws(KVMError) -> RecoveredRun {
        let first = try run(before: deadline)
        guard case .failEntry(let failure) = first, failure.isCPUUnsupported(arm64: arm64) else {
            return RecoveredRun(exit: first, recovered: nil)
        }
        try binding.pinCallingThread()
        return RecoveredRun(exit: try run(before: deadline), recovered: failure)
    }
}

extension PMUBinding {
    /// One binding for a VM whose VCPU threads are placed on `placements` (one CPU set
    /// per VCPU): KVM gives a VM one PMU, so every set must lie within one core PMU's
    /// CPUs. Placements over two clusters are refused before anything is created,
    /// naming each PMU they touch (``PMUChoiceError/Reason/straddles(cpus:pmus:)``).
    /// The binding's ``cpus`` is the union; pin each VCPU thread to its own set.
    package static func choose(from pmus: [PMU], forVCPUs placements: [CPUSet]) throws(PMUChoiceError) -> PMUBinding {
        let union = placements.reduce(CPUSet([Int]())) { $0.union($1) }
        return try choose(from: pmus, for: union)
    }
}
