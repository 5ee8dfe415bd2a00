/// Byte offsets of the `struct kvm_run` fields this module reads and writes
/// (`include/uapi/linux/kvm.h`; identical on x86_64 and arm64).
///
///     0  u8  request_interrupt_window     1  u8 immediate_exit
///     8  u32 exit_reason                 12  u8 ready_for_interrupt_injection, if_flag
///    16  u64 cr8 (x86)                   24  u64 apic_base (x86)
///    32  the exit union (256 bytes):
///        io:           32 u8 direction, 33 u8 size, 34 u16 port, 36 u32 count, 40 u64 data_offset
///        mmio:         32 u64 phys_addr, 40 u8 data[8], 48 u32 len, 52 u8 is_write
///        fail_entry:   32 u64 hardware_entry_failure_reason, 40 u32 cpu
///        internal:     32 u32 suberror, 36 u32 ndata, 40 u64 data[16]
///        system_event: 32 u32 type, 36 u32 ndata, 40 u64 data[16]
///        hw (UNKNOWN): 32 u64 hardware_exit_reason
///        ex:           32 u32 exception, 36 u32 error_code
///        debug:        32 u32 exception (x86) / hsr (arm64), 40 u64 pc (x86) / far (arm64)
///        arm_nisv:     32 u64 esr_iss, 40 u64 fault_ipa
package enum KVMRunLayout {
    package static let immediateExit = 1
    package static let exitReason = 8
    package static let exitUnion = 32
    package static let ioDirection = 32
    package static let ioSize = 33
    package static let ioPort = 34
    package static let ioCount = 36
    package static let ioDataOffset = 40
    package static let mmioPhysicalAddress = 32
    package static let mmioData = 40
    package static let mmioLength = 48
    package static let mmioIsWrite = 52
    package static let failEntryReason = 32
    package static let failEntryCPU = 40
    package static let internalSuberror = 32
    package static let internalDataCount = 36
    package static let internalData = 40
    package static let systemEventType = 32
    package static let systemEventDataCount = 36
    package static let systemEventData = 40
    package static let hardwareExitReason = 32
    package static let exceptionNumber = 32
    package static let exceptionErrorCode = 36
    package static let debugWord = 32
    package static let debugAddress = 40
    package static let armNISVSyndrome = 32
    package static let armNISVFaultAddress = 40
    /// The smallest mapping that holds every field above (the union ends at 32 + 256).
    package static let minimumSize = 32 + 256
    /// `internal.data` and `system_event.data` hold at most 16 words.
    package static let maximumDataWords = 16
}

/// `KVM_EXIT_*` reason numbers (`include/uapi/linux/kvm.h`).
package enum KVMExitReason {
    package static let unknown: UInt32 = 0
    package static let exception: UInt32 = 1
    package static let io: UInt32 = 2
    package static let hypercall: UInt32 = 3
    package static let debug: UInt32 = 4
    package static let halt: UInt32 = 5
    package static let mmio: UInt32 = 6
    package static let shutdown: UInt32 = 8
    package static let failEntry: UInt32 = 9
    package static let interrupted: UInt32 = 10
    package static let internalError: UInt32 = 17
    package static let systemEvent: UInt32 = 24
    package static let armNISV: UInt32 = 28
}
