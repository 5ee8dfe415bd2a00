/// `struct kvm_device_attr` (24 bytes): flags u32 @0, group u32 @4, attr u64 @8, addr u64 @16.
/// Used with `KVM_HAS/SET/GET_DEVICE_ATTR` on a VCPU descriptor for the arm64 PMU controls.
package struct DeviceAttribute: Hashable, Sendable {
    /// `sizeof(struct kvm_device_attr)`.
    package static let size = 24

    package var flags: UInt32
    package var group: UInt32
    package var attribute: UInt64
    /// A user-space address of the attribute's value (0 when it takes none).
    package var address: UInt64

    package init(flags: UInt32 = 0, group: UInt32, attribute: UInt64, address: UInt64 = 0) {
        self.flags = flags
        self.group = group
        self.attribute = attribute
        self.address = address
    }

    /// The structure's bytes.
    package var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        ByteImage.store(flags, at: 0, in: &bytes)
        ByteImage.store(group, at: 4, in: &bytes)
        ByteImage.store(attribute, at: 8, in: &bytes)
        ByteImage.store(address, at: 16, in: &bytes)
        return bytes
    }

    /// Decodes 24 bytes (nil when shorter).
    package init?(bytes: [UInt8]) {
        guard let flags = ByteImage.load(UInt32.self, at: 0, in: bytes),
              let group = ByteImage.load(UInt32.self, at: 4, in: bytes),
              let attribute = ByteImage.load(UInt64.self, at: 8, in: bytes),
              let address = ByteImage.load(UInt64.self, at: 16, in: bytes) else { return nil }
        self.init(flags: flags, group: group, attribute: attribute, address: address)
    }
}

/// The arm64 VCPU PMU controls: group `KVM_ARM_VCPU_PMU_V3_CTRL` (0) and its attributes
/// (`arch/arm64/include/uapi/asm/kvm.h`, `Documentation/virt/kvm/devices/vcpu.rst`).
public enum ARM64PMUAttribute: UInt64, Hashable, Sendable, CaseIterable {
    /// `KVM_ARM_VCPU_PMU_V3_IRQ`: the overflow interrupt's INTID (a PPI, 16…31, the
    /// same on every VCPU, or an SPI); needs an in-kernel vGIC.
    case irq = 0
    /// `KVM_ARM_VCPU_PMU_V3_INIT`: finalise the VCPU's PMU; after it the other
    /// attributes of this VCPU are EBUSY. With an in-kernel vGIC, the vGIC must be
    /// initialised first (else ENODEV).
    case initialise = 1
    /// `KVM_ARM_VCPU_PMU_V3_FILTER` (Linux 5.11): one `struct kvm_pmu_event_filter`
    /// (``PMUEventFilter``) per call; the VM's event allow/deny list.
    case filter = 2
    /// `KVM_ARM_VCPU_PMU_V3_SET_PMU` (Linux 5.18, commit 6ee7fca2a4a0, merged with the
    /// `CPU_UNSUPPORTED` entry failure, 583cda1b0e7d): an `int` PMU type naming the
    /// host arm_pmu for the whole VM.
    case setPMU = 3
    /// `KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS` (Linux 6.16): an `unsigned int` limit on
    /// PMCR_EL0.N. SET_PMU resets it, so it comes after SET_PMU.
    case setCounterCount = 4

    /// `KVM_ARM_VCPU_PMU_V3_CTRL`.
    package static let group: UInt32 = 0

    /// The attribute with `address` pointing at its value.
    package func attribute(address: UInt64 = 0) -> DeviceAttribute {
        DeviceAttribute(group: Self.group, attribute: rawValue, address: address)
    }

    /// The `KVM_*` name.
    public var name: String {
        switch self {
        case .irq: return "KVM_ARM_VCPU_PMU_V3_IRQ"
        case .initialise: return "KVM_ARM_VCPU_PMU_V3_INIT"
        case .filter: return "KVM_ARM_VCPU_PMU_V3_FILTER"
        case .setPMU: return "KVM_ARM_VCPU_PMU_V3_SET_PMU"
        case .setCounterCount: return "KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"
        }
    }

    /// The upstream Linux release that added the attribute (IRQ and INIT came with
    /// the PMUv3 emulation itself, 4.6).
    public var since: String {
        switch self {
        case .irq, .initialise: return "4.6"
        case .filter: return "5.11"
        case .setPMU: return "5.18"
        case .setCounterCount: return "6.16"
        }
    }
}
