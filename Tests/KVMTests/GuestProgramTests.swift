import KVMGuestPrograms
import Testing

/// Guest program bytes: x86 real-mode layouts and A64 encodings against the GNU assembler.
@Suite(.timeLimit(.minutes(5)))
struct GuestProgramTests {
    /// The target of a short jump (rel8) at `index` in code loaded at `base`.
    func shortJumpTarget(_ code: [UInt8], at index: Int, base: Int = 0x1000) -> Int {
        base + index + 2 + Int(Int8(bitPattern: code[index + 1]))
    }

    @Test func x86PortWrites() {
        let program = X86Programs.portWrites(count: 0x0102)
        #expect(program.code == [0xBA, 0x10, 0x00, 0xB9, 0x02, 0x01, 0xE3, 0x05, 0x88, 0xC8, 0xEE, 0xE2, 0xFB, 0xF4])
        #expect(shortJumpTarget(program.code, at: 6) == 0x100D)   // jcxz → hlt
        #expect(shortJumpTarget(program.code, at: 11) == 0x1008)  // loop → mov al, cl
        #expect(program.code[0x100D - 0x1000] == 0xF4)
        #expect(program.userspaceExits == 0x102 && program.loadAddress == 0x1000)
    }

    @Test func x86MMIOWrites() {
        let code = X86Programs.mmioWrites(count: 7).code
        #expect(Array(code[0..<5]) == [0xB8, 0x00, 0x20, 0x8E, 0xD8])  // DS = 0x2000: base 0x20000
        #expect(UInt64(0x2000) << 4 == X86Programs.mmioAddress)
        #expect(shortJumpTarget(code, at: 8) == 0x1000 + code.count - 1)  // jcxz → hlt
        #expect(shortJumpTarget(code, at: 15) == 0x100A)
        #expect(code.last == 0xF4)
        #expect(X86Programs.mmioAddress >= UInt64(X86Programs.memorySize))  // unbacked
    }

    @Test func x86InKernelLoopsJumpToTheirReport() {
        let report: [UInt8] = [0xBA, 0x10, 0x00]
        for (program, loopStart, jzAt, jnzAt) in [
            (X86Programs.cpuidLoop(count: 9), 0x1007, 5, 13),
            (X86Programs.rdmsrLoop(count: 9), 0x1007, 5, 16),
        ] {
            let code = program.code
            let reportAt = code.count - 7
            #expect(Array(code[reportAt..<reportAt + 3]) == report, "\(program.name)")
            #expect(shortJumpTarget(code, at: jzAt) == 0x1000 + reportAt, "\(program.name)")
            #expect(shortJumpTarget(code, at: jnzAt) == loopStart, "\(program.name)")
            #expect(program.kernelExits == 9 && program.userspaceExits == 1)
        }
        for instruction in [X86Programs.HypercallInstruction.vmcall, .vmmcall] {
            let code = X86Programs.hypercallLoop(count: 9, instruction: instruction).code
            #expect(code[0x16...0x18] == ArraySlice(instruction.bytes))
            #expect(shortJumpTarget(code, at: 0x11) == 0x101C)  // jz → report 'H'
            #expect(shortJumpTarget(code, at: 0x1A) == 0x1013)  // jnz → xor eax, eax
            #expect(Array(code[0x1C...0x22]) == [0xBA, 0x10, 0x00, 0xB0, 0x48, 0xEE, 0xF4])
            // IVT[6] (guest-physical 0x18) points at the #UD handler, which reports 'U'.
            #expect(Array(code[0...5]) == [0xC7, 0x06, 0x18, 0x00, 0x23, 0x10])
            #expect(Array(code[0x23...0x29]) == [0xBA, 0x10, 0x00, 0xB0, 0x55, 0xEE, 0xF4])
            #expect(code.count == 0x2A)
        }
        #expect(X86Programs.cpuidLoop(count: 1).code[10...11] == [0x0F, 0xA2])
        #expect(X86Programs.rdmsrLoop(count: 1, msr: 0xC000_0080).code[9...14] == [0x80, 0x00, 0x00, 0xC0, 0x0F, 0x32])
        #expect(X86Programs.HypercallInstruction.native(vendor: "AuthenticAMD") == .vmmcall)
        #expect(X86Programs.HypercallInstruction.native(vendor: "GenuineIntel") == .vmcall)
    }

