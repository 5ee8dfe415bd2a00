/// Real-mode x86 guest programs that exit in known ways a known number of times.
///
/// Each runs from ``loadAddress`` (0000:1000) with CS = DS = ES = SS = 0 (see
/// ``VCPU/startX86RealMode(entry:stack:)``) in a VM whose memory covers
/// ``memorySize`` bytes from guest-physical 0. Counts are 16-bit: `count` 0 runs
/// the loop zero times (every loop is guarded by JCXZ/JZ).
public enum X86Programs {
    /// Where programs are loaded and start (CS:IP = 0000:1000).
    public static let loadAddress: UInt64 = 0x1000
    /// The guest memory the programs expect, from guest-physical 0: 64 KiB.
    public static let memorySize = 0x10000
    /// The port every program reports on.
    public static let reportPort: UInt16 = 0x10
    /// The unbacked guest-physical address ``mmioWrites(count:)`` stores to (DS = 0x2000, offset 0).
    public static let mmioAddress: UInt64 = 0x20000

    /// OUT to ``reportPort`` `count` times (AL = remaining count), then HLT.
    ///
    /// Exits: `count` × `KVM_EXIT_IO` (out, size 1, port 0x10), then `KVM_EXIT_HLT`.
    ///
    ///     1000: BA 10 00     mov dx, 0x10
    ///     1003: B9 nn nn     mov cx, count
    ///     1006: E3 05        jcxz 100D
    ///     1008: 88 C8        mov al, cl
    ///     100A: EE           out dx, al
    ///     100B: E2 FB        loop 1008
    ///     100D: F4           hlt
    public static func portWrites(count: UInt16, port: UInt16 = reportPort) -> GuestProgram {
        let code: [UInt8] = [
            0xBA, lo(port), hi(port),
            0xB9, lo(count), hi(count),
            0xE3, 0x05,
            0x88, 0xC8,
            0xEE,
            0xE2, 0xFB,
            0xF4,
        ]
        return GuestProgram(name: "x86 OUT ×\(count)", code: code, loadAddress: loadAddress, userspaceExits: Int(count))
    }

    /// Stores AL to the unbacked ``mmioAddress`` `count` times, then HLT.
    ///
    /// Exits: `count` × `KVM_EXIT_MMIO` (write, len 1, address 0x20000), then `KVM_EXIT_HLT`.
    ///
    ///     1000: B8 00 20     mov ax, 0x2000
    ///     1003: 8E D8        mov ds, ax          ; DS base 0x20000
    ///     1005: B9 nn nn     mov cx, count
    ///     1008: E3 07        jcxz 1011
    ///     100A: 88 C8        mov al, cl
    ///     100C: A2 00 00     mov [0000], al      ; guest-physical 0x20000
    ///     100F: E2 F9        loop 100A
    ///     1011: F4           hlt
    public static func mmioWrites(count: UInt16) -> GuestProgram {
        let segment = UInt16(truncatingIfNeeded: mmioAddress >> 4)
        let code: [UInt8] = [
            0xB8, lo(segment), hi(segment),
            0x8E, 0xD8,
            0xB9, lo(count), hi(count),
            0xE3, 0x07,
            0x88, 0xC8,
            0xA2, 0x00, 0x00,
            0xE2, 0xF9,
            0xF4,
        ]
        return GuestProgram(name: "x86 MMIO write ×\(count)", code: code, loadAddress: loadAddress, userspaceExits: Int(count))
    }

    /// Executes CPUID (leaf 0) `count` times (handled in the kernel), then one OUT
    /// of `0x43` ('C') to ``reportPort`` and HLT.
    ///
    /// Exits to user space: 1 × `KVM_EXIT_IO`, then `KVM_EXIT_HLT`; in the kernel:
    /// `count` CPUID exits (tracepoint `kvm:kvm_cpuid` fires once each).
    ///
    ///     1000: BE nn nn     mov si, count       ; CPUID clobbers eax/ebx/ecx/edx
    ///     1003: 85 F6        test si, si
    ///     1005: 74 08        jz 100F
    ///     1007: 66 31 C0     xor eax, eax
    ///     100A: 0F A2        cpuid
    ///     100C: 4E           dec si
    ///     100D: 75 F8        jnz 1007
    ///     100F: BA 10 00     mov dx, 0x10
    ///     1012: B0 43        mov al, 0x43
    ///     1014: EE           out dx, al
    ///     1015: F4           hlt
    public static func cpuidLoop(count: UInt16) -> GuestProgram {
        let code: [UInt8] = [
            0xBE, lo(count), hi(count),
            0x85, 0xF6,
            0x74, 0x08,
            0x66, 0x31, 0xC0,
            0x0F, 0xA2,
            0x4E,
            0x75, 0xF8,
        ] + report(0x43)
        return GuestProgram(name: "x86 CPUID ×\(count)", code: code, loadAddress: loadAddress, userspaceExits: 1, kernelExits: Int(count))
    }

