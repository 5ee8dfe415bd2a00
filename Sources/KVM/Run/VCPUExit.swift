/// Why `KVM_RUN` returned to user space, decoded from the `kvm_run` mapping.
public enum VCPUExit: Hashable, Sendable {
    /// `KVM_EXIT_IO`: the guest executed IN/OUT on a port nobody in the kernel handles (x86).
    case io(PortIO)
    /// `KVM_EXIT_MMIO`: the guest accessed a guest-physical address with no memory behind it.
    case mmio(MMIOAccess)
    /// `KVM_EXIT_HLT`: the guest halted (x86, no in-kernel local APIC).
    case halt
    /// `KVM_EXIT_SHUTDOWN`: triple fault or similar (x86); the VCPU cannot continue.
    case shutdown
    /// `KVM_EXIT_FAIL_ENTRY`: the VCPU could not enter the guest.
    case failEntry(FailEntry)
    /// `KVM_EXIT_INTERNAL_ERROR`: KVM could not emulate something (`suberror`, plus KVM's data words).
    case internalError(suberror: UInt32, data: [UInt64])
    /// `KVM_EXIT_SYSTEM_EVENT`: PSCI SYSTEM_OFF/RESET and the like (`type` 1 shutdown, 2 reset, 3 crash, …).
    case systemEvent(type: UInt32, data: [UInt64])
    /// `KVM_EXIT_INTR` (or `KVM_RUN` failing with EINTR): a signal, or `immediate_exit`, interrupted the run.
    case interrupted
    /// The run's ``RunDeadline`` passed before the guest exited (`KVM_RUN` was stopped
    /// by the deadline's signal); the guest is still runnable where it was.
    case timedOut(elapsedNanoseconds: UInt64)
    /// `KVM_EXIT_DEBUG`: x86 exception number and PC, or arm64 syndrome (HSR) and fault address.
    case debug(word: UInt32, address: UInt64)
    /// `KVM_EXIT_EXCEPTION` (x86 only, rarely used): exception number and error code.
    case exception(number: UInt32, errorCode: UInt32)
    /// `KVM_EXIT_UNKNOWN`: the hardware exit reason KVM did not handle.
    case unknownHardware(reason: UInt64)
    /// `KVM_EXIT_ARM_NISV`: an arm64 data abort without valid syndrome (e.g. a store with writeback to MMIO).
    case armNoSyndrome(syndrome: UInt64, faultAddress: UInt64)
    /// Any other `KVM_EXIT_*` number.
    case unknown(UInt32)
}

/// A port I/O exit (`kvm_run.io`).
public struct PortIO: Hashable, Sendable {
    /// IN (the VMM must supply data) or OUT (the guest wrote `data`).
    public enum Direction: UInt8, Hashable, Sendable {
        /// `KVM_EXIT_IO_IN` (0): the guest executed IN or INS.
        case input = 0
        /// `KVM_EXIT_IO_OUT` (1): the guest executed OUT or OUTS.
        case output = 1
    }
    /// `io.direction`: IN or OUT.
    public var direction: Direction
    /// Bytes per access: 1, 2 or 4.
    public var size: UInt8
    /// `io.port`: the I/O port number.
    public var port: UInt16
    /// Repetitions (`REP OUTS`); 1 for a plain IN/OUT.
    public var count: UInt32
    /// For OUT: the `size * count` bytes written. For IN: empty.
    public var data: [UInt8]
    /// Where the data window starts in the `kvm_run` mapping.
    public var dataOffset: UInt64

    package init(direction: Direction, size: UInt8, port: UInt16, count: UInt32, data: [UInt8], dataOffset: UInt64) {
        self.direction = direction
        self.size = size
        self.port = port
        self.count = count
        self.data = data
        self.dataOffset = dataOffset
    }
}

/// A memory-mapped I/O exit (`kvm_run.mmio`).
public struct MMIOAccess: Hashable, Sendable {
    /// The guest-physical address.
    public var address: UInt64
    /// For a write, the `length` bytes written; for a read, empty (the VMM supplies them).
    public var data: [UInt8]
    /// The access size in bytes (1…8).
    public var length: UInt32
    /// `mmio.is_write`: whether the guest wrote (else it read).
    public var isWrite: Bool

