import KVM
import PerfEvents

/// What this kernel's KVM has: KVM_HAS_DEVICE_ATTR for each PMU attribute on a scratch
/// VCPU, and `pmu kvm`'s per-PMU verdicts (VirtualPMUReport).
extension Lab {
    /// Prints one `kvm-features` fact and one `kvm-trial` fact per core PMU; returns the features.
    func showFeatures() -> ARM64PMUFeatures {
        var features = ARM64PMUFeatures(available: [])
        do {
            let vm = try VirtualMachine()
            defer { vm.close() }
            features = try vm.prepareARM64(entry: 0x4000_0000, pmu: ARM64PMUConfiguration())
        } catch {
            Out.error("features", msg: error.description)
        }
        var fields: [(String, String)] = []
        for attribute in ARM64PMUAttribute.allCases {
            fields.append((String(attribute.name.dropFirst("KVM_ARM_VCPU_PMU_V3_".count)).lowercased(),
                           features.has(attribute) ? "yes" : "no"))
        }
        Out.fact("kvm-features", fields, msg: features.summary)
        for trial in VirtualPMUReport.arm64Trials(corePMUs: [little, big]) {
            var verdict = ""
            var message = ""
            switch trial.verdict {
            case .accepted: verdict = "accepted"
            case .rejected(let error): verdict = "rejected"; message = error.description
            case .notApplicable(let why): verdict = "notApplicable"; message = why
            }
            Out.fact("kvm-trial", [("pmu", trial.pmu.name), ("verdict", verdict)], msg: message)
        }
        return features
    }
}