    /// Single instructions against `aarch64-linux-gnu-as` output.
    @Test func a64Encodings() {
        #expect(A64.movz(x: 0, 0x1234) == 0xD282_4680)
        #expect(A64.movk(x: 0, 0x1000, shift: 1) == 0xF2A2_0000)
        #expect(A64.movz(w: 0, 8) == 0x5280_0100)
        #expect(A64.movk(w: 0, 0x8400, shift: 1) == 0x72B0_8000)
        #expect(A64.movn(x: 0, 0) == 0x9280_0000)
        #expect(A64.cbz(x: 1, offset: 12) == 0xB400_0061)
        #expect(A64.str(x: 1, base: 0) == 0xF900_0001)
        #expect(A64.subs(x: 1, 1, 1) == 0xF100_0421)
        #expect(A64.bne(offset: -8) == 0x54FF_FFC1)
        #expect(A64.hvc(0) == 0xD400_0002)
        #expect(A64.wfi == 0xD503_207F)
        #expect(A64.isb == 0xD503_3FDF)
        #expect(A64.msr(.pmintenclrEL1, x: 0) == 0xD518_9E40)
        #expect(A64.msr(.pmovsclrEL0, x: 0) == 0xD51B_9C60)
        #expect(A64.mrs(x: 0, .pmcrEL0) == 0xD53B_9C00)
        #expect(A64.msr(.pmcrEL0, x: 0) == 0xD51B_9C00)
        #expect(A64.orrBit(x: 0, 0, bit: 0) == 0xB240_0000)
        #expect(A64.orrBit(x: 0, 0, bit: 2) == 0xB27E_0000)
        #expect(A64.msr(.pmcntensetEL0, x: 0) == 0xD51B_9C20)
        #expect(A64.mrs(x: 3, .pmccntrEL0) == 0xD53B_9D03)
        #expect(A64.b(offset: 0) == 0x1400_0000)
        #expect(A64.bytes([0xD503_207F]) == [0x7F, 0x20, 0x03, 0xD5])
    }

