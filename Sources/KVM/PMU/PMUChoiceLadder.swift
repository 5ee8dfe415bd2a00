import PerfEvents

/// The PMU choice ladder: what a VM whose VCPU threads may run on some CPUs gets for a
/// PMU when a single covering PMU is not a given (big.LITTLE, or a caller's choice).
///
/// The rungs, tried in order; the first that applies is the answer:
///
/// 1. **the caller's PMU** (``Rung/callersPMU``): the VCPU threads keep to its CPUs
///    among those allowed (none shared is an error, not a fall-through);
/// 2. **a PMU covering every allowed CPU** (``Rung/covering``);
/// 3. **fixed counters only** (``Rung/fixedCountersOnly``): only where the kernel's own
///    headers name `KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY` and `KVM_HAS_DEVICE_ATTR`
///    offers that number: the cycle counter alone, valid on every CPU, so the VCPUs keep
///    all allowed CPUs (proposed upstream, exclusive with SET_PMU and FILTER);
/// 4. **one PMU's CPUs** (``Rung/restricted``), by a stated rule: the core PMU with the
///    most of the allowed CPUs, then the lower perf type; the VCPU threads are
///    restricted to those CPUs;
/// 5. **no PMU** (``Rung/none``): no core PMU shares an allowed CPU, there is none, or
///    the kernel's KVM has no PMUv3.
///
/// Each ``Answer`` says why, and which attributes of the PMU control group it sets
/// (SET_PMU where the kernel offers it, so a 6.7+ kernel never falls back to the PMU of
/// whichever CPU ran `KVM_ARM_VCPU_INIT`).
extension PMUChoice {
    /// A rung of the ladder.
    public enum Rung: String, Hashable, Sendable, CaseIterable {
        /// The PMU the caller named; the VCPU threads keep to its CPUs among those allowed.
        case callersPMU = "callers-pmu"
        /// The one core PMU that covers every allowed CPU.
        case covering = "covering"
        /// No PMU behind the guest's, only the cycle counter, valid on every CPU
        /// (`KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY`, where the kernel offers it).
        case fixedCountersOnly = "fixed-counters-only"
        /// The core PMU with the most allowed CPUs (then the lower perf type); the VCPU
        /// threads are restricted to its CPUs.
        case restricted = "restricted"
        /// No virtual PMU: no core PMU shares an allowed CPU, there is none, or KVM has no PMUv3.
        case none = "none"
    }

    /// One attribute of the PMU control group an answer sets, in KVM's order.
    public struct Setting: Hashable, Sendable, CustomStringConvertible {
        /// The attribute number in group `KVM_ARM_VCPU_PMU_V3_CTRL` (0).
        public var attribute: UInt64
        /// Its name: the kernel's headers' where given, else this library's.
        public var name: String
        /// The `int` it takes (nil: none).
        public var value: UInt32?

        public var description: String { name + (value.map { "=\($0)" } ?? "") }
    }

    /// The ladder's answer.
    public struct Answer: Hashable, Sendable {
        /// The rung that applied.
        public var rung: Rung
        /// The host PMU behind the VM's (nil for fixed counters only and for no PMU).
        public var pmu: PMU?
        /// The CPUs the VCPU threads may use under this answer (empty for no PMU: any allowed CPU).
        public var cpus: CPUSet
        /// The CPUs the caller allowed.
        public var allowed: CPUSet
        /// What the VM's VCPUs are given, in KVM's order (before `KVM_ARM_VCPU_PMU_V3_INIT`).
        public var settings: [Setting]
        /// Why this rung, naming what the rungs above lacked.
        public var reason: String
        /// How many core PMUs the host has.
        public var corePMUCount: Int

        /// The binding (pinning, host counters, SET_PMU) when the answer has one PMU.
        public var binding: PMUBinding? {
            pmu.map { PMUBinding(pmu: $0, cpus: cpus, corePMUCount: corePMUCount) }
        }
    }

