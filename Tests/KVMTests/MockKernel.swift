import CPerfEvents
import Foundation
import PerfEvents
@testable import KVM

/// A fake KVM behind `SystemCalls`: descriptors are numbers, ioctls answer from tables,
/// and every call is recorded. Memory mappings are real anonymous ones so the driver's
/// reads and writes land somewhere.
final class MockKernel: @unchecked Sendable {
    private let lock = NSLock()
    var openErrno: Errno?
    var apiVersion: Int32 = 12
    /// request → errno to fail with.
    var failures: [UInt64: Errno] = [:]
    var extensions: [UInt64: Int32] = [KVMCapability.armPMUv3: 1]
    var preferredTarget: UInt32 = 5
    /// PMU attributes `KVM_HAS_DEVICE_ATTR` answers ENXIO for (a kernel without them).
    var missingAttributes: Set<ARM64PMUAttribute> = []
    /// When set, exactly the PMU attribute numbers `KVM_HAS_DEVICE_ATTR` answers 0 for
    /// (a kernel's whole group 0, including numbers this library has no case for).
    var offeredAttributes: Set<UInt64>?
    /// `KVM_CREATE_DEVICE` calls: (VM fd, device type) and the descriptors returned.
    var createdDevices: [(vm: Int32, type: UInt32, fd: Int32)] = []
    /// SET_DEVICE_ATTR value bytes (as many as the kernel reads), in call order.
    var attributeBytes: [[UInt8]] = []
    /// SET_DEVICE_ATTR calls: (fd, group, attribute, value at addr when non-zero).
    var deviceAttributes: [(fd: Int32, group: UInt32, attribute: UInt64, value: Int32?)] = []
    var requests: [(fd: Int32, request: UInt64)] = []
    var oneRegisters: [(id: UInt64, value: UInt64)] = []
    /// What KVM_GET_ONE_REG reads: the last value set, else this (PMCR_EL0: N = 6).
    var registerDefaults: [UInt64: UInt64] = [ARM64Register.pmcrEL0: 6 << 11]
    /// Register ids whose KVM_SET_ONE_REG is accepted but ignored (a kernel keeping its value).
    var ignoredRegisterWrites: Set<UInt64> = []
    private var registers: [UInt64: UInt64] = [:]
    var vcpuInits: [ARM64VCPUInit] = []
    var affinity: [(tid: Int32, mask: [UInt64])] = []
    var affinityErrno: Errno?
    var openFDs: Set<Int32> = []
    /// Called (under the lock) for each KVM_RUN with the VCPU descriptor: a test fills
    /// that VCPU's `kvm_run` mapping with the exit it wants decoded.
    var onRun: ((Int32) -> Void)?
    private var nextFD: Int32 = 100

    func withLock<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    var system: SystemMock {
        var system = SystemMock()
        system.open = { [self] _, _ in
            withLock {
                if let openErrno { return -openErrno.rawValue }
                return allocate()
            }
        }
        system.close = { [self] fd in withLock { openFDs.remove(fd) == nil ? -Errno.badFileDescriptor.rawValue : 0 } }
        // Descriptors are fake: never let a read reach a real descriptor of the same number.
        system.read = { _, _ in -Int(Errno.badFileDescriptor.rawValue) }
        system.mmap = { length, protection, _, _, _ in
            cpe_mmap(nil, UInt64(length), protection, 0x01 | 0x20, -1, 0)
        }
        system.ioctl = { [self] fd, request, argument in withLock { ioctl(fd, request, argument) } }
        system.setAffinity = { [self] tid, mask in
            withLock {
                if let affinityErrno { return -affinityErrno.rawValue }
                affinity.append((tid, mask))
                return 0
            }
        }
        return system
    }

    private func allocate() -> Int32 {
        nextFD += 1
        openFDs.insert(nextFD)
        return nextFD
    }

