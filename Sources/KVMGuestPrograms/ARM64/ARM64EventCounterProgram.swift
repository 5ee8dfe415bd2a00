import KVM

/// An arm64 guest that drives its virtual PMU fully: event counters programmed
/// through PMEVTYPER<n>_EL0, an overflow interrupt from the in-kernel GICv3 (PPI
/// ``VGICv3/pmuInterrupt`` by default), and reports of what it counted.
///
/// Each report is an 8-byte MMIO store to ``ARM64Programs/mmioAddress`` + 8 × slot
/// (``Slot``); the VMM tells them apart by address. Every VCPU may run the same code:
/// it finds its redistributor and reports its index from MPIDR_EL1.Aff0.
///
/// What it does, in order:
/// 1. vector table at ``vectorOffset`` (VBAR_EL1); GICD_CTLR.EnableGrp1; its
///    redistributor's GICR_ISENABLER0 bit for the interrupt; ICC_PMR_EL1 = 0xff,
///    ICC_IGRPEN1_EL1 = 1;
/// 2. PMCR_EL0.E|P|C (enable, reset every counter); PMEVTYPER<i> = `events[i]` for
///    counters 0…; counter 0 starts at ``preload`` (2^32 − `overflowAfter`), with its
///    overflow interrupt enabled (PMINTENSET_EL1), so it overflows once; all of them
///    enabled (not PMCCNTR_EL0: see below); IRQs unmasked;
/// 3. a loop of `iterations` × (SUBS, B.NE): 2 instructions each;
/// 4. reads every counter, disables them all (PMCNTENCLR_EL0), then writes PMCNTENSET_EL0
///    with every event counter's bit (0…30), reads back which KVM kept (only those below
///    PMCR_EL0.N: the guest cannot use a counter above its limit) and disables them again;
///    then reports the counters, PMCR_EL0, its VCPU index, the bits kept and the
///    interrupts taken; SYSTEM_OFF.
///
/// The IRQ handler (VBAR + 0x280) acknowledges (ICC_IAR1_EL1), reports the INTID
/// (slot ``Slot/interrupt``, one exit per interrupt), clears the overflow flag, ends
/// the interrupt and returns. A synchronous exception (VBAR + 0x200) reports ESR_EL1
/// (``Slot/syncException``) and powers off.
public struct ARM64EventCounterProgram: Hashable, Sendable {
    /// Report slots: address = mmioAddress + 8 × rawValue.
    public enum Slot: UInt32, Hashable, Sendable, CaseIterable {
        /// The INTID the IRQ handler acknowledged (one report per interrupt).
        case interrupt = 0
        /// How many interrupts the handler took.
        case interruptsTaken = 1
        /// PMCCNTR_EL0 (left disabled by the program: reads 0).
        case cycleCounter = 2
        /// PMCR_EL0 (N, bits 15…11: the event counters the guest sees).
        case control = 3
        /// MPIDR_EL1.Aff0: the VCPU index.
        case vcpu = 4
        /// ESR_EL1 of an unexpected synchronous exception (then SYSTEM_OFF).
        case syncException = 5
        /// PMCNTENSET_EL0 read back after writing bits 0…30: the event counters KVM let the guest enable.
        case enabledCounters = 6
        /// Event counter 0; counter i is at slot 8 + i.
        case counter0 = 8
    }

    /// Where the vector table is, from the load address (2 KiB aligned).
    public static let vectorOffset: UInt64 = 0x800
    /// The most event counters the program reports (plus the overflow counter).
    public static let maximumEvents = 4

    /// PMUv3 event numbers for counters 0… (at most ``maximumEvents``).
    public var events: [UInt16]
    /// After how many of counter 0's events the overflow interrupt is raised.
    public var overflowAfter: UInt32
    /// Loop iterations (2 instructions each).
    public var iterations: UInt32
    public var vgic: VGICv3
    public var interrupt: UInt32

