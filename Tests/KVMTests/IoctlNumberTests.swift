import CKVMHeaderValues
import Testing
@testable import KVM

/// The Swift `_IOC` encodings against the C header (x86 build) and the arm64 UAPI values.
@Suite(.timeLimit(.minutes(5)))
struct IoctlNumberTests {
    @Test func genericIoctlsMatchTheCHeader() {
        #expect(KVMIoctl.getAPIVersion.rawValue == ckhv_KVM_GET_API_VERSION)
        #expect(KVMIoctl.createVM.rawValue == ckhv_KVM_CREATE_VM)
        #expect(KVMIoctl.checkExtension.rawValue == ckhv_KVM_CHECK_EXTENSION)
        #expect(KVMIoctl.getVCPUMmapSize.rawValue == ckhv_KVM_GET_VCPU_MMAP_SIZE)
        #expect(KVMIoctl.createVCPU.rawValue == ckhv_KVM_CREATE_VCPU)
        #expect(KVMIoctl.setUserMemoryRegion.rawValue == ckhv_KVM_SET_USER_MEMORY_REGION)
        #expect(KVMIoctl.run.rawValue == ckhv_KVM_RUN)
        #expect(KVMIoctl.setDeviceAttribute.rawValue == ckhv_KVM_SET_DEVICE_ATTR)
        #expect(KVMIoctl.hasDeviceAttribute.rawValue == ckhv_KVM_HAS_DEVICE_ATTR)
        #expect(KVMIoctl.createDevice.rawValue == ckhv_KVM_CREATE_DEVICE)
        #expect(VGICv3.deviceType == ckhv_KVM_DEV_TYPE_ARM_VGIC_V3)
        #expect(KVMIoctl.setOneRegister.rawValue == ckhv_KVM_SET_ONE_REG)
    }

    #if arch(x86_64)
    @Test func x86RegisterIoctlsMatchTheCHeader() {
        #expect(KVMIoctl.x86GetRegisters.rawValue == ckhv_KVM_GET_REGS)
        #expect(KVMIoctl.x86SetRegisters.rawValue == ckhv_KVM_SET_REGS)
        #expect(KVMIoctl.x86GetSpecialRegisters.rawValue == ckhv_KVM_GET_SREGS)
        #expect(KVMIoctl.x86SetSpecialRegisters.rawValue == ckhv_KVM_SET_SREGS)
    }
    #endif

    /// Values from the arm64 UAPI headers (linux-libc-dev-arm64-cross 6.1, compiled with
    /// aarch64-linux-gnu-gcc): the encoding is the same generic formula.
    @Test func arm64IoctlsMatchTheUAPIValues() {
        #expect(KVMIoctl.armVCPUInit.rawValue == 0x4020_AEAE)
        #expect(KVMIoctl.armPreferredTarget.rawValue == 0x8020_AEAF)
        #expect(KVMIoctl.setOneRegister.rawValue == 0x4010_AEAC)
        #expect(KVMIoctl.getOneRegister.rawValue == 0x4010_AEAB)
        #expect(KVMIoctl.hasDeviceAttribute.rawValue == 0x4018_AEE3)
        #expect(KVMIoctl.setDeviceAttribute.rawValue == 0x4018_AEE1)
        #expect(KVMIoctl.getDeviceAttribute.rawValue == 0x4018_AEE2)
        #expect(KVMIoctl.setUserMemoryRegion.rawValue == 0x4020_AE46)
        #expect(KVMIoctl.run.rawValue == 0xAE80)
    }

    @Test func fieldsRoundTrip() {
        let number = KVMIoctl.armPreferredTarget
        #expect(number.direction == .read)
        #expect(number.size == 32)
        #expect(number.type == 0xAE)
        #expect(number.number == 0xAF)
        #expect(IoctlNumber(.readWrite, type: 0x24, number: 6, size: 8).rawValue == 0xC008_2406)
        #expect(KVMIoctl.name(of: KVMIoctl.run) == "KVM_RUN")
        #expect(KVMIoctl.name(of: IoctlNumber(rawValue: 0x1234)) == "ioctl 0x1234")
    }

    @Test func arm64RegisterIDsAndFeatureBits() {
        // KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | offsetof(kvm_regs, regs.pc) / 4
        let core: UInt64 = 0x6000_0000_0000_0000 | 0x0030_0000_0000_0000 | 0x0010_0000
        #expect(ARM64Register.pc == core | 0x100 / 4)
        #expect(ARM64Register.pstate == core | 0x108 / 4)
        #expect(ARM64Register.el1hAllMasked == 0b0101 | 0xF << 6)
        var initial = ARM64VCPUInit(target: 5)
        initial.set(feature: ARM64VCPUInit.pmuV3Feature)
        initial.set(feature: ARM64VCPUInit.psci02Feature)
        #expect(initial.bytes == [5, 0, 0, 0, 0b1100, 0, 0, 0] + [UInt8](repeating: 0, count: 24))
        #expect(ARM64VCPUInit(bytes: initial.bytes) == initial)
        #expect(initial.has(feature: 3) && !initial.has(feature: 1) && !initial.has(feature: 500))
    }

    @Test func deviceAttributeBytes() {
        let attribute = ARM64PMUAttribute.setPMU.attribute(address: 0x1122_3344_5566_7788)
        #expect(attribute.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
                                    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(DeviceAttribute(bytes: attribute.bytes) == attribute)
        #expect(DeviceAttribute(bytes: [1, 2, 3]) == nil)
        #expect(ARM64PMUAttribute.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
    }
}
