import PerfEvents

/// The one host core PMU a VM is bound to, and the CPUs its VCPU threads run on.
///
/// A PMU-aware VMM makes one decision and applies it three times; this value is
/// that decision, so the three cannot disagree:
///
/// 1. **pinning**: each VCPU thread restricts itself to ``cpus`` before its first
///    `KVM_RUN` (``pinCallingThread()``, or scoped: ``withCallingThreadPinned(_:)``);
///    KVM does not pin VCPU threads, and on arm64 (5.18+) a VCPU entering on a CPU
///    outside the VM's PMU fails with `KVM_EXIT_FAIL_ENTRY` / `CPU_UNSUPPORTED`;
/// 2. **host counters**: the VCPU thread counts cycles and instructions on ``pmu``
///    with that PMU's own type (``VCPUCounters``);
/// 3. **arm64 `SET_PMU`**: the VM's virtual PMU is backed by ``type``
///    (``VirtualMachine/prepareARM64(vcpuCount:entry:pmu:vgic:)`` with
///    ``ARM64PMUConfiguration/init(binding:filters:counterCount:interrupt:)``).
///
/// A binding comes from the PMU choice (``PMUChoice/ladder(from:for:requested:kernel:names:)``,
/// ``PMUChoice/Answer/binding``):
///
/// ```swift
/// let inventory = try PMUDiscovery().discover()
/// let answer = try PMUChoice.ladder(from: inventory.pmus, for: try CPUSet(parsing: "4-5"))
/// guard let binding = answer.binding else { throw MyError(answer.reason) }
/// // on the VCPU thread:
/// try binding.pinCallingThread()
/// let counters = VCPUCounters(binding: binding, resolver: Resolver(pmus: inventory.pmus))
/// ```
public struct PMUBinding: Hashable, Sendable {
    /// The chosen host core PMU (from discovery).
    public let pmu: PMU
    /// The CPUs the VCPU threads are pinned to: the CPUs asked for, all of which ``pmu`` covers.
    public let cpus: CPUSet
    /// How many core PMUs the host has: more than one is a heterogeneous host
    /// (big.LITTLE, Intel hybrid), where events must name their PMU.
    public let corePMUCount: Int

    /// Binds to `pmu` for `cpus` without checking coverage (use ``choose(from:for:)`` to check).
    package init(pmu: PMU, cpus: CPUSet, corePMUCount: Int = 1) {
        self.pmu = pmu
        self.cpus = cpus
        self.corePMUCount = corePMUCount
    }

    /// The core PMU that covers all of `cpus` (`PMUChoice.choose(from:for:)`), bound to those CPUs.
    package static func choose(from pmus: [PMU], for cpus: CPUSet) throws(PMUChoiceError) -> PMUBinding {
        let pmu = try PMUChoice.choose(from: pmus, for: cpus)
        return PMUBinding(pmu: pmu, cpus: cpus, corePMUCount: pmus.filter { $0.isCore }.count)
    }

    /// `perf_event_attr.type` of the PMU, and what `KVM_ARM_VCPU_PMU_V3_SET_PMU` takes.
    public var type: UInt32 { pmu.type }

    /// Whether the host has several core PMUs.
    public var isHeterogeneousHost: Bool { corePMUCount > 1 }

    /// Why this PMU was chosen, for messages and `pmu kvm`.
    public var reason: String {
        guard let own = pmu.cpus else {
            return "\(pmu.name) (type \(pmu.type)) covers every CPU, including \(cpus)"
                + (isHeterogeneousHost ? "" : ": the host's only core PMU")
        }
        var text = (cpus.count == 1 ? "CPU \(cpus) belongs to " : "CPUs \(cpus) all belong to ")
            + "\(pmu.name) (type \(pmu.type), CPUs \(own))"
        if isHeterogeneousHost {
            text += "; the VCPU threads must stay on them (the machine has \(corePMUCount) core PMUs)"
        }
        return text
    }

    /// The binding for every CPU of `pmu` (the placement rule's default), chosen
    /// among `pmus` like ``choose(from:for:)``; a PMU without a CPU list needs the
    /// CPUs given as `cpus`.
    package static func choose(from pmus: [PMU], wholeOf pmu: PMU, cpus: CPUSet? = nil) throws(PMUChoiceError) -> PMUBinding {
        try choose(from: pmus, for: pmu.cpus ?? cpus ?? CPUSet([Int]()))
    }

    /// Restricts the calling thread (the VCPU thread, before its first `KVM_RUN`) to ``cpus``.
    public func pinCallingThread() throws(KVMError) {
        do {
            try Affinity.set(cpus)
        } catch {
            throw KVMError(.callFailed, call: "sched_setaffinity to \(pmu.name)'s CPUs \(cpus)", errno: error.errno)
        }
    }

    /// Runs `body` with the calling thread restricted to ``cpus``, then gives it
    /// back the CPUs it had: a benchmark's or a test's VCPU thread for one VM.
    public func withCallingThreadPinned<T>(_ body: () -> T) throws(KVMError) -> T {
        do {
            return try Affinity.withCallingThread(on: cpus, body)
        } catch {
            throw KVMError(.callFailed, call: "sched_setaffinity to \(pmu.name)'s CPUs \(cpus)", errno: error.errno)
        }
    }
}