    /// INST_RETIRED (0x08) and CPU_CYCLES (0x11); counter 0 overflows after 1000
    /// instructions. Few counters on purpose: KVM may back each guest counter with a
    /// chained pair of host counters (64-bit counters of PMUv3p5), and the host's own
    /// counts of the VCPU thread need room on the same PMU.
    public init(events: [UInt16] = [0x08, 0x11], overflowAfter: UInt32 = 1000,
                iterations: UInt32, vgic: VGICv3 = VGICv3(), interrupt: UInt32 = VGICv3.pmuInterrupt) {
        self.events = Array((events.isEmpty ? [0x08] : events).prefix(Self.maximumEvents))
        self.overflowAfter = max(overflowAfter, 1)
        self.iterations = max(iterations, 1)
        self.vgic = vgic
        self.interrupt = interrupt
    }

    /// Counter 0's start value: 2^32 − `overflowAfter`.
    public var preload: UInt32 { 0 &- overflowAfter }

    /// What counter `index` counted, from its reported value: counter 0 started at
    /// ``preload`` (its low 32 bits wrap whether the counter is 32 or 64 bits wide).
    public func count(counter index: Int, value: UInt64) -> UInt64 {
        index == 0 ? (value &- UInt64(preload)) & 0xFFFF_FFFF : value
    }

    /// The MMIO address of `slot` (event counter `index` for ``Slot/counter0``).
    public static func address(of slot: Slot, counter index: Int = 0) -> UInt64 {
        UInt64(ARM64Programs.mmioAddress) + 8 * UInt64(slot.rawValue + (slot == .counter0 ? UInt32(index) : 0))
    }

    /// Decodes a report address: the slot and, for event counters, the counter index.
    public static func slot(at address: UInt64) -> (Slot, Int)? {
        let base = UInt64(ARM64Programs.mmioAddress)
        guard address >= base, (address - base) % 8 == 0 else { return nil }
        let index = UInt32((address - base) / 8)
        if index >= Slot.counter0.rawValue, index < Slot.counter0.rawValue + UInt32(maximumEvents) {
            return (.counter0, Int(index - Slot.counter0.rawValue))
        }
        return Slot(rawValue: index).map { ($0, 0) }
    }

