import PerfEvents

/// An in-kernel GICv3 for an arm64 VM (`KVM_CREATE_DEVICE` with `KVM_DEV_TYPE_ARM_VGIC_V3`,
/// Documentation/virt/kvm/devices/arm-vgic-v3.rst): where the guest finds the
/// distributor and the redistributors. Needed for the PMU overflow interrupt
/// (`KVM_ARM_VCPU_PMU_V3_IRQ`); with it, PMU INIT needs the vGIC initialised first.
public struct VGICv3: Hashable, Sendable {
    /// `KVM_DEV_TYPE_ARM_VGIC_V3`.
    package static let deviceType: UInt32 = 7
    /// `KVM_DEV_ARM_VGIC_GRP_ADDR`.
    package static let addressGroup: UInt32 = 0
    /// `KVM_VGIC_V3_ADDR_TYPE_DIST`.
    package static let distributorAttribute: UInt64 = 2
    /// `KVM_VGIC_V3_ADDR_TYPE_REDIST`.
    package static let redistributorAttribute: UInt64 = 3
    /// `KVM_DEV_ARM_VGIC_GRP_CTRL`.
    package static let controlGroup: UInt32 = 4
    /// `KVM_DEV_ARM_VGIC_CTRL_INIT`: after every VCPU exists, before PMU INIT.
    package static let initialiseAttribute: UInt64 = 0
    /// The distributor's size (64 KiB).
    package static let distributorSize: UInt64 = 0x1_0000
    /// One redistributor per VCPU: RD_base then SGI_base (2 × 64 KiB).
    package static let redistributorStride: UInt64 = 0x2_0000
    /// The PMU overflow interrupt the `virt` machines use: PPI 7, INTID 23.
    public static let pmuInterrupt: UInt32 = 23

    /// Guest-physical address of the distributor (64 KiB aligned).
    public var distributorAddress: UInt64
    /// Guest-physical address of the first redistributor; VCPU n's is at
    /// `redistributorAddress + n * redistributorStride` (its MPIDR Aff0 is n).
    public var redistributorAddress: UInt64

    /// QEMU `virt`'s layout: distributor at 0x0800_0000, redistributors at 0x080A_0000.
    public init(distributorAddress: UInt64 = 0x0800_0000, redistributorAddress: UInt64 = 0x080A_0000) {
        self.distributorAddress = distributorAddress
        self.redistributorAddress = redistributorAddress
    }

    /// VCPU `index`'s redistributor (RD_base).
    public func redistributor(ofVCPU index: Int) -> UInt64 {
        redistributorAddress &+ UInt64(index) &* Self.redistributorStride
    }
}

/// `struct kvm_create_device` (12 bytes): type u32 @0, fd u32 @4 (out), flags u32 @8.
enum CreateDevice {
    static let size = 12
}

extension VirtualMachine {
    /// Gives this VM an in-kernel GICv3: `KVM_CREATE_DEVICE`, the distributor and
    /// redistributor addresses, then `KVM_DEV_ARM_VGIC_CTRL_INIT`. Call it after every
    /// VCPU was created and initialised (`KVM_ARM_VCPU_INIT`), before PMU INIT. The
    /// device's descriptor is closed with the VM.
    public func createVGICv3(_ layout: VGICv3 = VGICv3()) throws(KVMError) {
        var request = [UInt8](repeating: 0, count: CreateDevice.size)
        ByteImage.store(VGICv3.deviceType, at: 0, in: &request)
        do {
            _ = try ioctl(KVMIoctl.createDevice, bytes: &request)
        } catch {
            if error.errno == .noSuchDevice || error.errno == .notTTY {
                throw KVMError(.notARM64KVM(operation: "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3)"), call: error.call, errno: error.errno)
            }
            throw error
        }
        let device = Int32(bitPattern: ByteImage.load(UInt32.self, at: 4, in: request) ?? UInt32.max)
        adoptDevice(device)
        try setDeviceAttribute(device, group: VGICv3.addressGroup, attribute: VGICv3.distributorAttribute,
                               value: layout.distributorAddress, what: "vGICv3 distributor address")
        try setDeviceAttribute(device, group: VGICv3.addressGroup, attribute: VGICv3.redistributorAttribute,
                               value: layout.redistributorAddress, what: "vGICv3 redistributor address")
        try setDeviceAttribute(device, group: VGICv3.controlGroup, attribute: VGICv3.initialiseAttribute,
                               value: nil, what: "KVM_DEV_ARM_VGIC_CTRL_INIT")
    }

    /// `KVM_SET_DEVICE_ATTR` on a device descriptor with a `u64` value (or none).
    func setDeviceAttribute(_ device: Int32, group: UInt32, attribute: UInt64, value: UInt64?, what: String) throws(KVMError) {
        var storage = value ?? 0
        try withUnsafeMutableBytes(of: &storage) { (raw) throws(KVMError) in
            let address = value == nil ? 0 : ioctlArgument(raw.baseAddress)
            var bytes = DeviceAttribute(group: group, attribute: attribute, address: address).bytes
            do throws(KVMError) {
                _ = try kvmIoctl(system, device, KVMIoctl.setDeviceAttribute, bytes: &bytes)
            } catch {
                throw KVMError(error.reason, call: "ioctl KVM_SET_DEVICE_ATTR " + what, errno: error.errno)
            }
        }
    }
}
