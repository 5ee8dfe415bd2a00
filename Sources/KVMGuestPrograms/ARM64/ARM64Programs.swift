/// arm64 guest programs (EL1h, MMU off, so data accesses are Device memory and an
/// access to an IPA without memory is an MMIO exit). They end with PSCI SYSTEM_OFF
/// (`HVC #0` with x0 = 0x84000008), which KVM turns into `KVM_EXIT_SYSTEM_EVENT`
/// type 1 (shutdown) when the VCPU has PSCI 0.2 (`KVM_ARM_VCPU_PSCI_0_2`).
///
/// Addresses: RAM at ``memoryBase`` (``memorySize`` bytes, programs at its start);
/// ``mmioAddress`` has no memory.
public enum ARM64Programs {
    /// Guest RAM base and the programs' load address (the usual `virt` RAM base).
    public static let memoryBase: UInt64 = 0x4000_0000
    /// 2 MiB: a multiple of every arm64 page size (4, 16, 64 KiB).
    public static let memorySize = 0x20_0000
    /// The unbacked guest-physical address programs store to.
    public static let mmioAddress: UInt32 = 0x1000_0000
    /// PSCI 0.2 SYSTEM_OFF function id.
    public static let psciSystemOff: UInt32 = 0x8400_0008
    /// A PSCI-range function id KVM does not implement: answered with NOT_SUPPORTED (-1) in x0.
    public static let unknownPSCIFunction: UInt32 = 0x8400_00FF

    /// `movz w0, #0x0008; movk w0, #0x8400, lsl #16; hvc #0; b .`
    static var systemOff: [UInt32] {
        [A64.movz(w: 0, UInt16(truncatingIfNeeded: psciSystemOff)),
         A64.movk(w: 0, UInt16(truncatingIfNeeded: psciSystemOff >> 16), shift: 1),
         A64.hvc(0),
         A64.b(offset: 0)]
    }

    /// `b .`: a guest that never exits on its own. Only a deadline
    /// (``RunDeadline``) brings `KVM_RUN` back.
    public static func spin() -> GuestProgram {
        GuestProgram(name: "arm64 b .", code: A64.bytes([A64.b(offset: 0)]), loadAddress: memoryBase, userspaceExits: 0)
    }

    /// Stores the remaining count (8 bytes) to ``mmioAddress`` `count` times, then SYSTEM_OFF.
    ///
    /// Exits: `count` × `KVM_EXIT_MMIO` (write, len 8), then `KVM_EXIT_SYSTEM_EVENT` (shutdown).
    ///
    ///     0:  movz x0, #lo(mmio)            ; x0 = MMIO address
    ///     4:  movk x0, #hi(mmio), lsl #16
    ///     8:  movz x1, #lo(count)           ; x1 = count
    ///     c:  movk x1, #hi(count), lsl #16
    ///     10: cbz  x1, 20
    ///     14: str  x1, [x0]                 ; no writeback: valid ISV, MMIO exit
    ///     18: subs x1, x1, #1
    ///     1c: b.ne 14
    ///     20: system off
    public static func mmioWrites(count: UInt32) -> GuestProgram {
        let words = A64.load32(x: 0, mmioAddress) + A64.load32(x: 1, count) + [
            A64.cbz(x: 1, offset: 16),
            A64.str(x: 1, base: 0),
            A64.subs(x: 1, 1, 1),
            A64.bne(offset: -8),
        ] + systemOff
        return GuestProgram(name: "arm64 MMIO write ×\(count)", code: A64.bytes(words), loadAddress: memoryBase,
                            userspaceExits: Int(count))
    }

    /// Makes `count` HVCs with an unknown PSCI function id (KVM answers in the kernel
    /// and returns), then one MMIO store of the count made, then SYSTEM_OFF.
    /// The counter lives in x19, which SMCCC preserves (KVM writes x0–x3).
    ///
    ///     0:  movz x19, #lo(count)
    ///     4:  movk x19, #hi(count), lsl #16
    ///     8:  movz x1, #lo(mmio); c: movk x1, #hi(mmio), lsl #16
    ///     10: cbz  x19, 28
    ///     14: movz w0, #0x00ff
    ///     18: movk w0, #0x8400, lsl #16     ; x0 = 0x840000ff
    ///     1c: hvc  #0
    ///     20: subs x19, x19, #1
    ///     24: b.ne 14
    ///     28: str  x19, [x1]                ; report (x19 = 0)
    ///     2c: system off
    public static func hvcLoop(count: UInt32) -> GuestProgram {
        let words = A64.load32(x: 19, count) + A64.load32(x: 1, mmioAddress) + [
            A64.cbz(x: 19, offset: 24),
            A64.movz(w: 0, UInt16(truncatingIfNeeded: unknownPSCIFunction)),
            A64.movk(w: 0, UInt16(truncatingIfNeeded: unknownPSCIFunction >> 16), shift: 1),
            A64.hvc(0),
            A64.subs(x: 19, 19, 1),
            A64.bne(offset: -16),
            A64.str(x: 19, base: 1),
        ] + systemOff
        return GuestProgram(name: "arm64 HVC ×\(count)", code: A64.bytes(words), loadAddress: memoryBase,
                            userspaceExits: 1, kernelExits: Int(count))
    }

