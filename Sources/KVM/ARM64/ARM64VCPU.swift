import PerfEvents

/// `struct kvm_vcpu_init` (32 bytes): target u32, features u32[7].
package struct ARM64VCPUInit: Hashable, Sendable {
    /// `sizeof(struct kvm_vcpu_init)`.
    package static let size = 32
    /// `KVM_ARM_VCPU_PSCI_0_2` feature bit: PSCI 0.2+ (SYSTEM_OFF → `KVM_EXIT_SYSTEM_EVENT`).
    package static let psci02Feature = 2
    /// `KVM_ARM_VCPU_PMU_V3` feature bit: give the VCPU a PMUv3.
    package static let pmuV3Feature = 3

    package var target: UInt32
    package var features: [UInt32]

    package init(target: UInt32, features: [UInt32] = [UInt32](repeating: 0, count: 7)) {
        self.target = target
        var words = Array(features.prefix(7))
        words += [UInt32](repeating: 0, count: 7 - words.count)
        self.features = words
    }

    /// Decodes the 32 bytes `KVM_ARM_PREFERRED_TARGET` fills.
    package init(bytes: [UInt8]) {
        target = ByteImage.load(UInt32.self, at: 0, in: bytes) ?? 0
        features = (0..<7).map { ByteImage.load(UInt32.self, at: 4 + 4 * $0, in: bytes) ?? 0 }
    }

    package var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        ByteImage.store(target, at: 0, in: &bytes)
        for (index, word) in features.prefix(7).enumerated() { ByteImage.store(word, at: 4 + 4 * index, in: &bytes) }
        return bytes
    }

    /// Whether feature bit `bit` is set.
    package func has(feature bit: Int) -> Bool {
        guard bit >= 0, bit < 7 * 32 else { return false }
        return features[bit / 32] & (1 << UInt32(bit % 32)) != 0
    }

    /// Sets feature bit `bit` (0…223).
    package mutating func set(feature bit: Int) {
        guard bit >= 0, bit < 7 * 32 else { return }
        features[bit / 32] |= 1 << UInt32(bit % 32)
    }
}

/// `KVM_SET_ONE_REG` ids of the arm64 core registers this module sets:
/// `KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offset in struct kvm_regs / 4)`.
package enum ARM64Register {
    /// `regs.pc` (offset 0x100 in `kvm_regs`: 31 x-registers and sp before it).
    package static let pc: UInt64 = 0x6030_0000_0010_0040
    /// `regs.pstate` (offset 0x108).
    package static let pstate: UInt64 = 0x6030_0000_0010_0042
    /// PSTATE for EL1h (M = 0b0101) with D, A, I and F masked (bits 9…6).
    package static let el1hAllMasked: UInt64 = 0x3C5
    /// PMCR_EL0 as a system register: `KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG`
    /// with op0 3, op1 3, CRn 9, CRm 12, op2 0.
    package static let pmcrEL0: UInt64 = 0x6030_0000_0013_0000 | 3 << 14 | 3 << 11 | 9 << 7 | 12 << 3
    /// PMCR_EL0.N, the number of event counters: bits 15…11.
    package static func counterCount(pmcr: UInt64) -> UInt32 { UInt32((pmcr >> 11) & 0x1F) }
}

extension VirtualMachine {
    /// `KVM_ARM_PREFERRED_TARGET`: the VCPU target for this host.
    ///
    /// Throws reason `.notARM64KVM` when the kernel does not know the ioctl (ENOTTY: x86).
    package func armPreferredTarget() throws(KVMError) -> ARM64VCPUInit {
        var bytes = [UInt8](repeating: 0, count: ARM64VCPUInit.size)
        do {
            _ = try ioctl(KVMIoctl.armPreferredTarget, bytes: &bytes)
        } catch {
            throw error.refinedForARM64("KVM_ARM_PREFERRED_TARGET")
        }
        return ARM64VCPUInit(bytes: bytes)
    }

    /// Whether this KVM can give VCPUs a PMUv3 (`KVM_CHECK_EXTENSION(KVM_CAP_ARM_PMU_V3)`).
    /// 0 on x86, where the capability number means nothing.
    package func supportsARMPMUv3() throws(KVMError) -> Bool {
        try checkExtension(KVMCapability.armPMUv3) > 0
    }

