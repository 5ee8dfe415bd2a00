/// An `ioctl(2)` request number, computed with the kernel's generic `_IOC`
/// formula that x86_64 and arm64 share (`include/uapi/asm-generic/ioctl.h`):
///
///     direction << 30 | size << 16 | type << 8 | number
///
/// with 2 direction bits, 14 size bits, 8 type bits and 8 number bits.
package struct IoctlNumber: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// Which way data moves, seen from user space.
    package enum Direction: UInt64, Sendable {
        /// `_IO`: no data (an integer argument at most).
        case none = 0
        /// `_IOW`: user space writes a structure to the kernel.
        case write = 1
        /// `_IOR`: the kernel fills a structure.
        case read = 2
        /// `_IOWR`: both.
        case readWrite = 3
    }

    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `_IOC(direction, type, number, size)`. `size` must fit 14 bits (it does
    /// for every KVM structure); larger values are masked as the kernel's macro would overflow.
    package init(_ direction: Direction, type: UInt8, number: UInt8, size: Int = 0) {
        let sizeBits = UInt64(truncatingIfNeeded: size) & 0x3FFF
        rawValue = direction.rawValue << 30 | sizeBits << 16 | UInt64(type) << 8 | UInt64(number)
    }

    /// The direction bits.
    package var direction: Direction { Direction(rawValue: rawValue >> 30 & 3) ?? .none }
    /// The argument size bits.
    package var size: Int { Int(rawValue >> 16 & 0x3FFF) }
    /// The type (magic) byte, 0xAE for KVM.
    package var type: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    /// The command number within the type.
    package var number: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    package var description: String { "0x" + String(rawValue, radix: 16) }
}

