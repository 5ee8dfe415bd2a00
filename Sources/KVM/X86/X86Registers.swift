import PerfEvents

/// The x86_64 `struct kvm_regs` (144 bytes): 18 little-endian u64 in the order
/// rax rbx rcx rdx rsi rdi rsp rbp r8 … r15 rip rflags. Kept as bytes so this
/// compiles (and is tested) on any architecture.
public struct X86Registers: Hashable, Sendable {
    /// `sizeof(struct kvm_regs)` on x86_64.
    package static let size = 144

    /// A general register's index in `kvm_regs`.
    public enum Name: Int, Sendable {
        /// `rax`, a general-purpose register (bytes 0–7 of `kvm_regs`).
        case rax = 0
        /// `rbx`, a general-purpose register (bytes 8–15 of `kvm_regs`).
        case rbx = 1
        /// `rcx`, a general-purpose register (bytes 16–23 of `kvm_regs`).
        case rcx = 2
        /// `rdx`, a general-purpose register (bytes 24–31 of `kvm_regs`).
        case rdx = 3
        /// `rsi`, a general-purpose register (bytes 32–39 of `kvm_regs`).
        case rsi = 4
        /// `rdi`, a general-purpose register (bytes 40–47 of `kvm_regs`).
        case rdi = 5
        /// `rsp`, the stack pointer (bytes 48–55 of `kvm_regs`).
        case rsp = 6
        /// `rbp`, the base (frame) pointer (bytes 56–63 of `kvm_regs`).
        case rbp = 7
        /// `r8`, a general-purpose register (bytes 64–71 of `kvm_regs`).
        case r8 = 8
        /// `r9`, a general-purpose register (bytes 72–79 of `kvm_regs`).
        case r9 = 9
        /// `r10`, a general-purpose register (bytes 80–87 of `kvm_regs`).
        case r10 = 10
        /// `r11`, a general-purpose register (bytes 88–95 of `kvm_regs`).
        case r11 = 11
        /// `r12`, a general-purpose register (bytes 96–103 of `kvm_regs`).
        case r12 = 12
        /// `r13`, a general-purpose register (bytes 104–111 of `kvm_regs`).
        case r13 = 13
        /// `r14`, a general-purpose register (bytes 112–119 of `kvm_regs`).
        case r14 = 14
        /// `r15`, a general-purpose register (bytes 120–127 of `kvm_regs`).
        case r15 = 15
        /// `rip`, the instruction pointer (bytes 128–135 of `kvm_regs`).
        case rip = 16
        /// `rflags`, the flags register (bytes 136–143 of `kvm_regs`).
        case rflags = 17
    }

    /// The raw structure.
    package var bytes: [UInt8]

    /// All registers zero.
    package init() { bytes = [UInt8](repeating: 0, count: Self.size) }

    /// Wraps raw `kvm_regs` bytes (padded or clipped to 144).
    package init(bytes: [UInt8]) {
        var padded = Array(bytes.prefix(Self.size))
        padded += [UInt8](repeating: 0, count: Self.size - padded.count)
        self.bytes = padded
    }

    /// The register `name`: the little-endian word at its offset.
    public subscript(_ name: Name) -> UInt64 {
        get { ByteImage.load(UInt64.self, at: name.rawValue * 8, in: bytes) ?? 0 }
        set { ByteImage.store(newValue, at: name.rawValue * 8, in: &bytes) }
    }
}

/// The x86_64 `struct kvm_sregs` (312 bytes) as bytes, with accessors for the
/// segment registers: eight `struct kvm_segment` of 24 bytes (cs ds es fs gs ss tr ldt)
/// at offset 0, then gdt, idt (16 bytes each) and cr0 at 0xE0.
///
/// `kvm_segment`: base u64 @0, limit u32 @8, selector u16 @12, type @14, present @15,
/// dpl @16, db @17, s @18, l @19, g @20, avl @21, unusable @22.
public struct X86SpecialRegisters: Hashable, Sendable {
    /// `sizeof(struct kvm_sregs)` on x86_64.
    package static let size = 312
    /// `sizeof(struct kvm_segment)`.
    package static let segmentSize = 24

