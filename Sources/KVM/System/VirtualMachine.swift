import PerfEvents

/// A KVM virtual machine: its descriptor, guest memory and VCPUs.
///
/// Resources are released deterministically: ``close()`` (or deinit) closes every
/// VCPU (descriptor and `kvm_run` mapping), then the VM descriptor, then unmaps
/// guest memory. A ``VCPU`` kept beyond that reports `.closed` instead of touching
/// a stale descriptor.
public final class VirtualMachine {
    /// The calls this VM (and its VCPUs) make.
    package let system: SystemCalls
    /// The VM descriptor, -1 once closed.
    package private(set) var fd: Int32
    /// Bytes to map from each VCPU descriptor.
    package let vcpuMmapSize: Int
    /// The VCPUs created so far, by creation order.
    public private(set) var vcpus: [VCPU] = []
    /// The guest memory regions, by slot.
    public private(set) var memory: [GuestMemory] = []
    /// Descriptors of in-kernel devices (`KVM_CREATE_DEVICE`: the vGIC), closed with the VM.
    package private(set) var devices: [Int32] = []

    init(fd: Int32, vcpuMmapSize: Int, system: SystemCalls) {
        self.fd = fd
        self.vcpuMmapSize = vcpuMmapSize
        self.system = system
    }

    /// Opens `/dev/kvm`, checks the API version and creates a VM; the device is closed again.
    public convenience init(path: String = "/dev/kvm", type: UInt64 = 0) throws(KVMError) {
        let system = SystemCalls.current
        let device = try KVMDevice(path: path)
        let made = try device.createVirtualMachine(type: type)
        // Adopt the new VM's state; `made` gives up its descriptor.
        self.init(fd: made.fd, vcpuMmapSize: made.vcpuMmapSize, system: system)
        made.fd = -1
    }

    deinit { close() }

    /// Closes VCPUs, the VM descriptor and unmaps guest memory (idempotent).
    public func close() {
        for vcpu in vcpus { vcpu.close() }
        vcpus = []
        for device in devices { _ = system.close(device) }
        devices = []
        if fd >= 0 { _ = system.close(fd) }
        fd = -1
        for region in memory { region.unmap() }
        memory = []
    }

    /// `KVM_CHECK_EXTENSION` on the VM descriptor (the answer can differ per VM type).
    public func checkExtension(_ capability: UInt64) throws(KVMError) -> Int32 {
        try ioctl(KVMIoctl.checkExtension, capability)
    }

    /// Maps `size` bytes of fresh zeroed memory and registers it at guest-physical
    /// `guestAddress` in the next free slot. Both must be multiples of the host page size.
    @discardableResult
    public func addMemory(guestAddress: UInt64, size: Int) throws(KVMError) -> GuestMemory {
        guard size > 0 else { throw KVMError(.invalidMemory("size \(size) is not positive"), call: "") }
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl KVM_SET_USER_MEMORY_REGION") }
        let slot = UInt32(memory.count)
        let region = try GuestMemory(slot: slot, guestAddress: guestAddress, size: size, system: system)
        let hostAddress = UInt64(UInt(bitPattern: region.host))
        var bytes = GuestMemory.regionBytes(slot: slot, guestAddress: guestAddress, size: UInt64(size), hostAddress: hostAddress)
        do {
            _ = try ioctl(KVMIoctl.setUserMemoryRegion, bytes: &bytes)
        } catch {
            region.unmap()
            throw error
        }
        memory.append(region)
        return region
    }

    /// The region holding guest-physical `address`, if any.
    package func region(containing address: UInt64) -> GuestMemory? {
        memory.first { $0.contains(address, count: 1) }
    }

    /// Copies `bytes` to guest-physical `address` (which must lie in one region).
    public func write(_ bytes: [UInt8], at address: UInt64) throws(KVMError) {
        guard let region = region(containing: address) else {
            throw KVMError(.invalidMemory("no guest memory at 0x" + String(address, radix: 16)), call: "")
        }
        try region.write(bytes, at: address)
    }

    /// `KVM_CREATE_VCPU` with `id` (default: the next index) and maps its `kvm_run`.
    @discardableResult
    public func createVCPU(id: UInt32? = nil) throws(KVMError) -> VCPU {
        let vcpuID = id ?? UInt32(vcpus.count)
        let vcpuFD = try ioctl(KVMIoctl.createVCPU, UInt64(vcpuID))
        let vcpu: VCPU
        do {
            vcpu = try VCPU(id: vcpuID, fd: vcpuFD, mmapSize: vcpuMmapSize, system: system)
        } catch {
            _ = system.close(vcpuFD)
            throw error
        }
        vcpus.append(vcpu)
        return vcpu
    }

    /// Keeps a device descriptor until ``close()``.
    func adoptDevice(_ device: Int32) {
        if device >= 0 { devices.append(device) }
    }

    func ioctl(_ request: IoctlNumber, _ argument: UInt64) throws(KVMError) -> Int32 {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl " + KVMIoctl.name(of: request)) }
        return try kvmIoctl(system, fd, request, argument)
    }

    /// An ioctl on the VM whose argument is a structure given as bytes.
    func ioctl(_ request: IoctlNumber, bytes: inout [UInt8]) throws(KVMError) -> Int32 {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl " + KVMIoctl.name(of: request)) }
        return try kvmIoctl(system, fd, request, bytes: &bytes)
    }
}