    func words(_ program: GuestProgram) -> [UInt32] {
        stride(from: 0, to: program.code.count, by: 4).map { index in
            program.code[index..<index + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
        }
    }

    /// Whole programs against the same source assembled by `aarch64-linux-gnu-as`.
    @Test func arm64ProgramsMatchTheAssembler() {
        #expect(words(ARM64Programs.mmioWrites(count: 3)) == [
            0xd2800000, 0xf2a20000, 0xd2800061, 0xf2a00001, 0xb4000081, 0xf9000001, 0xf1000421, 0x54ffffc1,
            0x52800100, 0x72b08000, 0xd4000002, 0x14000000])
        #expect(words(ARM64Programs.hvcLoop(count: 5)) == [
            0xd28000b3, 0xf2a00013, 0xd2800001, 0xf2a20001, 0xb40000d3, 0x52801fe0, 0x72b08000, 0xd4000002,
            0xf1000673, 0x54ffff81, 0xf9000033, 0x52800100, 0x72b08000, 0xd4000002, 0x14000000])
        #expect(words(ARM64Programs.cycleCounterReports(count: 4)) == [
            0x92800000, 0xd5189e40, 0xd51b9c60, 0xd53b9c00, 0xb2400000, 0xb27e0000, 0xd51b9c00, 0xd2b00000,
            0xd51b9c20, 0xd5033fdf, 0xd2800001, 0xf2a20001, 0xd2800082, 0xf2a00002, 0xb40000a2, 0xd53b9d03,
            0xf9000023, 0xf1000442, 0x54ffffa1, 0x52800100, 0x72b08000, 0xd4000002, 0x14000000])
        #expect(words(ARM64Programs.waitForInterrupt()).first == 0xD503_207F)
        #expect(ARM64Programs.mmioWrites(count: 3).userspaceExits == 3)
        #expect(ARM64Programs.hvcLoop(count: 5).kernelExits == 5)
        // Programs sit in RAM; the MMIO address does not.
        #expect(UInt64(ARM64Programs.mmioAddress) < ARM64Programs.memoryBase)
    }

    /// The instructions the event-counter program adds, against `aarch64-linux-gnu-as` 2.40.
    @Test func eventCounterInstructionsMatchTheAssembler() {
        #expect(A64.str(x: 3, base: 20, offset: 64) == 0xf900_2283)
        #expect(A64.str(w: 1, base: 0) == 0xb900_0001)
        #expect(A64.str(w: 1, base: 0, offset: 8) == 0xb900_0801)
        #expect(A64.add(x: 21, 21, 1) == 0x9100_06b5)
        #expect(A64.add(x: 0, 0, x: 1) == 0x8b01_0000)
        #expect(A64.andLowByte(x: 22, 22) == 0x9240_1ed6)
        #expect(A64.lsl(x: 1, 22, 17) == 0xd36f_bac1)
        #expect(A64.unmaskIRQ == 0xd503_42ff)
        #expect(A64.eret == 0xd69f_03e0)
        #expect(A64.mrs(x: 0, .pmevcntrEL0(2)) == 0xd53b_e840)
        #expect(A64.msr(.pmevtyperEL0(1), x: 0) == 0xd51b_ec20)
        #expect(A64.msr(.pmevtyperEL0(9), x: 0) == 0xd51b_ed20)
        #expect(A64.msr(.pmintensetEL1, x: 0) == 0xd518_9e20)
        #expect(A64.msr(.pmcntenclrEL0, x: 0) == 0xd51b_9c40)
        #expect(A64.mrs(x: 22, .mpidrEL1) == 0xd538_00b6)
        #expect(A64.msr(.vbarEL1, x: 0) == 0xd518_c000)
        #expect(A64.mrs(x: 9, .esrEL1) == 0xd538_5209)
        #expect(A64.msr(.iccPMREL1, x: 0) == 0xd518_4600)
        #expect(A64.mrs(x: 9, .iccIAR1EL1) == 0xd538_cc09)
        #expect(A64.msr(.iccEOIR1EL1, x: 9) == 0xd518_cc29)
        #expect(A64.msr(.iccIGRPEN1EL1, x: 0) == 0xd518_cce0)
    }

    /// The migration scenario's guest against the same source assembled by `aarch64-linux-gnu-as`.
    @Test func workReportsMatchTheAssembler() {
        #expect(words(ARM64Programs.workReports(rounds: 2, work: 3)) == [
            0x92800000, 0xd5189e40, 0xd51b9c60, 0xd53b9c00, 0xb2400000, 0xb27f0000, 0xb27e0000, 0xd51b9c00,
            0xd2800100, 0xd51bec00, 0xd2800020, 0xf2b00000, 0xd51b9c20, 0xd5033fdf, 0xd2800001, 0xf2a20001,
            0xd2800044, 0xf2a00004, 0xd2800062, 0xf2a00002, 0xf1000442, 0x54ffffe1, 0xd53b9d03, 0xd53be805,
            0xf9000023, 0xf9000425, 0xf1000484, 0x54fffee1, 0x52800100, 0x72b08000, 0xd4000002, 0x14000000])
        #expect(ARM64Programs.workReports(rounds: 2, work: 3).userspaceExits == 4)
    }

    @Test func eventCounterProgramLayout() {
        let layout = ARM64EventCounterProgram(iterations: 100_000)
        let code = words(layout.program)
        let vectors = Int(ARM64EventCounterProgram.vectorOffset / 4)
        #expect(code.count == vectors + 0x200)
        // IRQ vector: acknowledge, report the INTID to slot 0; sync vector: ESR_EL1 to slot 5.
        #expect(code[vectors + 0x280 / 4] == A64.mrs(x: 9, .iccIAR1EL1))
        #expect(code[vectors + 0x280 / 4 + 1] == A64.str(x: 9, base: 20, offset: 0))
        #expect(code[vectors + 0x200 / 4] == A64.mrs(x: 9, .esrEL1))
        #expect(code.contains(A64.eret))
        // Counters 0, 1 get INST_RETIRED and CPU_CYCLES; counter 0 overflows after 1000 from 2^32 - 1000.
        #expect(code.contains(A64.msr(.pmevtyperEL0(1), x: 0)))
        #expect(!code.contains(A64.msr(.pmevtyperEL0(2), x: 0)))
        #expect(code.contains(A64.movz(x: 0, 0xFC18)))  // low half of 0xFFFFFC18
        #expect(layout.preload == 0xFFFF_FC18)
        // Counter 0's count from its value, whether it is 32 bits wide (wrapped) or 64 (past 2^32).
        #expect(layout.count(counter: 0, value: 0x1_0000_0000 + 199_000) == 200_000)
        #expect(layout.count(counter: 0, value: 199_000) == 200_000)
        #expect(layout.count(counter: 0, value: UInt64(layout.preload)) == 0)
        #expect(layout.count(counter: 1, value: 5) == 5)
        #expect(layout.program.userspaceExits == 7)
        // Every event counter asked for after the run, and what KVM kept read back.
        #expect(code.contains(A64.mrs(x: 13, .pmcntensetEL0)))
        // Report addresses decode back to their slots.
        for slot in ARM64EventCounterProgram.Slot.allCases {
            let address = ARM64EventCounterProgram.address(of: slot)
            #expect(ARM64EventCounterProgram.slot(at: address)?.0 == slot)
        }
        #expect(ARM64EventCounterProgram.slot(at: ARM64EventCounterProgram.address(of: .counter0, counter: 1))! == (.counter0, 1))
        #expect(ARM64EventCounterProgram.slot(at: UInt64(ARM64Programs.mmioAddress) + 3) == nil)
    }
}