    package init(address: UInt64, data: [UInt8], length: UInt32, isWrite: Bool) {
        self.address = address
        self.data = data
        self.length = length
        self.isWrite = isWrite
    }

    /// The written bytes as a little-endian integer (0 for a read).
    public var value: UInt64 {
        var result: UInt64 = 0
        for (index, byte) in data.prefix(8).enumerated() { result |= UInt64(byte) << UInt64(8 * index) }
        return result
    }
}

/// A failed guest entry (`kvm_run.fail_entry`).
public struct FailEntry: Hashable, Sendable {
    /// `KVM_EXIT_FAIL_ENTRY_CPU_UNSUPPORTED` (bit 0), arm64: the VCPU thread ran on a CPU
    /// outside the VM's PMU (KVM does not pin VCPU threads; the VMM must).
    public static let cpuUnsupported: UInt64 = 1 << 0

    /// `hardware_entry_failure_reason`: a VMX/SVM code on x86, a KVM flag word on arm64.
    public var hardwareReason: UInt64
    /// The host CPU the entry failed on.
    public var cpu: UInt32

    package init(hardwareReason: UInt64, cpu: UInt32) {
        self.hardwareReason = hardwareReason
        self.cpu = cpu
    }

    /// Whether the host KVM is arm64, where `hardwareReason` holds KVM flags rather
    /// than a VMX/SVM code.
    public static var hostIsARM64: Bool {
        #if arch(arm64)
        return true
        #else
        return false
        #endif
    }

    /// Whether this is arm64's "CPU not supported by the VM's PMU" failure. On x86 the
    /// same bit is part of a VMX/SVM code: pass `arm64: false` to read it as such.
    public func isCPUUnsupported(arm64: Bool = FailEntry.hostIsARM64) -> Bool {
        arm64 && hardwareReason & Self.cpuUnsupported != 0
    }

    /// What went wrong, naming the PMU the VM was given and its CPUs when known.
    public func explanation(pmuName: String? = nil, pmuCPUs: String? = nil, arm64: Bool = FailEntry.hostIsARM64) -> String {
        guard isCPUUnsupported(arm64: arm64) else {
            return "guest entry failed on CPU \(cpu), hardware reason 0x" + String(hardwareReason, radix: 16)
        }
        var text = "VCPU thread ran on CPU \(cpu), which the VM's PMU does not cover"
        if let pmuName {
            text += " (\(pmuName)" + (pmuCPUs.map { " covers CPUs \($0)" } ?? "") + ")"
        }
        return text + ": KVM does not pin VCPU threads; pin them to the PMU's CPUs with sched_setaffinity before KVM_RUN"
    }
}