    /// Prepares every VCPU of this VM for an arm64 guest with a PMU, in the order KVM requires:
    ///
    /// 1. `KVM_CHECK_EXTENSION(KVM_CAP_ARM_PMU_V3)` must be non-zero (else `.notARM64KVM`);
    /// 2. `KVM_ARM_PREFERRED_TARGET`, plus feature bits PSCI_0_2 and PMU_V3;
    /// 3. `KVM_ARM_VCPU_INIT` on each VCPU;
    /// 4. with `vgic`: the in-kernel GICv3 (``createVGICv3(_:)``), initialised;
    /// 5. `KVM_HAS_DEVICE_ATTR` for each PMU attribute (``ARM64PMUFeatures``): a missing
    ///    optional one the configuration uses is refused here (`.attributeUnsupported`),
    ///    before anything is set;
    /// 6. the PMU attributes in `ARM64PMUConfiguration.steps` order: SET_PMU, FILTER,
    ///    SET_NR_COUNTERS through the first VCPU (they apply to the VM), IRQ and INIT
    ///    on each VCPU;
    /// 7. PC = `entry`, PSTATE = EL1h with DAIF masked, via `KVM_SET_ONE_REG`.
    ///
    /// `pmu` nil gives the VCPUs no PMU. Creates `vcpuCount` VCPUs if the VM has fewer.
    /// Returns what `KVM_HAS_DEVICE_ATTR` said (empty without a PMU).
    @discardableResult
    public func prepareARM64(vcpuCount: Int = 1, entry: UInt64, pmu: ARM64PMUConfiguration?, vgic: VGICv3? = nil)
        throws(KVMError) -> ARM64PMUFeatures
    {
        if pmu != nil, try !supportsARMPMUv3() {
            throw KVMError(.notARM64KVM(operation: "KVM_ARM_VCPU_PMU_V3"), call: "KVM_CHECK_EXTENSION(KVM_CAP_ARM_PMU_V3) = 0")
        }
        var initial = try armPreferredTarget()
        initial.set(feature: ARM64VCPUInit.psci02Feature)
        if pmu != nil { initial.set(feature: ARM64VCPUInit.pmuV3Feature) }
        while vcpus.count < vcpuCount { try createVCPU() }
        for vcpu in vcpus { try vcpu.armInitialise(initial) }
        if let vgic { try createVGICv3(vgic) }
        var features = ARM64PMUFeatures(available: [])
        if let pmu, let first = vcpus.first {
            features = try first.armPMUFeatures()
            try pmu.check(features: features, hasVGIC: vgic != nil)
            let asksRegister = pmu.counterCount != nil && !features.has(.setCounterCount)
            let route = pmu.counterCountRoute(features: features, pmcrWritable: asksRegister ? try userspaceSetsPMCRCounterCount() : false)
            if route == ARM64PMUConfiguration.CounterCountRoute.none, let count = pmu.counterCount {
                throw KVMError(.attributeUnsupported(.setCounterCount, explanation:
                    ARM64PMUFeatures.missingExplanation(.setCounterCount) + "; and PMCR_EL0.N is not userspace's to write "
                    + "before Linux 6.7 (KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES = 0), so the guest cannot be limited to \(count)"),
                    call: "KVM_HAS_DEVICE_ATTR " + ARM64PMUAttribute.setCounterCount.name)
            }
            var applied = pmu
            if route == .register { applied.counterCount = nil }
            for step in applied.steps {
                for vcpu in step.everyVCPU ? vcpus : [first] {
                    try vcpu.setPMUAttribute(step.attribute, bytes: step.value)
                }
            }
            if route == .register, let count = pmu.counterCount { try limitCountersThroughPMCR(count) }
        }
        for vcpu in vcpus {
            try vcpu.setOneRegister(ARM64Register.pc, entry)
            try vcpu.setOneRegister(ARM64Register.pstate, ARM64Register.el1hAllMasked)
        }
        return features
    }

    /// Whether userspace may write PMCR_EL0.N (Linux 6.7+): no attribute says so, so this asks
    /// `KVM_CHECK_EXTENSION(KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES)`, which came in the same release.
    package func userspaceSetsPMCRCounterCount() throws(KVMError) -> Bool {
        try checkExtension(KVMCapability.armSupportedRegisterMaskRanges) > 0
    }

