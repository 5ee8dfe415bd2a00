/// A64 instruction encodings, computed from their fields (Arm ARM, C4 "A64 instruction
/// set encoding"). Only what the guest programs need; registers are 0…30 (31 = XZR/SP
/// depending on the instruction).
public enum A64 {
    /// A system register operand: `op0:op1:CRn:CRm:op2`.
    public struct SystemRegister: Hashable, Sendable {
        /// The encoding fields: `op0` (2 or 3), `op1` and `op2` (0…7), `CRn` and `CRm` (0…15).
        public var op0: UInt32, op1: UInt32, crn: UInt32, crm: UInt32, op2: UInt32
        /// The system register with these encoding fields.
        public init(op0: UInt32, op1: UInt32, crn: UInt32, crm: UInt32, op2: UInt32) {
            self.op0 = op0; self.op1 = op1; self.crn = crn; self.crm = crm; self.op2 = op2
        }
        /// PMCR_EL0 (3, 3, c9, c12, 0): E (bit 0) enables counters, C (bit 2) resets the cycle counter.
        public static let pmcrEL0 = SystemRegister(op0: 3, op1: 3, crn: 9, crm: 12, op2: 0)
        /// PMCNTENSET_EL0 (3, 3, c9, c12, 1): bit 31 enables PMCCNTR_EL0.
        public static let pmcntensetEL0 = SystemRegister(op0: 3, op1: 3, crn: 9, crm: 12, op2: 1)
        /// PMCNTENCLR_EL0 (3, 3, c9, c12, 2): write ones to disable counters.
        public static let pmcntenclrEL0 = SystemRegister(op0: 3, op1: 3, crn: 9, crm: 12, op2: 2)
        /// PMOVSCLR_EL0 (3, 3, c9, c12, 3): write ones to clear overflow flags.
        public static let pmovsclrEL0 = SystemRegister(op0: 3, op1: 3, crn: 9, crm: 12, op2: 3)
        /// PMCCNTR_EL0 (3, 3, c9, c13, 0): the cycle counter.
        public static let pmccntrEL0 = SystemRegister(op0: 3, op1: 3, crn: 9, crm: 13, op2: 0)
        /// PMINTENCLR_EL1 (3, 0, c9, c14, 2): write ones to disable overflow interrupts.
        public static let pmintenclrEL1 = SystemRegister(op0: 3, op1: 0, crn: 9, crm: 14, op2: 2)

        /// PMINTENSET_EL1 (3, 0, c9, c14, 1): write ones to enable overflow interrupts.
        public static let pmintensetEL1 = SystemRegister(op0: 3, op1: 0, crn: 9, crm: 14, op2: 1)
        /// PMEVCNTR<n>_EL0 (3, 3, c14, 0b10:n[4:3], n[2:0]): event counter n (0…30).
        public static func pmevcntrEL0(_ n: UInt32) -> SystemRegister {
            SystemRegister(op0: 3, op1: 3, crn: 14, crm: 8 | (n >> 3) & 3, op2: n & 7)
        }
        /// PMEVTYPER<n>_EL0 (3, 3, c14, 0b11:n[4:3], n[2:0]): event counter n's event number and filters.
        public static func pmevtyperEL0(_ n: UInt32) -> SystemRegister {
            SystemRegister(op0: 3, op1: 3, crn: 14, crm: 12 | (n >> 3) & 3, op2: n & 7)
        }
        /// MPIDR_EL1 (3, 0, c0, c0, 5): Aff0 (bits 7…0) is the KVM VCPU index for up to 16 VCPUs.
        public static let mpidrEL1 = SystemRegister(op0: 3, op1: 0, crn: 0, crm: 0, op2: 5)
        /// VBAR_EL1 (3, 0, c12, c0, 0): the exception vector base (2 KiB aligned).
        public static let vbarEL1 = SystemRegister(op0: 3, op1: 0, crn: 12, crm: 0, op2: 0)
        /// ESR_EL1 (3, 0, c5, c2, 0): the syndrome of the last synchronous exception.
        public static let esrEL1 = SystemRegister(op0: 3, op1: 0, crn: 5, crm: 2, op2: 0)
        /// ICC_PMR_EL1 (3, 0, c4, c6, 0): the GIC CPU interface's priority mask.
        public static let iccPMREL1 = SystemRegister(op0: 3, op1: 0, crn: 4, crm: 6, op2: 0)
        /// ICC_IAR1_EL1 (3, 0, c12, c12, 0): acknowledge a group 1 interrupt (reads its INTID).
        public static let iccIAR1EL1 = SystemRegister(op0: 3, op1: 0, crn: 12, crm: 12, op2: 0)
        /// ICC_EOIR1_EL1 (3, 0, c12, c12, 1): end of a group 1 interrupt.
        public static let iccEOIR1EL1 = SystemRegister(op0: 3, op1: 0, crn: 12, crm: 12, op2: 1)
        /// CNTFRQ_EL0 (3, 3, c14, c0, 0): the counter's frequency in Hz.
        public static let cntfrqEL0 = SystemRegister(op0: 3, op1: 3, crn: 14, crm: 0, op2: 0)
        /// CNTVCT_EL0 (3, 3, c14, c0, 2): the virtual count (QEMU's `virt`: 62.5 MHz, 16 ns a tick).
        public static let cntvctEL0 = SystemRegister(op0: 3, op1: 3, crn: 14, crm: 0, op2: 2)
        /// ICC_IGRPEN1_EL1 (3, 0, c12, c12, 7): bit 0 enables group 1 interrupts.
        public static let iccIGRPEN1EL1 = SystemRegister(op0: 3, op1: 0, crn: 12, crm: 12, op2: 7)