extension VCPUExit {
    /// Decodes the `kvm_run` bytes after `KVM_RUN` returned (a pure function of the bytes).
    ///
    /// Throws ``KVMError`` with reason `.malformedRun` when the buffer is shorter than
    /// ``KVMRunLayout/minimumSize`` or an I/O data window lies outside it.
    package static func decode(_ run: UnsafeRawBufferPointer) throws(KVMError) -> VCPUExit {
        guard run.count >= KVMRunLayout.minimumSize else {
            throw KVMError(.malformedRun("\(run.count) bytes, at least \(KVMRunLayout.minimumSize) needed"), call: "")
        }
        // Every load below is in range: the union fits in minimumSize.
        func u8(_ offset: Int) -> UInt8 { ByteImage.load(UInt8.self, at: offset, in: run) ?? 0 }
        func u16(_ offset: Int) -> UInt16 { ByteImage.load(UInt16.self, at: offset, in: run) ?? 0 }
        func u32(_ offset: Int) -> UInt32 { ByteImage.load(UInt32.self, at: offset, in: run) ?? 0 }
        func u64(_ offset: Int) -> UInt64 { ByteImage.load(UInt64.self, at: offset, in: run) ?? 0 }
        func words(count offset: Int, data: Int) -> [UInt64] {
            let count = min(Int(u32(offset)), KVMRunLayout.maximumDataWords)
            return (0..<count).map { u64(data + 8 * $0) }
        }

        let reason = u32(KVMRunLayout.exitReason)
        switch reason {
        case KVMExitReason.io:
            let direction = PortIO.Direction(rawValue: u8(KVMRunLayout.ioDirection))
            guard let direction else {
                throw KVMError(.malformedRun("I/O direction \(u8(KVMRunLayout.ioDirection)) is neither 0 (in) nor 1 (out)"), call: "")
            }
            let size = u8(KVMRunLayout.ioSize)
            let count = u32(KVMRunLayout.ioCount)
            let dataOffset = u64(KVMRunLayout.ioDataOffset)
            var data: [UInt8] = []
            if direction == .output {
                let length = UInt64(size) * UInt64(count)
                guard dataOffset <= UInt64(run.count), length <= UInt64(run.count) - dataOffset else {
                    throw KVMError(.malformedRun("I/O data window \(dataOffset)+\(length) outside the \(run.count)-byte mapping"), call: "")
                }
                data = Array(run[Int(dataOffset)..<Int(dataOffset + length)])
            }
            return .io(PortIO(direction: direction, size: size, port: u16(KVMRunLayout.ioPort),
                              count: count, data: data, dataOffset: dataOffset))
        case KVMExitReason.mmio:
            let length = u32(KVMRunLayout.mmioLength)
            guard length <= 8 else {
                throw KVMError(.malformedRun("MMIO length \(length) exceeds the 8-byte data field"), call: "")
            }
            let isWrite = u8(KVMRunLayout.mmioIsWrite) != 0
            let data = isWrite ? Array(run[KVMRunLayout.mmioData..<KVMRunLayout.mmioData + Int(length)]) : []
            return .mmio(MMIOAccess(address: u64(KVMRunLayout.mmioPhysicalAddress), data: data,
                                    length: length, isWrite: isWrite))
        case KVMExitReason.halt:
            return .halt
        case KVMExitReason.shutdown:
            return .shutdown
        case KVMExitReason.failEntry:
            return .failEntry(FailEntry(hardwareReason: u64(KVMRunLayout.failEntryReason), cpu: u32(KVMRunLayout.failEntryCPU)))
        case KVMExitReason.internalError:
            return .internalError(suberror: u32(KVMRunLayout.internalSuberror),
                                  data: words(count: KVMRunLayout.internalDataCount, data: KVMRunLayout.internalData))
        case KVMExitReason.systemEvent:
            return .systemEvent(type: u32(KVMRunLayout.systemEventType),
                                data: words(count: KVMRunLayout.systemEventDataCount, data: KVMRunLayout.systemEventData))
        case KVMExitReason.interrupted:
            return .interrupted
        case KVMExitReason.debug:
            return .debug(word: u32(KVMRunLayout.debugWord), address: u64(KVMRunLayout.debugAddress))
        case KVMExitReason.exception:
            return .exception(number: u32(KVMRunLayout.exceptionNumber), errorCode: u32(KVMRunLayout.exceptionErrorCode))
        case KVMExitReason.unknown:
            return .unknownHardware(reason: u64(KVMRunLayout.hardwareExitReason))
        case KVMExitReason.armNISV:
            return .armNoSyndrome(syndrome: u64(KVMRunLayout.armNISVSyndrome), faultAddress: u64(KVMRunLayout.armNISVFaultAddress))
        default:
            return .unknown(reason)
        }
    }

    /// A short name of the exit kind, such as `io` or `mmio`, for counting and messages.
    public var kind: String {
        switch self {
        case .io: return "io"
        case .mmio: return "mmio"
        case .halt: return "hlt"
        case .shutdown: return "shutdown"
        case .failEntry: return "fail_entry"
        case .internalError: return "internal_error"
        case .systemEvent: return "system_event"
        case .interrupted: return "intr"
        case .timedOut: return "timed_out"
        case .debug: return "debug"
        case .exception: return "exception"
        case .unknownHardware: return "unknown_hardware"
        case .armNoSyndrome: return "arm_nisv"
        case .unknown(let reason): return "unknown \(reason)"
        }
    }
}