    /// The guest's event counters limited to `count` through PMCR_EL0.N (``ARM64PMUConfiguration/CounterCountRoute/register``):
    /// read on the first VCPU, written with N = `count` on every VCPU (after SET_PMU, which
    /// resets N; before the first run), then read back. Linux 6.7+ takes an N up to the
    /// host PMU's and silently keeps the old one otherwise; the read-back says which.
    func limitCountersThroughPMCR(_ count: UInt32) throws(KVMError) {
        guard let first = vcpus.first else { return }
        let before = try first.getOneRegister(ARM64Register.pmcrEL0)
        let value = (before & ~(UInt64(0x1F) << 11)) | UInt64(count & 0x1F) << 11
        for vcpu in vcpus { try vcpu.setOneRegister(ARM64Register.pmcrEL0, value) }
        let after = ARM64Register.counterCount(pmcr: try first.getOneRegister(ARM64Register.pmcrEL0))
        guard after == count else {
            throw KVMError(.attributeUnsupported(.setCounterCount, explanation:
                "this kernel has no \(ARM64PMUAttribute.setCounterCount.name) (added in Linux 6.16), and PMCR_EL0.N "
                + "written with KVM_SET_ONE_REG reads back \(after), not \(count): Linux 6.7+ keeps the old N when the "
                + "new one is above the host PMU's counters"),
                call: "KVM_SET_ONE_REG PMCR_EL0")
        }
    }

}

extension VirtualMachine {
    /// `KVM_ARM_VCPU_PMU_V3_SET_PMU` through the first VCPU (the setting is per VM),
    /// after `KVM_HAS_DEVICE_ATTR` said the kernel has it.
    /// Throws `.notARM64KVM` where `KVM_CAP_ARM_PMU_V3` is 0 (x86), `.attributeUnsupported`
    /// before 5.18, and the SET_PMU reasons (EBUSY, ENXIO, ENODEV, EFAULT) from the kernel.
    package func setARMPMU(type: UInt32) throws(KVMError) {
        if try !supportsARMPMUv3() {
            throw KVMError(.notARM64KVM(operation: "KVM_ARM_VCPU_PMU_V3_SET_PMU"), call: "KVM_CHECK_EXTENSION(KVM_CAP_ARM_PMU_V3) = 0")
        }
        guard let first = vcpus.first else {
            throw KVMError(.noPMUv3, call: "KVM_ARM_VCPU_PMU_V3_SET_PMU: the VM has no VCPU to apply it through")
        }
        try first.setPMUAttribute(.setPMU, value: Int32(bitPattern: type))
    }
}

extension VCPU {
    /// `KVM_ARM_VCPU_INIT`.
    package func armInitialise(_ initial: ARM64VCPUInit) throws(KVMError) {
        var bytes = initial.bytes
        do {
            _ = try ioctl(KVMIoctl.armVCPUInit, bytes: &bytes)
        } catch {
            throw error.refinedForARM64("KVM_ARM_VCPU_INIT")
        }
    }

    /// `KVM_SET_ONE_REG` of a 64-bit register (`struct kvm_one_reg`: id u64, addr u64).
    public func setOneRegister(_ id: UInt64, _ value: UInt64) throws(KVMError) {
        var storage = value
        try withUnsafeMutableBytes(of: &storage) { (raw) throws(KVMError) in
            var bytes = [UInt8](repeating: 0, count: 16)
            ByteImage.store(id, at: 0, in: &bytes)
            ByteImage.store(ioctlArgument(raw.baseAddress), at: 8, in: &bytes)
            do throws(KVMError) {
                _ = try ioctl(KVMIoctl.setOneRegister, bytes: &bytes)
            } catch {
                throw error.refinedForARM64("KVM_SET_ONE_REG")
            }
        }
    }

    /// `KVM_GET_ONE_REG` of a 64-bit register.
    public func getOneRegister(_ id: UInt64) throws(KVMError) -> UInt64 {
        var storage: UInt64 = 0
        try withUnsafeMutableBytes(of: &storage) { (raw) throws(KVMError) in
            var bytes = [UInt8](repeating: 0, count: 16)
            ByteImage.store(id, at: 0, in: &bytes)
            ByteImage.store(ioctlArgument(raw.baseAddress), at: 8, in: &bytes)
            do throws(KVMError) {
                _ = try ioctl(KVMIoctl.getOneRegister, bytes: &bytes)
            } catch {
                throw error.refinedForARM64("KVM_GET_ONE_REG")
            }
        }
        return storage
    }

    /// `KVM_HAS_DEVICE_ATTR`: whether the VCPU knows `attribute` of `group`.
    /// Throws only when the ioctl itself is unknown (`.notARM64KVM` on x86).
    package func hasDeviceAttribute(group: UInt32, attribute: UInt64) throws(KVMError) -> Bool {
        var bytes = DeviceAttribute(group: group, attribute: attribute).bytes
        do {
            _ = try ioctl(KVMIoctl.hasDeviceAttribute, bytes: &bytes)
            return true
        } catch {
            if error.errno == .noSuchDeviceOrAddress { return false }
            throw error.refinedForARM64("KVM_HAS_DEVICE_ATTR")
        }
    }