        var fields: UInt32 {
            (op0 & 1) << 19 | (op1 & 7) << 16 | (crn & 15) << 12 | (crm & 15) << 8 | (op2 & 7) << 5
        }
    }

    /// `MOVZ Xd, #imm16, LSL #(16*shift)`: 1 10 100101 hw imm16 Rd.
    public static func movz(x rd: UInt32, _ imm16: UInt16, shift: UInt32 = 0) -> UInt32 {
        0xD280_0000 | (shift & 3) << 21 | UInt32(imm16) << 5 | (rd & 31)
    }

    /// `MOVZ Wd, #imm16, LSL #(16*shift)` (32-bit, shift 0 or 1).
    public static func movz(w rd: UInt32, _ imm16: UInt16, shift: UInt32 = 0) -> UInt32 {
        0x5280_0000 | (shift & 1) << 21 | UInt32(imm16) << 5 | (rd & 31)
    }

    /// `MOVK Xd, #imm16, LSL #(16*shift)`: 1 11 100101 hw imm16 Rd.
    public static func movk(x rd: UInt32, _ imm16: UInt16, shift: UInt32) -> UInt32 {
        0xF280_0000 | (shift & 3) << 21 | UInt32(imm16) << 5 | (rd & 31)
    }

    /// `MOVK Wd, #imm16, LSL #(16*shift)` (32-bit).
    public static func movk(w rd: UInt32, _ imm16: UInt16, shift: UInt32) -> UInt32 {
        0x7280_0000 | (shift & 1) << 21 | UInt32(imm16) << 5 | (rd & 31)
    }

    /// `MOVN Xd, #imm16` (Xd = ~imm16): 1 00 100101 hw imm16 Rd.
    public static func movn(x rd: UInt32, _ imm16: UInt16) -> UInt32 {
        0x9280_0000 | UInt32(imm16) << 5 | (rd & 31)
    }

    /// `MOVZ`/`MOVK` pair loading a 32-bit value into Xd (upper 32 bits zero).
    public static func load32(x rd: UInt32, _ value: UInt32) -> [UInt32] {
        [movz(x: rd, UInt16(truncatingIfNeeded: value)), movk(x: rd, UInt16(truncatingIfNeeded: value >> 16), shift: 1)]
    }

    /// `STR Xt, [Xn]` (unsigned offset 0; no writeback, so an MMIO fault has a valid syndrome).
    public static func str(x rt: UInt32, base rn: UInt32) -> UInt32 {
        0xF900_0000 | (rn & 31) << 5 | (rt & 31)
    }

    /// `STR Xt, [Xn, #offset]` (unsigned offset, a multiple of 8 up to 32760).
    public static func str(x rt: UInt32, base rn: UInt32, offset: UInt32) -> UInt32 {
        0xF900_0000 | (offset / 8 & 0xFFF) << 10 | (rn & 31) << 5 | (rt & 31)
    }

    /// `STR Wt, [Xn, #offset]` (32-bit store, unsigned offset, a multiple of 4): GIC registers.
    public static func str(w rt: UInt32, base rn: UInt32, offset: UInt32 = 0) -> UInt32 {
        0xB900_0000 | (offset / 4 & 0xFFF) << 10 | (rn & 31) << 5 | (rt & 31)
    }

    /// `LDR Xt, [Xn, #offset]` (unsigned offset, a multiple of 8): an MMIO read with a valid syndrome.
    public static func ldr(x rt: UInt32, base rn: UInt32, offset: UInt32 = 0) -> UInt32 {
        0xF940_0000 | (offset / 8 & 0xFFF) << 10 | (rn & 31) << 5 | (rt & 31)
    }

    /// `LDR Wt, [Xn, #offset]` (32-bit load, unsigned offset, a multiple of 4): GIC registers.
    public static func ldr(w rt: UInt32, base rn: UInt32, offset: UInt32 = 0) -> UInt32 {
        0xB940_0000 | (offset / 4 & 0xFFF) << 10 | (rn & 31) << 5 | (rt & 31)
    }

