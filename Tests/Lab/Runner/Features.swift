import CPerfEvents
import KVM
import PerfEvents

/// What this kernel's KVM has: KVM_HAS_DEVICE_ATTR for each PMU attribute number 0-15 on a
/// scratch VCPU, named only from the kernel's own uapi header (/lab/pmu-attributes.h, lab.sh
/// prepare extracts it from the Debian package of the kernel's version), and `pmu kvm`'s
/// per-PMU verdicts (VirtualPMUReport).
extension Lab {
    /// Where run-lab.sh puts the kernel's PMU attribute names.
    static let attributeNamesPath = "/lab/pmu-attributes.h"

    /// The kernel's header names; none (every number unknown) when the file is missing or
    /// says the header was unavailable.
    static func attributeNames() -> ARM64PMUAttributeNames {
        let text: String
        do {
            text = try FileSystem().readText(attributeNamesPath)
        } catch {
            return .none("unavailable: \(attributeNamesPath): \(error.description)")
        }
        let first = text.split(separator: "\n").first.map { String($0) } ?? ""
        let origin = first.hasPrefix("/* ") && first.hasSuffix(" */") ? String(first.dropFirst(3).dropLast(3)) : first
        return ARM64PMUAttributeNames(header: text, source: origin)
    }

    /// Prints one `kvm-features` fact and one `kvm-trial` fact per core PMU; returns the features.
    func showFeatures() -> ARM64PMUFeatures {
        var features = ARM64PMUFeatures(available: [])
        var raw: [UInt64: String] = [:]
        do {
            let vm = try VirtualMachine()
            defer { vm.close() }
            features = try vm.prepareARM64(entry: 0x4000_0000, pmu: ARM64PMUConfiguration())
            if let vcpu = vm.vcpus.first {
                for number in ARM64PMUFeatures.probedAttributes { raw[number] = Self.rawHasDeviceAttribute(vcpu.fd, number) }
            }
        } catch {
            Out.error("features", msg: error.description)
        }
        var fields: [(String, String)] = []
        for attribute in ARM64PMUAttribute.allCases {
            let name = String(attribute.name.dropFirst("KVM_ARM_VCPU_PMU_V3_".count)).lowercased()
            fields.append((name, features.has(attribute) ? "yes" : "no"))
            // The kernel's own answer, asked here without the library: check-lab requires the two to agree.
            fields.append(("raw_" + name, raw[attribute.rawValue] ?? "unasked"))
        }
        Out.fact("kvm-features", fields, msg: features.summary)
        // Every number, named from the kernel's header only (check-lab reads the same file).
        let names = Self.attributeNames()
        Out.fact("kvm-attribute-names", [("count", "\(names.names.count)")], msg: names.source)
        for number in ARM64PMUFeatures.probedAttributes {
            Out.fact("kvm-attribute", [("number", "\(number)"), ("offered", features.offers(number) ? "yes" : "no"),
                                       ("raw", raw[number] ?? "unasked")], msg: names.label(of: number))
        }
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