    private func ioctl(_ fd: Int32, _ request: UInt64, _ argument: UInt64) -> Int32 {
        requests.append((fd, request))
        if let errno = failures[request] { return -errno.rawValue }
        let pointer = UnsafeMutableRawPointer(bitPattern: UInt(argument))
        switch IoctlNumber(rawValue: request) {
        case KVMIoctl.getAPIVersion: return apiVersion
        case KVMIoctl.createVM, KVMIoctl.createVCPU: return allocate()
        case KVMIoctl.getVCPUMmapSize: return 4096
        case KVMIoctl.run:
            onRun?(fd)
            return 0
        case KVMIoctl.checkExtension: return extensions[argument] ?? 0
        case KVMIoctl.armPreferredTarget:
            pointer?.storeBytes(of: preferredTarget.littleEndian, as: UInt32.self)
            return 0
        case KVMIoctl.armVCPUInit:
            if let pointer { vcpuInits.append(ARM64VCPUInit(bytes: Array(UnsafeRawBufferPointer(start: pointer, count: 32)))) }
            return 0
        case KVMIoctl.setOneRegister:
            guard let pointer else { return -Errno.badAddress.rawValue }
            let id = pointer.loadUnaligned(as: UInt64.self)
            let valueAddress = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let value = UnsafeRawPointer(bitPattern: UInt(valueAddress))?.loadUnaligned(as: UInt64.self) ?? 0
            oneRegisters.append((id, value))
            if !ignoredRegisterWrites.contains(id) { registers[id] = value }
            return 0
        case KVMIoctl.getOneRegister:
            guard let pointer else { return -Errno.badAddress.rawValue }
            let id = pointer.loadUnaligned(as: UInt64.self)
            let valueAddress = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            guard let target = UnsafeMutableRawPointer(bitPattern: UInt(valueAddress)) else { return -Errno.badAddress.rawValue }
            target.storeBytes(of: registers[id] ?? registerDefaults[id] ?? 0, as: UInt64.self)
            return 0
        case KVMIoctl.setDeviceAttribute:
            guard let pointer,
                  let attribute = DeviceAttribute(bytes: Array(UnsafeRawBufferPointer(start: pointer, count: 24))) else {
                return -Errno.badAddress.rawValue
            }
            let valuePointer = UnsafeRawPointer(bitPattern: UInt(attribute.address))
            let value = valuePointer?.loadUnaligned(as: Int32.self)
            deviceAttributes.append((fd, attribute.group, attribute.attribute, value))
            // PMU controls take an int, except FILTER (8 bytes); the vGIC addresses are u64.
            let isInt = fd != createdDevices.last?.fd && attribute.attribute != ARM64PMUAttribute.filter.rawValue
            attributeBytes.append(valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: isInt ? 4 : 8)) } ?? [])
            return 0
        case KVMIoctl.hasDeviceAttribute:
            guard let pointer,
                  let attribute = DeviceAttribute(bytes: Array(UnsafeRawBufferPointer(start: pointer, count: 24))) else {
                return -Errno.badAddress.rawValue
            }
            if attribute.group == ARM64PMUAttribute.group, let offeredAttributes {
                return offeredAttributes.contains(attribute.attribute) ? 0 : -Errno.noSuchDeviceOrAddress.rawValue
            }
            if attribute.group == ARM64PMUAttribute.group, let known = ARM64PMUAttribute(rawValue: attribute.attribute),
               !missingAttributes.contains(known) {
                return 0
            }
            return -Errno.noSuchDeviceOrAddress.rawValue
        case KVMIoctl.createDevice:
            guard let pointer else { return -Errno.badAddress.rawValue }
            let type = pointer.loadUnaligned(as: UInt32.self)
            let device = allocate()
            pointer.storeBytes(of: UInt32(bitPattern: device), toByteOffset: 4, as: UInt32.self)
            createdDevices.append((fd, type, device))
            return 0
        default:
            return 0
        }
    }
}