    /// Executes RDMSR of `msr` (default 0x10, IA32_TIME_STAMP_COUNTER) `count` times
    /// (handled in the kernel), then one OUT of `0x4D` ('M') and HLT.
    ///
    /// Exits to user space: 1 × `KVM_EXIT_IO`, then `KVM_EXIT_HLT`; in the kernel:
    /// `count` RDMSR exits (tracepoint `kvm:kvm_msr` fires once each).
    ///
    ///     1000: BE nn nn           mov si, count
    ///     1003: 85 F6              test si, si
    ///     1005: 74 0B              jz 1012
    ///     1007: 66 B9 mm mm mm mm  mov ecx, msr      ; RDMSR clobbers eax/edx
    ///     100D: 0F 32              rdmsr
    ///     100F: 4E                 dec si
    ///     1010: 75 F5              jnz 1007
    ///     1012: BA 10 00 B0 4D EE F4   report 'M', hlt
    public static func rdmsrLoop(count: UInt16, msr: UInt32 = 0x10) -> GuestProgram {
        let code: [UInt8] = [
            0xBE, lo(count), hi(count),
            0x85, 0xF6,
            0x74, 0x0B,
            0x66, 0xB9, UInt8(truncatingIfNeeded: msr), UInt8(truncatingIfNeeded: msr >> 8),
            UInt8(truncatingIfNeeded: msr >> 16), UInt8(truncatingIfNeeded: msr >> 24),
            0x0F, 0x32,
            0x4E,
            0x75, 0xF5,
        ] + report(0x4D)
        return GuestProgram(name: "x86 RDMSR ×\(count)", code: code, loadAddress: loadAddress, userspaceExits: 1, kernelExits: Int(count))
    }

    /// Makes hypercall 0 (no such KVM hypercall) `count` times, then one OUT of
    /// `0x48` ('H') and HLT. KVM answers an unknown hypercall with -KVM_ENOSYS
    /// (-1000) in RAX and continues: the loop never leaves the kernel — on hardware
    /// virtualisation. Where KVM *emulates* real mode (`kvm_pvm`) the instruction does
    /// not reach `kvm_emulate_hypercall`: it raises #UD, and the program's #UD handler
    /// (real-mode IVT vector 6) reports `0x55` ('U') and halts; or the guest never
    /// exits (seen with VMCALL on PVM), which only a ``RunDeadline`` ends.
    ///
    ///     1000: C7 06 18 00 23 10   mov word [0x18], 0x1023   ; IVT[6].offset = #UD handler
    ///     1006: C7 06 1A 00 00 00   mov word [0x1A], 0        ; IVT[6].segment = 0
    ///     100C: BE nn nn            mov si, count
    ///     100F: 85 F6               test si, si
    ///     1011: 74 09               jz 101C
    ///     1013: 66 31 C0            xor eax, eax              ; hypercall number 0
    ///     1016: 0F 01 C1            vmcall                    ; or 0F 01 D9 vmmcall
    ///     1019: 4E                  dec si
    ///     101A: 75 F7               jnz 1013
    ///     101C: BA 10 00 B0 48 EE F4   report 'H', hlt
    ///     1023: BA 10 00 B0 55 EE F4   #UD handler: report 'U', hlt
    public static func hypercallLoop(count: UInt16, instruction: HypercallInstruction) -> GuestProgram {
        let handler = UInt16(truncatingIfNeeded: loadAddress) + 0x23
        let code: [UInt8] = [
            0xC7, 0x06, 0x18, 0x00, lo(handler), hi(handler),
            0xC7, 0x06, 0x1A, 0x00, 0x00, 0x00,
            0xBE, lo(count), hi(count),
            0x85, 0xF6,
            0x74, 0x09,
            0x66, 0x31, 0xC0,
        ] + instruction.bytes + [
            0x4E,
            0x75, 0xF7,
        ] + report(hypercallDoneMarker) + report(undefinedInstructionMarker)
        return GuestProgram(name: "x86 hypercall ×\(count)", code: code, loadAddress: loadAddress, userspaceExits: 1, kernelExits: Int(count))
    }

    /// `jmp $`: a guest that never exits on its own. Only a deadline
    /// (``RunDeadline``) brings `KVM_RUN` back.
    ///
    ///     1000: EB FE        jmp 1000
    public static func spin() -> GuestProgram {
        GuestProgram(name: "x86 jmp $", code: [0xEB, 0xFE], loadAddress: loadAddress, userspaceExits: 0)
    }

    /// What ``hypercallLoop(count:instruction:)`` reports after its loop ('H').
    public static let hypercallDoneMarker: UInt8 = 0x48
    /// What ``hypercallLoop(count:instruction:)`` reports from its #UD handler ('U').
    public static let undefinedInstructionMarker: UInt8 = 0x55

    /// `mov dx, 0x10; mov al, marker; out dx, al; hlt`.
    static func report(_ marker: UInt8) -> [UInt8] {
        [0xBA, lo(reportPort), hi(reportPort), 0xB0, marker, 0xEE, 0xF4]
    }

    private static func lo(_ value: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: value) }
    private static func hi(_ value: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: value >> 8) }
}