    /// WFI: with no interrupt pending KVM blocks the VCPU in the kernel (no exit to user
    /// space) until an interrupt or a signal (`KVM_EXIT_INTR`); then SYSTEM_OFF.
    ///
    ///     0: wfi
    ///     4: system off
    public static func waitForInterrupt() -> GuestProgram {
        GuestProgram(name: "arm64 WFI", code: A64.bytes([A64.wfi] + systemOff), loadAddress: memoryBase, userspaceExits: 0)
    }

    /// Enables the PMU cycle counter and reports it `count` times via MMIO stores, then SYSTEM_OFF.
    /// Without a vGIC nothing may raise the PMU interrupt, so overflow interrupts and
    /// flags are cleared first.
    ///
    /// Exits: `count` × `KVM_EXIT_MMIO` (write, len 8, data = PMCCNTR_EL0, non-decreasing),
    /// then `KVM_EXIT_SYSTEM_EVENT`.
    ///
    ///     0:  movn x0, #0                   ; x0 = ~0
    ///     4:  msr  pmintenclr_el1, x0       ; no overflow interrupts
    ///     8:  msr  pmovsclr_el0, x0         ; no overflow flags
    ///     c:  mrs  x0, pmcr_el0
    ///     10: orr  x0, x0, #1               ; E: enable
    ///     14: orr  x0, x0, #4               ; C: reset the cycle counter
    ///     18: msr  pmcr_el0, x0
    ///     1c: movz x0, #0x8000, lsl #16     ; bit 31: PMCCNTR_EL0
    ///     20: msr  pmcntenset_el0, x0
    ///     24: isb
    ///     28: movz x1, #lo(mmio); 2c: movk x1, #hi(mmio), lsl #16
    ///     30: movz x2, #lo(count); 34: movk x2, #hi(count), lsl #16
    ///     38: cbz  x2, 4c
    ///     3c: mrs  x3, pmccntr_el0
    ///     40: str  x3, [x1]
    ///     44: subs x2, x2, #1
    ///     48: b.ne 3c
    ///     4c: system off
    public static func cycleCounterReports(count: UInt32) -> GuestProgram {
        let words: [UInt32] = [
            A64.movn(x: 0, 0),
            A64.msr(.pmintenclrEL1, x: 0),
            A64.msr(.pmovsclrEL0, x: 0),
            A64.mrs(x: 0, .pmcrEL0),
            A64.orrBit(x: 0, 0, bit: 0),
            A64.orrBit(x: 0, 0, bit: 2),
            A64.msr(.pmcrEL0, x: 0),
            A64.movz(x: 0, 0x8000, shift: 1),
            A64.msr(.pmcntensetEL0, x: 0),
            A64.isb,
        ] + A64.load32(x: 1, mmioAddress) + A64.load32(x: 2, count) + [
            A64.cbz(x: 2, offset: 20),
            A64.mrs(x: 3, .pmccntrEL0),
            A64.str(x: 3, base: 1),
            A64.subs(x: 2, 2, 1),
            A64.bne(offset: -12),
        ] + systemOff
        return GuestProgram(name: "arm64 PMCCNTR ×\(count)", code: A64.bytes(words), loadAddress: memoryBase,
                            userspaceExits: Int(count))
    }

    /// `rounds` rounds of `work` loop iterations (SUBS, B.NE), each followed by two
    /// reports: PMCCNTR_EL0 to ``mmioAddress`` and event counter 0 (INST_RETIRED, 0x08)
    /// to ``mmioAddress`` + 8; then SYSTEM_OFF. No interrupts (none needed): for
    /// watching a guest's counters while its VCPU thread moves between clusters.
    ///
    /// Exits: `rounds` × 2 × `KVM_EXIT_MMIO` (write, len 8), then `KVM_EXIT_SYSTEM_EVENT`.
    public static func workReports(rounds: UInt32, work: UInt32) -> GuestProgram {
        var words: [UInt32] = [
            A64.movn(x: 0, 0),
            A64.msr(.pmintenclrEL1, x: 0),
            A64.msr(.pmovsclrEL0, x: 0),
            A64.mrs(x: 0, .pmcrEL0),
            A64.orrBit(x: 0, 0, bit: 0),
            A64.orrBit(x: 0, 0, bit: 1),
            A64.orrBit(x: 0, 0, bit: 2),
            A64.msr(.pmcrEL0, x: 0),
            A64.movz(x: 0, 0x08),
            A64.msr(.pmevtyperEL0(0), x: 0),
        ]
        words += A64.load32(x: 0, 1 << 31 | 1)
        words += [A64.msr(.pmcntensetEL0, x: 0), A64.isb]
        words += A64.load32(x: 1, mmioAddress) + A64.load32(x: 4, max(rounds, 1))
        // round: x2 = work; loop; report; next round
        words += A64.load32(x: 2, max(work, 1))
        words += [
            A64.subs(x: 2, 2, 1),
            A64.bne(offset: -4),
            A64.mrs(x: 3, .pmccntrEL0),
            A64.mrs(x: 5, .pmevcntrEL0(0)),
            A64.str(x: 3, base: 1),
            A64.str(x: 5, base: 1, offset: 8),
            A64.subs(x: 4, 4, 1),
            A64.bne(offset: -9 * 4),
        ]
        words += systemOff
        return GuestProgram(name: "arm64 \(rounds) × (\(work) iterations, report PMCCNTR and INST_RETIRED)",
                            code: A64.bytes(words), loadAddress: memoryBase, userspaceExits: 2 * Int(max(rounds, 1)))
    }
}