/// The exit-timing guest: encodings checked against GNU as (aarch64-linux-gnu-as 2.40),
/// the loop structure and the report addresses.
@Suite struct ExitTimingProgramTests {
    @Test func encodingsMatchTheAssembler() {
        #expect(A64.ldr(x: 1, base: 23) == 0xF940_02E1)             // ldr x1, [x23]
        #expect(A64.ldr(w: 1, base: 24, offset: 8) == 0xB940_0B01)  // ldr w1, [x24, #8]
        #expect(A64.sub(x: 26, 26, x: 25) == 0xCB19_035A)           // sub x26, x26, x25
        #expect(A64.mrs(x: 25, .cntvctEL0) == 0xD53B_E059)          // mrs x25, cntvct_el0
        #expect(A64.msr(.iccEOIR1EL1, x: 27) == 0xD518_CC3B)        // msr icc_eoir1_el1, x27
    }

    @Test func eachKindIsTimedInBatchesAndReported() {
        let layout = ARM64ExitTimingProgram(operations: 10, batches: 3)
        let program = layout.program
        let code = stride(from: 0, to: program.code.count, by: 4).map { index in
            program.code[index..<index + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        }
        // Four kinds: each reads the counter twice and stores its batch's ticks to its own slot.
        #expect(code.filter { $0 == A64.mrs(x: 25, .cntvctEL0) }.count == 4)
        #expect(code.filter { $0 == A64.mrs(x: 26, .cntvctEL0) }.count == 4)
        for kind in ARM64ExitTimingProgram.Kind.allCases {
            #expect(code.contains(A64.str(x: 26, base: 20, offset: 8 * kind.rawValue)))
            #expect(ARM64ExitTimingProgram.kind(reportedAt: ARM64ExitTimingProgram.reportAddress(kind)) == kind)
        }
        #expect(ARM64ExitTimingProgram.kind(reportedAt: ARM64ExitTimingProgram.userReadAddress) == nil)
        // The inner loop of the user-space read: ldr, subs, b.ne back to the ldr.
        let load = code.firstIndex(of: A64.ldr(x: 1, base: 23))!
        #expect(code[load + 1] == A64.subs(x: 19, 19, 1) && code[load + 2] == A64.bne(offset: -8))
        #expect(code.contains(A64.mrs(x: 26, .cntfrqEL0)) && ARM64ExitTimingProgram.frequencyReportAddress == 0x1000_0038)
        #expect(ARM64ExitTimingProgram.kind(reportedAt: ARM64ExitTimingProgram.frequencyReportAddress) == nil)
        #expect(program.userspaceExits == 1 + 4 * 3 + 3 * 10 && program.kernelExits == 2 * 3 * 10)
        #expect(code.suffix(3).contains(A64.hvc()))  // SYSTEM_OFF last
    }
}
