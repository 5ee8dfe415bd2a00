/// Which optional VCPU PMU attributes this kernel's KVM has, from
/// `KVM_HAS_DEVICE_ATTR` on a VCPU initialised with ``ARM64VCPUInit/pmuV3Feature``
/// (KVM answers ENXIO for an attribute it does not know, and for every attribute of
/// a VCPU without a PMU).
public struct ARM64PMUFeatures: Hashable, Sendable {
    /// The attributes KVM said it has.
    public var available: Set<ARM64PMUAttribute>

    public init(available: Set<ARM64PMUAttribute>) {
        self.available = available
    }

    /// Whether KVM has `attribute`.
    public func has(_ attribute: ARM64PMUAttribute) -> Bool { available.contains(attribute) }

    /// `SET_PMU`: the VMM can choose the host PMU behind the guest's (Linux 5.18+).
    public var canPinPMU: Bool { has(.setPMU) }

    /// One word per attribute, `name=yes|no`, for reports (`pmu kvm`, the lab).
    public var summary: String {
        ARM64PMUAttribute.allCases.map { attribute in
            attribute.name.replacingPrefix("KVM_ARM_VCPU_PMU_V3_") + "=" + (has(attribute) ? "yes" : "no")
        }.joined(separator: " ")
    }

    /// Why `attribute` cannot be used on this kernel, naming the release that added it;
    /// for SET_PMU also what that means for the guest's counters on `pmu`.
    public static func missingExplanation(_ attribute: ARM64PMUAttribute, pmu: String? = nil, cpus: String? = nil) -> String {
        var text = "KVM_HAS_DEVICE_ATTR: this kernel has no \(attribute.name) (added in Linux \(attribute.since))"
        switch attribute {
        case .setPMU:
            let name = pmu ?? "the wanted PMU"
            text = "this kernel cannot pin the guest PMU; counters stop when a VCPU leaves \(name)'s CPUs"
                + (cpus.map { " \($0)" } ?? "") + " (KVM_HAS_DEVICE_ATTR: no \(attribute.name), added in Linux 5.18):"
                + " KVM backs the guest's counters with a host PMU of its own choosing; keep every VCPU thread on one PMU's CPUs"
        case .filter:
            text += ": the guest sees every event the PMU has"
        case .setCounterCount:
            text += ": the guest gets all of the PMU's counters (PMCR_EL0.N)"
        case .irq, .initialise:
            break
        }
        return text
    }
}

extension String {
    /// The string without `prefix` when it starts with it.
    func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}

extension VCPU {
    /// `KVM_HAS_DEVICE_ATTR` for every PMU attribute. Call it after `KVM_ARM_VCPU_INIT`
    /// with the PMUv3 feature (a VCPU without a PMU has none of them).
    public func armPMUFeatures() throws(KVMError) -> ARM64PMUFeatures {
        var available: Set<ARM64PMUAttribute> = []
        for attribute in ARM64PMUAttribute.allCases
        where try hasDeviceAttribute(group: ARM64PMUAttribute.group, attribute: attribute.rawValue) {
            available.insert(attribute)
        }
        return ARM64PMUFeatures(available: available)
    }
}
