import PerfEvents

/// Which host core PMU a VM's virtual PMU must be backed by, given the CPUs its
/// VCPU threads may run on. KVM exposes one PMU per VM (arm64: `SET_PMU`), and a
/// VCPU thread on a CPU outside that PMU fails to enter the guest (arm64 5.18+:
/// `KVM_EXIT_FAIL_ENTRY`, `CPU_UNSUPPORTED`) or counts nothing sensible. Pure policy.
public enum PMUChoice {
    /// The core PMU whose CPUs cover all of `cpus`.
    ///
    /// - A core PMU without a CPU list covers every CPU (a homogeneous machine's single
    ///   `cpu`/`armv8_pmuv3` PMU).
    /// - Several PMUs covering `cpus` (possible only with CPU-less PMUs) is ambiguous.
    /// - `cpus` spread over two or more PMUs is a straddle, naming each PMU and its CPUs.
    /// - CPUs no core PMU covers are named as such.
    package static func choose(from pmus: [PMU], for cpus: CPUSet) throws(PMUChoiceError) -> PMU {
        let cores = pmus.filter { $0.isCore }
        guard !cores.isEmpty else { throw PMUChoiceError(.noCorePMU(cpus: cpus)) }
        guard !cpus.isEmpty else { throw PMUChoiceError(.emptyCPUSet) }
        let covering = cores.filter { pmu in pmu.cpus.map { $0.isSuperset(of: cpus) } ?? true }
        if covering.count == 1 { return covering[0] }
        if covering.count > 1 { throw PMUChoiceError(.ambiguous(cpus: cpus, pmus: covering)) }
        let uncovered = CPUSet(cpus.filter { cpu in !cores.contains { $0.cpus?.contains(cpu) ?? true } })
        if !uncovered.isEmpty { throw PMUChoiceError(.uncovered(cpus: uncovered, pmus: cores)) }
        let touched = cores.filter { pmu in pmu.cpus.map { !$0.intersection(cpus).isEmpty } ?? true }
        throw PMUChoiceError(.straddles(cpus: cpus, pmus: touched))
    }
}

/// Why no single PMU fits.
public struct PMUChoiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kept a single PMU from fitting.
    public enum Reason: Hashable, Sendable {
        /// The machine lists no core PMU (no CPU PMU driver, or a VM without vPMU).
        case noCorePMU(cpus: CPUSet)
        /// No CPUs were given.
        case emptyCPUSet
        /// The CPUs span several PMUs (big.LITTLE, hybrid x86).
        case straddles(cpus: CPUSet, pmus: [PMU])
        /// Some CPUs belong to no core PMU.
        case uncovered(cpus: CPUSet, pmus: [PMU])
        /// More than one PMU claims all the CPUs.
        case ambiguous(cpus: CPUSet, pmus: [PMU])
        /// The caller named a PMU that is no core PMU of the machine.
        case unknownPMU(name: String, pmus: [PMU])
        /// The caller's PMU has none of the allowed CPUs.
        case requestedOutside(cpus: CPUSet, pmu: PMU)
    }

    /// Which way the choice failed, with the CPUs and PMUs concerned.
    public var reason: Reason
    package init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .noCorePMU(let cpus):
            return "no CPU PMU for CPUs \(cpus): /sys/bus/event_source/devices lists no core PMU "
                + "(no PMU driver, or the host is itself a VM without a virtual PMU)"
        case .emptyCPUSet:
            return "no CPUs given: the VCPU threads must be allowed at least one CPU"
        case .straddles(let cpus, let pmus):
            return "CPUs \(cpus) straddle \(pmus.count) PMUs: " + Self.list(pmus, within: cpus)
                + "; KVM gives a VM one PMU: restrict the VCPU threads to one PMU's CPUs (for example "
                + Self.example(pmus) + ")"
        case .uncovered(let cpus, let pmus):
            return "CPUs \(cpus) belong to no core PMU (core PMUs: " + Self.list(pmus, within: nil)
                + "); pick CPUs that one of them covers"
        case .ambiguous(let cpus, let pmus):
            return "CPUs \(cpus) are covered by \(pmus.count) PMUs without CPU lists ("
                + pmus.map { $0.name }.joined(separator: ", ") + "); name the PMU explicitly"
        case .unknownPMU(let name, let pmus):
            return "no core PMU is named \(name) (core PMUs: " + Self.list(pmus, within: nil) + ")"
        case .requestedOutside(let cpus, let pmu):
            return "\(pmu.name) (type \(pmu.type), \(Self.cpuText(pmu))) has none of CPUs \(cpus): "
                + "allow some of its CPUs, or ask for another PMU"
        }
    }

    private static func cpuText(_ pmu: PMU) -> String {
        pmu.cpus.map { "CPUs \($0)" } ?? "all CPUs"
    }

    private static func list(_ pmus: [PMU], within cpus: CPUSet?) -> String {
        pmus.map { pmu in
            var text = "\(pmu.name) (type \(pmu.type), \(cpuText(pmu)))"
            if let cpus, let own = pmu.cpus { text += " has \(own.intersection(cpus))" }
            return text
        }.joined(separator: ", ")
    }

    private static func example(_ pmus: [PMU]) -> String {
        pmus.map { pmu in pmu.cpus.map { "\($0) for \(pmu.name)" } ?? "any CPU for \(pmu.name)" }.joined(separator: " or ")
    }
}