/// The KVM ioctls this module issues (magic 0xAE, `include/uapi/linux/kvm.h`),
/// with the structure sizes the kernel encodes into them.
package enum KVMIoctl {
    /// KVM's ioctl type byte.
    package static let magic: UInt8 = 0xAE

    // MARK: /dev/kvm
    /// `KVM_GET_API_VERSION` = `_IO(0xAE, 0x00)`: returns 12 on every kernel since 2.6.22.
    package static let getAPIVersion = IoctlNumber(.none, type: magic, number: 0x00)
    /// `KVM_CREATE_VM` = `_IO(0xAE, 0x01)`: the argument is the machine type (0 = default).
    package static let createVM = IoctlNumber(.none, type: magic, number: 0x01)
    /// `KVM_CHECK_EXTENSION` = `_IO(0xAE, 0x03)`: also valid on a VM fd.
    package static let checkExtension = IoctlNumber(.none, type: magic, number: 0x03)
    /// `KVM_GET_VCPU_MMAP_SIZE` = `_IO(0xAE, 0x04)`: the size of the `kvm_run` mapping.
    package static let getVCPUMmapSize = IoctlNumber(.none, type: magic, number: 0x04)

    // MARK: VM fd
    /// `KVM_CREATE_VCPU` = `_IO(0xAE, 0x41)`: the argument is the VCPU id.
    package static let createVCPU = IoctlNumber(.none, type: magic, number: 0x41)
    /// `KVM_SET_USER_MEMORY_REGION` = `_IOW(0xAE, 0x46, struct kvm_userspace_memory_region)` (32 bytes).
    package static let setUserMemoryRegion = IoctlNumber(.write, type: magic, number: 0x46, size: 32)
    /// `KVM_ARM_PREFERRED_TARGET` = `_IOR(0xAE, 0xAF, struct kvm_vcpu_init)` (32 bytes), arm64 only.
    package static let armPreferredTarget = IoctlNumber(.read, type: magic, number: 0xAF, size: 32)

    // MARK: VCPU fd
    /// `KVM_RUN` = `_IO(0xAE, 0x80)`.
    package static let run = IoctlNumber(.none, type: magic, number: 0x80)
    /// `KVM_GET_REGS` = `_IOR(0xAE, 0x81, struct kvm_regs)`; the x86 `kvm_regs` is 144 bytes.
    package static let x86GetRegisters = IoctlNumber(.read, type: magic, number: 0x81, size: X86Registers.size)
    /// `KVM_SET_REGS` = `_IOW(0xAE, 0x82, struct kvm_regs)`, x86 layout.
    package static let x86SetRegisters = IoctlNumber(.write, type: magic, number: 0x82, size: X86Registers.size)
    /// `KVM_GET_SREGS` = `_IOR(0xAE, 0x83, struct kvm_sregs)`; the x86 `kvm_sregs` is 312 bytes.
    package static let x86GetSpecialRegisters = IoctlNumber(.read, type: magic, number: 0x83, size: X86SpecialRegisters.size)
    /// `KVM_SET_SREGS` = `_IOW(0xAE, 0x84, struct kvm_sregs)`, x86 layout.
    package static let x86SetSpecialRegisters = IoctlNumber(.write, type: magic, number: 0x84, size: X86SpecialRegisters.size)
    /// `KVM_GET_ONE_REG` = `_IOW(0xAE, 0xAB, struct kvm_one_reg)` (16 bytes).
    package static let getOneRegister = IoctlNumber(.write, type: magic, number: 0xAB, size: 16)
    /// `KVM_SET_ONE_REG` = `_IOW(0xAE, 0xAC, struct kvm_one_reg)` (16 bytes).
    package static let setOneRegister = IoctlNumber(.write, type: magic, number: 0xAC, size: 16)
    /// `KVM_ARM_VCPU_INIT` = `_IOW(0xAE, 0xAE, struct kvm_vcpu_init)` (32 bytes), arm64 only.
    package static let armVCPUInit = IoctlNumber(.write, type: magic, number: 0xAE, size: 32)
    /// `KVM_CREATE_DEVICE` = `_IOWR(0xAE, 0xE0, struct kvm_create_device)` (12 bytes), on a VM.
    package static let createDevice = IoctlNumber(.readWrite, type: magic, number: 0xE0, size: 12)
    /// `KVM_SET_DEVICE_ATTR` = `_IOW(0xAE, 0xE1, struct kvm_device_attr)` (24 bytes).
    package static let setDeviceAttribute = IoctlNumber(.write, type: magic, number: 0xE1, size: DeviceAttribute.size)
    /// `KVM_GET_DEVICE_ATTR` = `_IOW(0xAE, 0xE2, struct kvm_device_attr)`.
    package static let getDeviceAttribute = IoctlNumber(.write, type: magic, number: 0xE2, size: DeviceAttribute.size)
    /// `KVM_HAS_DEVICE_ATTR` = `_IOW(0xAE, 0xE3, struct kvm_device_attr)`.
    package static let hasDeviceAttribute = IoctlNumber(.write, type: magic, number: 0xE3, size: DeviceAttribute.size)

    /// The symbolic name of a request this module issues, for error messages.
    package static func name(of request: IoctlNumber) -> String {
        switch request {
        case getAPIVersion: return "KVM_GET_API_VERSION"
        case createVM: return "KVM_CREATE_VM"
        case checkExtension: return "KVM_CHECK_EXTENSION"
        case getVCPUMmapSize: return "KVM_GET_VCPU_MMAP_SIZE"
        case createVCPU: return "KVM_CREATE_VCPU"
        case setUserMemoryRegion: return "KVM_SET_USER_MEMORY_REGION"
        case armPreferredTarget: return "KVM_ARM_PREFERRED_TARGET"
        case run: return "KVM_RUN"
        case x86GetRegisters: return "KVM_GET_REGS"
        case x86SetRegisters: return "KVM_SET_REGS"
        case x86GetSpecialRegisters: return "KVM_GET_SREGS"
        case x86SetSpecialRegisters: return "KVM_SET_SREGS"
        case getOneRegister: return "KVM_GET_ONE_REG"
        case setOneRegister: return "KVM_SET_ONE_REG"
        case armVCPUInit: return "KVM_ARM_VCPU_INIT"
        case createDevice: return "KVM_CREATE_DEVICE"
        case setDeviceAttribute: return "KVM_SET_DEVICE_ATTR"
        case getDeviceAttribute: return "KVM_GET_DEVICE_ATTR"
        case hasDeviceAttribute: return "KVM_HAS_DEVICE_ATTR"
        default: return "ioctl " + request.description
        }
    }
}

/// `KVM_CAP_*` numbers this module asks `KVM_CHECK_EXTENSION` about.
package enum KVMCapability {
    /// `KVM_CAP_ARM_PMU_V3` (126): arm64 KVM can give VCPUs a PMUv3. 0 on x86.
    package static let armPMUv3: UInt64 = 126
    /// `KVM_CAP_PMU_CAPABILITY` (212): x86 KVM's vPMU can be disabled per VM;
    /// non-zero (`KVM_PMU_CAP_DISABLE`) only while the vPMU is enabled (`enable_pmu`).
    package static let pmuCapability: UInt64 = 212
    /// `KVM_CAP_IMMEDIATE_EXIT` (136): `kvm_run.immediate_exit` is honoured.
    package static let immediateExit: UInt64 = 136
    /// `KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES` (230, Linux 6.7): writable ID registers. It
    /// came in the release that let userspace write PMCR_EL0.N, which no attribute announces.
    package static let armSupportedRegisterMaskRanges: UInt64 = 230
}
