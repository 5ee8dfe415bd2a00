import CPerfEvents
import KVM
import PerfEvents

/// What this kernel's KVM has: KVM_HAS_DEVICE_ATTR for each PMU attribute on a scratch
/// VCPU, and `pmu kvm`'s per-PMU verdicts (VirtualPMUReport).
extension Lab {
    /// Prints one `kvm-features` fact and one `kvm-trial` fact per core PMU; returns the features.
    func showFeatures() -> ARM64PMUFeatures {
        var features = ARM64PMUFeatures(available: [])
        var raw: [ARM64PMUAttribute: String] = [:]
        do {
            let vm = try VirtualMachine()
            defer { vm.close() }
            features = try vm.prepareARM64(entry: 0x4000_0000, pmu: ARM64PMUConfiguration())
            if let vcpu = vm.vcpus.first {
                for attribute in ARM64PMUAttribute.allCases { raw[attribute] = Self.rawHasDeviceAttribute(vcpu.fd, attribute.rawValue) }
            }
        } catch {
            Out.error("features", msg: error.description)
        }
        var fields: [(String, String)] = []
        for attribute in ARM64PMUAttribute.allCases {
            let name = String(attribute.name.dropFirst("KVM_ARM_VCPU_PMU_V3_".count)).lowercased()
            fields.append((name, features.has(attribute) ? "yes" : "no"))
            // The kernel's own answer, asked here without the library: check-lab requires the two to agree.
            fields.append(("raw_" + name, raw[attribute] ?? "unasked"))
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

    /// KVM_HAS_DEVICE_ATTR on `fd` for attribute `attribute` of the PMU group (0), with
    /// the ioctl number and `struct kvm_device_attr` written out here, not the library's:
    /// "yes" (0), "no" (ENXIO) or the errno.
    static func rawHasDeviceAttribute(_ fd: Int32, _ attribute: UInt64) -> String {
        // _IOW(KVMIO 0xAE, 0xE3, struct kvm_device_attr): 24 bytes = u32 flags, u32 group, u64 attr, u64 addr.
        let request: UInt64 = (1 << 30) | (24 << 16) | (0xAE << 8) | 0xE3
        var words: [UInt64] = [0, attribute, 0]  // flags 0 and group 0 share the first word
        let result = words.withUnsafeMutableBytes { bytes in
            cpe_ioctl(fd, request, UInt64(UInt(bitPattern: bytes.baseAddress)))
        }
        if result == 0 { return "yes" }
        return result == -6 ? "no" : "errno\(-result)"  // ENXIO
    }
}