    /// The program, loaded at ``ARM64Programs/memoryBase``.
    public var program: GuestProgram {
        let base = ARM64Programs.memoryBase
        let sgiFrame: UInt32 = 0x1_0000
        let isenabler0: UInt32 = 0x100
        var main: [UInt32] = []
        main += A64.load32(x: 20, ARM64Programs.mmioAddress)
        main += [A64.movz(x: 21, 0), A64.mrs(x: 22, .mpidrEL1), A64.andLowByte(x: 22, 22)]
        main += A64.load32(x: 0, UInt32(truncatingIfNeeded: base + Self.vectorOffset))
        main += [A64.msr(.vbarEL1, x: 0), A64.isb]
        // GIC: distributor group 1 on; this VCPU's redistributor enables the PPI.
        main += A64.load32(x: 0, UInt32(truncatingIfNeeded: vgic.distributorAddress))
        main += [A64.movz(w: 1, 2), A64.str(w: 1, base: 0)]
        main += A64.load32(x: 0, UInt32(truncatingIfNeeded: vgic.redistributorAddress))
        main += [A64.lsl(x: 1, 22, 17), A64.add(x: 0, 0, x: 1)]
        main += A64.load32(x: 1, sgiFrame + isenabler0 + 4 * (interrupt / 32))
        main += [A64.add(x: 0, 0, x: 1)]
        main += A64.load32(x: 1, 1 << (interrupt % 32))
        main += [A64.str(w: 1, base: 0)]
        main += [A64.movz(x: 0, 0xFF), A64.msr(.iccPMREL1, x: 0), A64.movz(x: 0, 1), A64.msr(.iccIGRPEN1EL1, x: 0), A64.isb]
        // PMU: nothing pending, every counter reset, then the events.
        main += [A64.movn(x: 0, 0), A64.msr(.pmintenclrEL1, x: 0), A64.msr(.pmovsclrEL0, x: 0),
                 A64.mrs(x: 0, .pmcrEL0), A64.orrBit(x: 0, 0, bit: 0), A64.orrBit(x: 0, 0, bit: 1),
                 A64.orrBit(x: 0, 0, bit: 2), A64.msr(.pmcrEL0, x: 0), A64.isb]
        for (index, event) in events.enumerated() {
            main += [A64.movz(x: 0, event), A64.msr(.pmevtyperEL0(UInt32(index)), x: 0)]
        }
        main += A64.load32(x: 0, preload)
        main += [A64.msr(.pmevcntrEL0(0), x: 0), A64.movz(x: 0, 1), A64.msr(.pmintensetEL1, x: 0)]
        // The event counters only: KVM backs the guest's 64-bit PMCCNTR_EL0 with a chained
        // pair of host counters when the host's cycle counter is taken, which leaves too few
        // for the host's own counts of the VCPU thread.
        main += A64.load32(x: 0, (1 << UInt32(events.count)) - 1)
        main += [A64.msr(.pmcntensetEL0, x: 0), A64.isb, A64.unmaskIRQ]
        // The measured loop.
        main += A64.load32(x: 2, iterations)
        main += [A64.subs(x: 2, 2, 1), A64.bne(offset: -4)]
        // Read everything first, then report (each report is an exit).
        var reads: [UInt32] = []
        var stores: [UInt32] = []
        for index in 0..<events.count {
            let register = UInt32(3 + index)
            reads.append(A64.mrs(x: register, .pmevcntrEL0(UInt32(index))))
            stores.append(A64.str(x: register, base: 20, offset: 8 * (Slot.counter0.rawValue + UInt32(index))))
        }
        reads += [A64.mrs(x: 10, .pmccntrEL0), A64.mrs(x: 12, .pmcrEL0)]
        stores += [A64.str(x: 10, base: 20, offset: 8 * Slot.cycleCounter.rawValue),
                   A64.str(x: 12, base: 20, offset: 8 * Slot.control.rawValue),
                   A64.str(x: 22, base: 20, offset: 8 * Slot.vcpu.rawValue),
                   A64.str(x: 13, base: 20, offset: 8 * Slot.enabledCounters.rawValue),
                   A64.str(x: 21, base: 20, offset: 8 * Slot.interruptsTaken.rawValue)]
        // Stop counting before the reports: KVM then disables the host events behind the
        // guest's counters, so another VCPU on the same host thread gets the PMU's counters.
        let stop: [UInt32] = [A64.movn(x: 0, 0), A64.msr(.pmcntenclrEL0, x: 0), A64.isb]
        // Ask for every event counter; KVM keeps the bits below PMCR_EL0.N (their event
        // types are 0, SW_INCR, for which KVM makes no host event). Then off again.
        let probe: [UInt32] = A64.load32(x: 0, 0x7FFF_FFFF)
            + [A64.msr(.pmcntensetEL0, x: 0), A64.isb, A64.mrs(x: 13, .pmcntensetEL0)] + stop
        main += reads + stop + probe + stores + ARM64Programs.systemOff

        let sync: [UInt32] = [A64.mrs(x: 9, .esrEL1), A64.str(x: 9, base: 20, offset: 8 * Slot.syncException.rawValue)]
            + ARM64Programs.systemOff
        var irq: [UInt32] = [A64.mrs(x: 9, .iccIAR1EL1), A64.str(x: 9, base: 20, offset: 8 * Slot.interrupt.rawValue)]
        irq += [A64.movz(x: 10, 1), A64.msr(.pmovsclrEL0, x: 10), A64.msr(.iccEOIR1EL1, x: 9), A64.add(x: 21, 21, 1), A64.isb, A64.eret]

        // Lay out: main at 0, the vectors at 0x800 (sync 0x200, IRQ 0x280 within).
        var words = main
        let vectorWord = Int(Self.vectorOffset / 4)
        precondition(words.count <= vectorWord, "the main program overlaps the vector table")
        // Unused vectors branch to themselves (`b .`): a stuck guest ends at its deadline.
        words += [UInt32](repeating: A64.b(offset: 0), count: vectorWord - words.count + 0x800 / 4)
        for (offset, code) in [(0x200, sync), (0x280, irq)] {
            for (index, word) in code.enumerated() { words[vectorWord + offset / 4 + index] = word }
        }
        let exits = events.count + 5  // counters, then cycle, control, vcpu, enabled counters, interrupts taken
        return GuestProgram(name: "arm64 event counters \(events.map { "0x" + String($0, radix: 16) }) + overflow IRQ",
                            code: A64.bytes(words), loadAddress: base, userspaceExits: exits)
    }
}
