import PerfEvents

/// An open `/dev/kvm`: the handle that answers capability questions and creates VMs.
///
/// The descriptor is closed when the object goes away (or at ``close()``).
public final class KVMDevice {
    /// The stable KVM API version every supported kernel reports.
    package static let expectedAPIVersion: Int32 = 12
    /// `O_RDWR`.
    static let readWrite: Int32 = 2

    /// The calls this device (and every VM it creates) makes.
    package let system: SystemCalls
    /// The path opened, normally `/dev/kvm`.
    public let path: String
    /// The descriptor, -1 once closed.
    package private(set) var fd: Int32

    /// Opens `path` read-write and checks `KVM_GET_API_VERSION` is 12.
    public init(path: String = "/dev/kvm") throws(KVMError) {
        let system = SystemCalls.current
        self.system = system
        self.path = path
        let opened = retryingInterrupts { system.open(path, Self.readWrite) }
        if opened < 0 {
            let errno = Errno(rawValue: -opened)
            switch errno {
            case .noSuchFileOrDirectory, .noSuchDevice, .noSuchDeviceOrAddress:
                throw KVMError(.unavailable, call: "open " + path, errno: errno)
            case .permissionDenied, .notPermitted:
                throw KVMError(.permissionDenied, call: "open " + path, errno: errno)
            default:
                throw KVMError(.callFailed, call: "open " + path, errno: errno)
            }
        }
        fd = opened
        let version = retryingInterrupts { system.ioctl(opened, KVMIoctl.getAPIVersion.rawValue, 0) }
        if version < 0 {
            // A descriptor that does not know KVM_GET_API_VERSION is no KVM device.
            let errno = Errno(rawValue: -version)
            close()
            throw KVMError(errno == .notTTY ? .unavailable : .callFailed, call: "ioctl KVM_GET_API_VERSION", errno: errno)
        }
        if version != Self.expectedAPIVersion {
            close()
            throw KVMError(.apiVersionMismatch(found: version), call: "ioctl KVM_GET_API_VERSION")
        }
    }

    deinit { close() }

    /// Closes the descriptor; later calls fail with reason `.closed`.
    public func close() {
        if fd >= 0 { _ = system.close(fd) }
        fd = -1
    }

    /// `KVM_CHECK_EXTENSION`: 0 when the capability is absent, else a capability-specific value.
    public func checkExtension(_ capability: UInt64) throws(KVMError) -> Int32 {
        try ioctl(KVMIoctl.checkExtension, capability)
    }

    /// `KVM_GET_VCPU_MMAP_SIZE`: bytes to map from each VCPU descriptor (`kvm_run` and friends).
    package func vcpuMmapSize() throws(KVMError) -> Int {
        Int(try ioctl(KVMIoctl.getVCPUMmapSize, 0))
    }

    /// `KVM_CREATE_VM` with machine type `type` (0: the default; on arm64 it also selects the IPA size).
    public func createVirtualMachine(type: UInt64 = 0) throws(KVMError) -> VirtualMachine {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl KVM_CREATE_VM") }
        let result = retryingInterrupts { system.ioctl(fd, KVMIoctl.createVM.rawValue, type) }
        if result < 0 {
            let errno = Errno(rawValue: -result)
            switch errno {
            case .noSuchDevice, .notSupported, .noSuchDeviceOrAddress:
                throw KVMError(.virtualisationUnusable, call: "ioctl KVM_CREATE_VM", errno: errno)
            default:
                throw KVMError(.createVMFailed, call: "ioctl KVM_CREATE_VM", errno: errno)
            }
        }
        let mmapSize: Int
        do {
            mmapSize = try vcpuMmapSize()
        } catch {
            _ = system.close(result)
            throw error
        }
        return VirtualMachine(fd: result, vcpuMmapSize: mmapSize, system: system)
    }

    func ioctl(_ request: IoctlNumber, _ argument: UInt64) throws(KVMError) -> Int32 {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl " + KVMIoctl.name(of: request)) }
        return try kvmIoctl(system, fd, request, argument)
    }
}

/// An ioctl through `system.check`, with a failure mapped to ``KVMError``.
func kvmIoctl(_ system: SystemCalls, _ fd: Int32, _ request: IoctlNumber, _ argument: UInt64) throws(KVMError) -> Int32 {
    do {
        return try system.check("ioctl", KVMIoctl.name(of: request)) { system.ioctl(fd, request.rawValue, argument) }
    } catch {
        throw KVMError.from(error)
    }
}

/// An ioctl whose argument is a structure given as bytes; the kernel may write them back.
func kvmIoctl(_ system: SystemCalls, _ fd: Int32, _ request: IoctlNumber, bytes: inout [UInt8]) throws(KVMError) -> Int32 {
    let result = bytes.withUnsafeMutableBytes { raw in
        retryingInterrupts { system.ioctl(fd, request.rawValue, ioctlArgument(raw.baseAddress)) }
    }
    do {
        return try system.check("ioctl", KVMIoctl.name(of: request)) { result }
    } catch {
        throw KVMError.from(error)
    }
}