    /// Climbs the ladder for VCPU threads allowed on `cpus`.
    ///
    /// - Parameters:
    ///   - pmus: the host's PMUs, from discovery (only core PMUs are candidates).
    ///   - cpus: the CPUs the VM's VCPU threads may run on.
    ///   - requested: the caller's PMU, by name (rung 1); it must be a core PMU of `pmus`.
    ///   - kernel: what `KVM_HAS_DEVICE_ATTR` offered on the target kernel (nil: not asked,
    ///     such as on another architecture's host; then no attribute is set and rung 3 is out).
    ///   - names: the target kernel's own header names (rung 3 needs its fixed-counters name).
    public static func ladder(from pmus: [PMU], for cpus: CPUSet, requested: String? = nil,
                              kernel: ARM64PMUFeatures? = nil,
                              names: ARM64PMUAttributeNames = .none("no kernel headers given")) throws(PMUChoiceError) -> Answer
    {
        guard !cpus.isEmpty else { throw PMUChoiceError(.emptyCPUSet) }
        let cores = pmus.filter { $0.isCore }
        func answer(_ rung: Rung, _ pmu: PMU?, _ on: CPUSet, _ settings: [Setting], _ reason: String) -> Answer {
            Answer(rung: rung, pmu: pmu, cpus: on, allowed: cpus, settings: settings, reason: reason, corePMUCount: cores.count)
        }
        func shared(_ pmu: PMU) -> CPUSet { pmu.cpus.map { $0.intersection(cpus) } ?? cpus }

        if let kernel, !kernel.has(.initialise) {
            return answer(.none, nil, CPUSet([]), [], "this kernel's KVM has no PMUv3 (KVM_HAS_DEVICE_ATTR offers no "
                + names.label(of: ARM64PMUAttribute.initialise.rawValue) + "): the VCPUs are initialised without one")
        }
        guard !cores.isEmpty else {
            return answer(.none, nil, CPUSet([]), [], PMUChoiceError(.noCorePMU(cpus: cpus)).description)
        }

        if let requested {
            guard let pmu = cores.first(where: { $0.name == requested }) else {
                throw PMUChoiceError(.unknownPMU(name: requested, pmus: cores))
            }
            let on = shared(pmu)
            guard !on.isEmpty else { throw PMUChoiceError(.requestedOutside(cpus: cpus, pmu: pmu)) }
            let (settings, note) = setPMU(pmu, kernel: kernel, names: names)
            let where_ = on == cpus ? "every allowed CPU (\(cpus))" : "CPUs \(on) of the allowed \(cpus); the VCPU threads keep to them"
            return answer(.callersPMU, pmu, on, settings, "the caller asked for \(describe(pmu)), which has " + where_ + note)
        }

        let covering = cores.filter { pmu in pmu.cpus.map { $0.isSuperset(of: cpus) } ?? true }
        if covering.count == 1 {
            let pmu = covering[0]
            let (settings, note) = setPMU(pmu, kernel: kernel, names: names)
            return answer(.covering, pmu, cpus, settings, "\(describe(pmu)) covers every allowed CPU (\(cpus))" + note)
        }
        let span = covering.count > 1
            ? "\(covering.count) PMUs without CPU lists claim CPUs \(cpus)"
            : "CPUs \(cpus) span " + cores.filter { !shared($0).isEmpty }.map { "\($0.name) (\(shared($0)))" }.joined(separator: " and ")
                + (uncovered(cpus, cores).isEmpty ? "" : ", and \(uncovered(cpus, cores)) belong to no core PMU")

        let fixedName = "KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY"
        let fixedNumber = names.number(named: fixedName)
        if let kernel, let fixedNumber, kernel.offers(fixedNumber) {
            return answer(.fixedCountersOnly, nil, cpus, [Setting(attribute: fixedNumber, name: fixedName, value: nil)],
                          span + "; the kernel offers \(fixedName) (attribute \(fixedNumber), named in \(names.source)): "
                            + "the guest gets the cycle counter only, valid on every CPU, so the VCPUs keep all of \(cpus)")
        }
        let noFixed: String
        if kernel == nil {
            noFixed = "no arm64 KVM was asked, so fixed counters only cannot be offered"
        } else if let fixedNumber {
            noFixed = "\(names.source) names \(fixedName) (attribute \(fixedNumber)) but KVM_HAS_DEVICE_ATTR does not offer it"
        } else {
            noFixed = "the kernel's headers (\(names.source)) name no \(fixedName)"
        }

        // Rule: most of the allowed CPUs, then the lower type.
        let ranked = cores.map { ($0, shared($0).count) }.filter { $0.1 > 0 }.sorted { a, b in
            a.1 != b.1 ? a.1 > b.1 : a.0.type < b.0.type
        }
        guard let best = ranked.first else {
            return answer(.none, nil, CPUSet([]), [], PMUChoiceError(.uncovered(cpus: cpus, pmus: cores)).description + "; " + noFixed)
        }
        let (pmu, count) = best
        let on = shared(pmu)
        let (settings, note) = setPMU(pmu, kernel: kernel, names: names)
        let tie = ranked.count > 1 && ranked[1].1 == count ? " (a tie with \(ranked[1].0.name): the lower type)" : ""
        return answer(.restricted, pmu, on, settings, span + "; no PMU covers them all and " + noFixed
            + "; rule: the PMU with the most allowed CPUs, then the lower type: \(describe(pmu)) has \(count)" + tie
            + ", so the VCPU threads are restricted to CPUs \(on)" + note)
    }

    static func describe(_ pmu: PMU) -> String {
        "\(pmu.name) (type \(pmu.type), " + (pmu.cpus.map { "CPUs \($0)" } ?? "all CPUs") + ")"
    }

    static func uncovered(_ cpus: CPUSet, _ cores: [PMU]) -> CPUSet {
        CPUSet(cpus.filter { cpu in !cores.contains { $0.cpus?.contains(cpu) ?? true } })
    }

    /// SET_PMU with `pmu`'s type where the kernel offers it, and what it means where it does not.
    static func setPMU(_ pmu: PMU, kernel: ARM64PMUFeatures?, names: ARM64PMUAttributeNames) -> ([Setting], String) {
        let number = ARM64PMUAttribute.setPMU.rawValue
        let name = names.name(of: number) ?? ARM64PMUAttribute.setPMU.name
        guard let kernel else { return ([], "; no arm64 KVM was asked (KVM_HAS_DEVICE_ATTR), so no attribute is set") }
        guard kernel.offers(number) else {
            return ([], "; the kernel offers no SET_PMU (attribute \(number)): KVM picks the host PMU itself, "
                + "which the VCPU threads' CPUs being all \(pmu.name)'s keeps consistent")
        }
        return ([Setting(attribute: number, name: name, value: pmu.type)], "")
    }
}