    /// A segment register's index in `kvm_sregs`.
    public enum Segment: Int, Sendable, CaseIterable {
        /// `cs`, the code segment (`kvm_sregs` offset 0).
        case cs = 0
        /// `ds`, the data segment (`kvm_sregs` offset 24).
        case ds = 1
        /// `es`, the extra data segment (`kvm_sregs` offset 48).
        case es = 2
        /// `fs`, the `fs` data segment (`kvm_sregs` offset 72).
        case fs = 3
        /// `gs`, the `gs` data segment (`kvm_sregs` offset 96).
        case gs = 4
        /// `ss`, the stack segment (`kvm_sregs` offset 120).
        case ss = 5
        /// `tr`, the task register, which selects the TSS (`kvm_sregs` offset 144).
        case tr = 6
        /// `ldt`, the local descriptor table register (`kvm_sregs` offset 168).
        case ldt = 7
    }

    /// The raw structure.
    package var bytes: [UInt8]

    /// Wraps raw `kvm_sregs` bytes (padded or clipped to 312).
    package init(bytes: [UInt8]) {
        var padded = Array(bytes.prefix(Self.size))
        padded += [UInt8](repeating: 0, count: Self.size - padded.count)
        self.bytes = padded
    }

    /// A segment's base address.
    public func base(_ segment: Segment) -> UInt64 {
        ByteImage.load(UInt64.self, at: segment.rawValue * Self.segmentSize, in: bytes) ?? 0
    }

    /// A segment's selector.
    public func selector(_ segment: Segment) -> UInt16 {
        ByteImage.load(UInt16.self, at: segment.rawValue * Self.segmentSize + 12, in: bytes) ?? 0
    }

    /// Sets a segment's base and selector (leaving limit and attributes, which the
    /// reset state already makes real-mode compatible).
    public mutating func setSegment(_ segment: Segment, base: UInt64, selector: UInt16) {
        let offset = segment.rawValue * Self.segmentSize
        ByteImage.store(base, at: offset, in: &bytes)
        ByteImage.store(selector, at: offset + 12, in: &bytes)
    }

    /// CR0 (offset 0xE0).
    public var cr0: UInt64 {
        get { ByteImage.load(UInt64.self, at: 0xE0, in: bytes) ?? 0 }
        set { ByteImage.store(newValue, at: 0xE0, in: &bytes) }
    }
}

extension VCPU {
    /// `KVM_GET_REGS` (x86).
    public func x86Registers() throws(KVMError) -> X86Registers {
        var bytes = [UInt8](repeating: 0, count: X86Registers.size)
        try x86Ioctl(KVMIoctl.x86GetRegisters, &bytes, "KVM_GET_REGS")
        return X86Registers(bytes: bytes)
    }

    /// `KVM_SET_REGS` (x86).
    public func setX86Registers(_ registers: X86Registers) throws(KVMError) {
        var bytes = registers.bytes
        try x86Ioctl(KVMIoctl.x86SetRegisters, &bytes, "KVM_SET_REGS")
    }

    /// `KVM_GET_SREGS` (x86).
    public func x86SpecialRegisters() throws(KVMError) -> X86SpecialRegisters {
        var bytes = [UInt8](repeating: 0, count: X86SpecialRegisters.size)
        try x86Ioctl(KVMIoctl.x86GetSpecialRegisters, &bytes, "KVM_GET_SREGS")
        return X86SpecialRegisters(bytes: bytes)
    }

    /// `KVM_SET_SREGS` (x86).
    public func setX86SpecialRegisters(_ registers: X86SpecialRegisters) throws(KVMError) {
        var bytes = registers.bytes
        try x86Ioctl(KVMIoctl.x86SetSpecialRegisters, &bytes, "KVM_SET_SREGS")
    }

    /// Puts the VCPU in real mode at `0000:entry` with flat zero-based CS/DS/ES/SS,
    /// `rflags` = 2 (the reserved bit) and `sp` = `stack`.
    public func startX86RealMode(entry: UInt16, stack: UInt16 = 0) throws(KVMError) {
        var special = try x86SpecialRegisters()
        for segment in [X86SpecialRegisters.Segment.cs, .ds, .es, .ss] {
            special.setSegment(segment, base: 0, selector: 0)
        }
        try setX86SpecialRegisters(special)
        var registers = X86Registers()
        registers[.rip] = UInt64(entry)
        registers[.rflags] = 2
        registers[.rsp] = UInt64(stack)
        try setX86Registers(registers)
    }

    private func x86Ioctl(_ request: IoctlNumber, _ bytes: inout [UInt8], _ name: String) throws(KVMError) {
        do {
            _ = try ioctl(request, bytes: &bytes)
        } catch {
            if error.errno == .notTTY {
                throw KVMError(.notX86KVM(operation: name), call: error.call, errno: error.errno)
            }
            throw error
        }
    }
}
