/// Which VCPU PMU attributes this kernel's KVM has, from `KVM_HAS_DEVICE_ATTR` on a
/// VCPU initialised with `ARM64VCPUInit.pmuV3Feature` (KVM answers ENXIO for an
/// attribute it does not know, and for every attribute of a VCPU without a PMU).
///
/// Every number in `probed` is asked, not only those this library has a meaning
/// for: a kernel may offer attributes newer than the library (name them from the
/// kernel's own headers, ``ARM64PMUAttributeNames``).
public struct ARM64PMUFeatures: Hashable, Sendable {
    /// The attribute numbers of the PMU control group (0) that ``VCPU/armPMUFeatures()`` asks about.
    package static let probedAttributes: Range<UInt64> = 0..<16

    /// The attribute numbers asked about.
    package var probed: Range<UInt64>
    /// Those KVM said it has.
    public var offered: Set<UInt64>

    package init(offered: Set<UInt64>, probed: Range<UInt64> = ARM64PMUFeatures.probedAttributes) {
        self.offered = offered
        self.probed = probed
    }

    /// Features from the attributes this library knows (as if only those were asked).
    package init(available: Set<ARM64PMUAttribute>) {
        self.init(offered: Set(available.map { $0.rawValue }), probed: 0..<UInt64(ARM64PMUAttribute.allCases.count))
    }

    /// The offered attributes this library knows.
    public var available: Set<ARM64PMUAttribute> {
        Set(offered.compactMap { ARM64PMUAttribute(rawValue: $0) })
    }

    /// Whether KVM offers attribute number `number` (known to this library or not).
    public func offers(_ number: UInt64) -> Bool { offered.contains(number) }

    /// Whether KVM has `attribute`.
    public func has(_ attribute: ARM64PMUAttribute) -> Bool { offered.contains(attribute.rawValue) }

    /// `SET_PMU`: the VMM can choose the host PMU behind the guest's (Linux 5.18+).
    public var canPinPMU: Bool { has(.setPMU) }

    /// One word per attribute, `name=yes|no`, for reports (`pmu kvm`, the lab).
    package var summary: String {
        ARM64PMUAttribute.allCases.map { attribute in
            attribute.name.replacingPrefix("KVM_ARM_VCPU_PMU_V3_") + "=" + (has(attribute) ? "yes" : "no")
        }.joined(separator: " ")
    }

    /// Every probed number with what KVM said, named only from `names` (the kernel's
    /// headers): `0 KVM_ARM_VCPU_PMU_V3_IRQ=yes … 5 unknown attribute 5=yes`; the
    /// numbers neither offered nor named are summed up as one range at the end.
    package func report(names: ARM64PMUAttributeNames) -> String {
        var words: [String] = []
        var quiet: [UInt64] = []
        for number in probed {
            if offers(number) || names.name(of: number) != nil {
                words.append("\(number) \(names.label(of: number))=" + (offers(number) ? "yes" : "no"))
            } else {
                quiet.append(number)
            }
        }
        if let first = quiet.first, let last = quiet.last {
            let contiguous = last - first + 1 == UInt64(quiet.count)
            words.append((contiguous && quiet.count > 1 ? "\(first)-\(last)" : quiet.map { String($0) }.joined(separator: ","))
                + " unnamed=no")
        }
        return words.joined(separator: " ")
    }

    /// Why `attribute` cannot be used on this kernel, naming the release that added it;
    /// for SET_PMU also what that means for the guest's counters on `pmu`.
    package static func missingExplanation(_ attribute: ARM64PMUAttribute, pmu: String? = nil, cpus: String? = nil) -> String {
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
    /// `KVM_HAS_DEVICE_ATTR` for attribute numbers 0-15 of the PMU group: the ones this
    /// library knows and any a newer kernel adds. Call it after `KVM_ARM_VCPU_INIT` with
    /// the PMUv3 feature (a VCPU without a PMU has none of them).
    public func armPMUFeatures() throws(KVMError) -> ARM64PMUFeatures {
        try armPMUFeatures(probed: ARM64PMUFeatures.probedAttributes)
    }

    package func armPMUFeatures(probed: Range<UInt64>) throws(KVMError) -> ARM64PMUFeatures {
        var offered: Set<UInt64> = []
        for number in probed where try hasDeviceAttribute(group: ARM64PMUAttribute.group, attribute: number) {
            offered.insert(number)
        }
        return ARM64PMUFeatures(offered: offered, probed: probed)
    }
}
