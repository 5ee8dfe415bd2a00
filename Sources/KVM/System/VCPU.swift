import CPerfEvents
import PerfEvents

/// A virtual CPU: its descriptor and the shared `kvm_run` mapping `KVM_RUN` reports through.
///
/// Call ``run(before:)`` from the thread meant to be the VCPU thread (the one a VMM pins,
/// see ``PMUBinding``); KVM runs the guest on the calling thread.
public final class VCPU {
    /// The id given to `KVM_CREATE_VCPU`.
    public let id: UInt32
    /// The calls this VCPU makes.
    package let system: SystemCalls
    /// The descriptor, -1 once closed.
    package private(set) var fd: Int32
    let mmapSize: Int
    private var runMapping: UnsafeMutableRawPointer?

    init(id: UInt32, fd: Int32, mmapSize: Int, system: SystemCalls) throws(KVMError) {
        self.id = id
        self.fd = fd
        self.mmapSize = mmapSize
        self.system = system
        guard mmapSize >= KVMRunLayout.minimumSize else {
            throw KVMError(.malformedRun("KVM_GET_VCPU_MMAP_SIZE \(mmapSize) is smaller than kvm_run"), call: "ioctl KVM_GET_VCPU_MMAP_SIZE")
        }
        let mapped: Int64
        do {
            mapped = try system.check("mmap", "kvm_run of VCPU \(id)") {
                system.mmap(mmapSize, GuestMemory.readWrite, 0x01 /* MAP_SHARED */, fd, 0)
            }
        } catch {
            throw KVMError.from(error)
        }
        runMapping = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: mapped))
    }

    deinit { close() }

    /// Unmaps `kvm_run` and closes the descriptor (idempotent).
    public func close() {
        if let runMapping { _ = system.munmap(runMapping, mmapSize) }
        runMapping = nil
        if fd >= 0 { _ = system.close(fd) }
        fd = -1
    }

    /// Enters the guest until it exits to user space or `nanoseconds` have passed,
    /// and decodes why it returned.
    ///
    /// Arms a ``RunDeadline`` for this one run; for many runs under one limit (a
    /// VMM's loop, a benchmark) arm one and call ``run(before:)``.
    public func run(timeLimit nanoseconds: UInt64) throws(KVMError) -> VCPUExit {
        let deadline = try RunDeadline(nanoseconds: nanoseconds)
        return try run(before: deadline)
    }

    /// Enters the guest until it exits to user space, or until `deadline` passes
    /// (``VCPUExit/timedOut(elapsedNanoseconds:)``; the guest stays runnable),
    /// and decodes why it returned. Call it on the thread that armed `deadline`.
    ///
    /// A signal other than the deadline's that interrupts `KVM_RUN` (EINTR), or
    /// ``setImmediateExit(_:)``, is reported as ``VCPUExit/interrupted``, not retried.
    public func run(before deadline: RunDeadline) throws(KVMError) -> VCPUExit {
        switch try enter(before: deadline) {
        case .exited: return try currentExit()
        case .timedOut(let elapsed): return .timedOut(elapsedNanoseconds: elapsed)
        case .interrupted: return .interrupted
        }
    }

    /// ``run(before:)`` without the decoding: one `KVM_RUN` and the exit reason,
    /// nothing allocated. A VMM's (or a benchmark's) hot loop branches on the
    /// reason and calls ``currentExit()`` only when it needs the details.
    package func enter(before deadline: RunDeadline) throws(KVMError) -> VCPUEntry {
        guard fd >= 0, let runMapping else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
        let flag = (runMapping + KVMRunLayout.immediateExit).assumingMemoryBound(to: UInt8.self)
        cpe_thread_timer_watch(flag)
        defer { cpe_thread_timer_watch(nil) }
        // The deadline's signal may have set immediate_exit after an earlier run returned.
        if cpe_thread_timer_take_flag(flag) != 0, deadline.hasExpired {
            return .timedOut(elapsedNanoseconds: deadline.elapsedNanoseconds)
        }
        // The kernel's own ioctl is called directly (not through the test seam's closure).
        let result = system.isKernel ? cpe_ioctl_once(fd, KVMIoctl.run.rawValue, 0)
            : system.ioctl(fd, KVMIoctl.run.rawValue, 0)
        if result == -Errno.interrupted.rawValue {
            let stoppedByDeadline = cpe_thread_timer_take_flag(flag) != 0
            if stoppedByDeadline || deadline.hasExpired {
                return .timedOut(elapsedNanoseconds: deadline.elapsedNanoseconds)
            }
            return .interrupted
        }
        if result < 0 {
            let errno = Errno(rawValue: -result)
            // EINVAL, ENOEXEC (arm64: no KVM_ARM_VCPU_INIT) and the rest are generic: KVM
            // does not say which part of the set-up it rejected.
            throw KVMError(errno == .badAddress ? .badAddress : .runFailed, call: "ioctl KVM_RUN", errno: errno)
        }
        return .exited(reason: runMapping.load(fromByteOffset: KVMRunLayout.exitReason, as: UInt32.self))
    }

    /// Decodes why the last `KVM_RUN` returned, from the shared `kvm_run`.
    package func currentExit() throws(KVMError) -> VCPUExit {
        guard let runMapping else { throw KVMError(.closed, call: "ioctl KVM_RUN") }
        return try VCPUExit.decode(UnsafeRawBufferPointer(start: runMapping, count: mmapSize))
    }

    /// The shared `struct kvm_run` mapping (``KVMRunLayout``), nil once closed: for a
    /// VMM's (or a benchmark's C reference's) own `KVM_RUN` loop on ``fd``. Owned by
    /// the VCPU; it stays mapped until ``close()``.
    package var runStructure: UnsafeMutableRawPointer? { runMapping }

    /// Sets `kvm_run.immediate_exit`: while set, `KVM_RUN` returns at once with EINTR
    /// (reported as ``VCPUExit/interrupted``). Pair it with a signal to stop a running
    /// VCPU from another thread; a time limit is ``RunDeadline``'s job.
    public func setImmediateExit(_ value: Bool) {
        runMapping?.storeBytes(of: value ? 1 : 0, toByteOffset: KVMRunLayout.immediateExit, as: UInt8.self)
    }

    /// Supplies the bytes a guest reads after an MMIO read exit (at most 8).
    public func completeMMIORead(_ bytes: [UInt8]) {
        guard let runMapping else { return }
        for (index, byte) in bytes.prefix(8).enumerated() {
            runMapping.storeBytes(of: byte, toByteOffset: KVMRunLayout.mmioData + index, as: UInt8.self)
        }
    }

    /// Supplies the bytes a guest reads after a port IN exit (clipped to the mapping).
    public func completePortInput(_ bytes: [UInt8], for access: PortIO) {
        guard let runMapping, access.dataOffset < UInt64(mmapSize) else { return }
        let room = mmapSize - Int(access.dataOffset)
        for (index, byte) in bytes.prefix(room).enumerated() {
            runMapping.storeBytes(of: byte, toByteOffset: Int(access.dataOffset) + index, as: UInt8.self)
        }
    }

    /// An ioctl on this VCPU.
    func ioctl(_ request: IoctlNumber, _ argument: UInt64) throws(KVMError) -> Int32 {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl " + KVMIoctl.name(of: request)) }
        return try kvmIoctl(system, fd, request, argument)
    }

    /// An ioctl whose argument is a structure given as bytes (read back after the call).
    func ioctl(_ request: IoctlNumber, bytes: inout [UInt8]) throws(KVMError) -> Int32 {
        guard fd >= 0 else { throw KVMError(.closed, call: "ioctl " + KVMIoctl.name(of: request)) }
        return try kvmIoctl(system, fd, request, bytes: &bytes)
    }
}