    /// `KVM_SET_DEVICE_ATTR` of a PMU control, with an `Int32` value (or none).
    package func setPMUAttribute(_ attribute: ARM64PMUAttribute, value: Int32? = nil) throws(KVMError) {
        try setPMUAttribute(attribute, bytes: value.map { ARM64PMUConfiguration.int32Bytes(UInt32(bitPattern: $0)) })
    }

    /// `KVM_SET_DEVICE_ATTR` of a PMU control whose value is `bytes` (nil: none). An
    /// optional attribute (FILTER, SET_PMU, SET_NR_COUNTERS) is first asked about with
    /// `KVM_HAS_DEVICE_ATTR`; a kernel without it gets `.attributeUnsupported`, naming
    /// the release that added it, rather than an ENXIO that reads as a bad value.
    public func setPMUAttribute(_ attribute: ARM64PMUAttribute, bytes: [UInt8]?) throws(KVMError) {
        let type = bytes.flatMap { ByteImage.load(UInt32.self, at: 0, in: $0) }
        if attribute == .filter || attribute == .setPMU || attribute == .setCounterCount {
            guard try hasDeviceAttribute(group: ARM64PMUAttribute.group, attribute: attribute.rawValue) else {
                // Without a PMU on the VCPU even INIT is unknown.
                if try !hasDeviceAttribute(group: ARM64PMUAttribute.group, attribute: ARM64PMUAttribute.initialise.rawValue) {
                    throw KVMError(.noPMUv3, call: "KVM_HAS_DEVICE_ATTR " + attribute.name)
                }
                throw KVMError(.attributeUnsupported(attribute, explanation: ARM64PMUFeatures.missingExplanation(
                    attribute, pmu: attribute == .setPMU ? type.map { "PMU type \($0)" } : nil)),
                    call: "KVM_HAS_DEVICE_ATTR " + attribute.name)
            }
        }
        var storage = bytes ?? []
        let failure: KVMError? = storage.withUnsafeMutableBytes { raw in
            let address = bytes == nil ? 0 : ioctlArgument(raw.baseAddress)
            var request = attribute.attribute(address: address).bytes
            do throws(KVMError) {
                _ = try ioctl(KVMIoctl.setDeviceAttribute, bytes: &request)
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            throw failure.refinedForPMU(attribute, type: attribute == .setPMU ? type : nil,
                                        detail: attribute == .filter ? bytes.flatMap { PMUEventFilter(bytes: $0) } : nil,
                                        value: attribute == .setPMU || attribute == .filter ? nil : type)
        }
    }


}

extension KVMError {
    /// An arm64-only ioctl that the kernel does not know (ENOTTY) means an x86 (or other) KVM.
    func refinedForARM64(_ operation: String) -> KVMError {
        if errno == .notTTY { return KVMError(.notARM64KVM(operation: operation), call: call, errno: errno) }
        return self
    }

    /// SET_DEVICE_ATTR errno to what it means for the PMU controls (vcpu.rst).
    func refinedForPMU(_ attribute: ARM64PMUAttribute, type: UInt32?, detail filter: PMUEventFilter? = nil,
                       value: UInt32? = nil) -> KVMError {
        var call = "ioctl KVM_SET_DEVICE_ATTR " + attribute.name + (type.map { "(\($0))" } ?? "") + (value.map { "(\($0))" } ?? "")
        if let filter {
            call += "(base 0x" + String(filter.baseEvent, radix: 16) + " count \(filter.eventCount) "
                + (filter.action == .allow ? "allow" : "deny") + ")"
        }
        switch errno {
        case .busy?:
            return KVMError(.pmuAlreadyFixed, call: call, errno: errno)
        case .noSuchDeviceOrAddress? where attribute == .setPMU:
            return KVMError(.noSuchPMU(type: type ?? 0), call: call, errno: errno)
        case .noSuchDevice? where attribute == .initialise:
            return KVMError(.vgicNotInitialised, call: call, errno: errno)
        case .noSuchDeviceOrAddress? where attribute == .initialise:
            // Measured in the lab (6.12): a VM with an in-kernel vGIC, INIT without IRQ.
            return KVMError(.invalidConfiguration("the VM has an in-kernel vGIC, so each VCPU's PMU needs its overflow"
                + " interrupt (KVM_ARM_VCPU_PMU_V3_IRQ) before KVM_ARM_VCPU_PMU_V3_INIT"), call: call, errno: errno)
        case .noSuchDevice?:
            return KVMError(.noPMUv3, call: call, errno: errno)
        case .badAddress?:
            return KVMError(.badAddress, call: call, errno: errno)
        case .notTTY?:
            return KVMError(.notARM64KVM(operation: attribute.name), call: call, errno: errno)
        default:
            return KVMError(reason, call: call, errno: errno)
        }
    }
}