    /// `SUB Xd, Xn, Xm`.
    public static func sub(x rd: UInt32, _ rn: UInt32, x rm: UInt32) -> UInt32 {
        0xCB00_0000 | (rm & 31) << 16 | (rn & 31) << 5 | (rd & 31)
    }

    /// `ADD Xd, Xn, #imm12`.
    public static func add(x rd: UInt32, _ rn: UInt32, _ imm12: UInt32) -> UInt32 {
        0x9100_0000 | (imm12 & 0xFFF) << 10 | (rn & 31) << 5 | (rd & 31)
    }

    /// `ADD Xd, Xn, Xm`.
    public static func add(x rd: UInt32, _ rn: UInt32, x rm: UInt32) -> UInt32 {
        0x8B00_0000 | (rm & 31) << 16 | (rn & 31) << 5 | (rd & 31)
    }

    /// `AND Xd, Xn, #0xff` (logical immediate N=1, immr=0, imms=7): the low byte.
    public static func andLowByte(x rd: UInt32, _ rn: UInt32) -> UInt32 {
        0x9240_1C00 | (rn & 31) << 5 | (rd & 31)
    }

    /// `LSL Xd, Xn, #shift` (alias of `UBFM Xd, Xn, #(-shift mod 64), #(63 - shift)`), shift 1…63.
    public static func lsl(x rd: UInt32, _ rn: UInt32, _ shift: UInt32) -> UInt32 {
        let immr = (64 - (shift & 63)) & 63
        let imms = 63 - (shift & 63)
        return 0xD340_0000 | immr << 16 | imms << 10 | (rn & 31) << 5 | (rd & 31)
    }

    /// `SUBS Xd, Xn, #imm12`.
    public static func subs(x rd: UInt32, _ rn: UInt32, _ imm12: UInt32) -> UInt32 {
        0xF100_0000 | (imm12 & 0xFFF) << 10 | (rn & 31) << 5 | (rd & 31)
    }

    /// `CBZ Xt, label` with `offset` bytes from this instruction (a multiple of 4, ±1 MiB).
    public static func cbz(x rt: UInt32, offset: Int32) -> UInt32 {
        0xB400_0000 | (UInt32(bitPattern: offset / 4) & 0x7FFFF) << 5 | (rt & 31)
    }

    /// `B.NE label` with `offset` bytes from this instruction.
    public static func bne(offset: Int32) -> UInt32 {
        0x5400_0000 | (UInt32(bitPattern: offset / 4) & 0x7FFFF) << 5 | 0x1
    }

    /// `B label` with `offset` bytes from this instruction (0: branch to self).
    public static func b(offset: Int32) -> UInt32 {
        0x1400_0000 | (UInt32(bitPattern: offset / 4) & 0x3FF_FFFF)
    }

    /// `ORR Xd, Xn, #(1 << bit)`: a logical immediate with N=1, imms=0 (one set bit),
    /// immr = (64 - bit) mod 64 (the rotation that moves bit 0 to `bit`).
    public static func orrBit(x rd: UInt32, _ rn: UInt32, bit: UInt32) -> UInt32 {
        let immr = (64 - (bit & 63)) & 63
        return 0xB240_0000 | immr << 16 | (rn & 31) << 5 | (rd & 31)
    }

    /// `MRS Xt, sysreg`: 1101010100 1 1 o0 op1 CRn CRm op2 Rt.
    public static func mrs(x rt: UInt32, _ register: SystemRegister) -> UInt32 {
        0xD530_0000 | register.fields | (rt & 31)
    }

    /// `MSR sysreg, Xt`: 1101010100 0 1 o0 op1 CRn CRm op2 Rt.
    public static func msr(_ register: SystemRegister, x rt: UInt32) -> UInt32 {
        0xD510_0000 | register.fields | (rt & 31)
    }

    /// `HVC #imm16`.
    public static func hvc(_ imm16: UInt16 = 0) -> UInt32 { 0xD400_0002 | UInt32(imm16) << 5 }
    /// `MSR DAIFClr, #2`: unmask IRQs.
    public static let unmaskIRQ: UInt32 = 0xD503_42FF
    /// `ERET`.
    public static let eret: UInt32 = 0xD69F_03E0
    /// `ISB`.
    public static let isb: UInt32 = 0xD503_3FDF
    /// `WFI`.
    public static let wfi: UInt32 = 0xD503_207F
    /// The zero register's number for `MSR`/`STR` sources.
    public static let xzr: UInt32 = 31

    /// Instruction words as the little-endian bytes the CPU fetches.
    public static func bytes(_ words: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 4)
        for word in words {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return bytes
    }
}
