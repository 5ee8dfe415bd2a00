import KVM

/// The exits kvm-unit-tests' arm micro-bench measures, reimplemented: each operation is
/// done in batches, and each batch is timed by the guest itself with the virtual counter
/// (CNTVCT_EL0, read between ISBs), so the time includes everything the host does for
/// the exit. After each batch the guest stores the batch's ticks to a report slot (one
/// MMIO write exit, outside the timed part); the VMM can read per-batch tracepoint
/// counts between reports. First it reports CNTFRQ_EL0 (the ticks' frequency); last SYSTEM_OFF.
///
/// The operations (``Kind``): `HVC #0` with an unknown PSCI function (KVM answers in
/// the kernel); an 8-byte read of an address without memory (an exit to user space,
/// which the VMM completes); a 32-bit read of the vGIC distributor's GICD_IIDR (an MMIO
/// exit the kernel's vGIC answers); a write of the spurious INTID 1023 to ICC_EOIR1_EL1
/// (the GIC's virtual CPU interface: no exit unless KVM traps it).
public struct ARM64ExitTimingProgram: Hashable, Sendable {
    /// One operation measured.
    public enum Kind: UInt32, Hashable, Sendable, CaseIterable {
        case hvc = 0
        case mmioUser = 1
        case mmioVGIC = 2
        case eoi = 3

        /// A name for reports.
        public var token: String {
            switch self {
            case .hvc: return "hvc"
            case .mmioUser: return "mmio_user"
            case .mmioVGIC: return "mmio_vgic"
            case .eoi: return "eoi"
            }
        }
    }

    /// The user-space read address: past the report slots.
    public static let userReadOffset: UInt32 = 0x800
    /// GICD_IIDR, read-only.
    public static let distributorRegister: UInt32 = 0x8

    /// Operations per batch (loaded with one MOVZ).
    public var operations: UInt16
    /// Batches per kind.
    public var batches: UInt16
    public var kinds: [Kind]
    public var vgic: VGICv3

    public init(operations: UInt16 = 64, batches: UInt16 = 5, kinds: [Kind] = Kind.allCases, vgic: VGICv3 = VGICv3()) {
        self.operations = max(operations, 1)
        self.batches = max(batches, 1)
        self.kinds = kinds
        self.vgic = vgic
    }

    /// The report address of `kind`'s batches.
    public static func reportAddress(_ kind: Kind) -> UInt64 {
        UInt64(ARM64Programs.mmioAddress) + 8 * UInt64(kind.rawValue)
    }

    /// The kind whose batch `address` reports, nil for any other address.
    public static func kind(reportedAt address: UInt64) -> Kind? {
        let base = UInt64(ARM64Programs.mmioAddress)
        guard address >= base, (address - base) % 8 == 0, (address - base) / 8 < UInt64(Kind.allCases.count) else { return nil }
        return Kind(rawValue: UInt32((address - base) / 8))
    }

    /// Where the guest reports CNTFRQ_EL0, before the first batch.
    public static let frequencyReportAddress = UInt64(ARM64Programs.mmioAddress) + 8 * 7

    /// The user-space read's address.
    public static var userReadAddress: UInt64 { UInt64(ARM64Programs.mmioAddress + userReadOffset) }

    /// The program, loaded at ``ARM64Programs/memoryBase``.
    public var program: GuestProgram {
        // x20 report base, x23 user read address, x24 the distributor, x27 INTID 1023,
        // x21 batches left, x19 operations left, x25/x26 the counter before/after.
        var main: [UInt32] = A64.load32(x: 20, ARM64Programs.mmioAddress)
        main += A64.load32(x: 23, ARM64Programs.mmioAddress + Self.userReadOffset)
        main += A64.load32(x: 24, UInt32(truncatingIfNeeded: vgic.distributorAddress))
        main += [A64.movz(x: 27, 1023), A64.mrs(x: 26, .cntfrqEL0), A64.str(x: 26, base: 20, offset: 8 * 7)]
        for kind in kinds {
            let operation: [UInt32]
            switch kind {
            case .hvc: operation = [A64.movz(w: 0, 0x00FF), A64.movk(w: 0, 0x8400, shift: 1), A64.hvc()]
            case .mmioUser: operation = [A64.ldr(x: 1, base: 23)]
            case .mmioVGIC: operation = [A64.ldr(w: 1, base: 24, offset: Self.distributorRegister)]
            case .eoi: operation = [A64.msr(.iccEOIR1EL1, x: 27)]
            }
            main += [A64.movz(x: 21, batches)]
            let batchStart = main.count
            main += [A64.movz(x: 19, operations), A64.isb, A64.mrs(x: 25, .cntvctEL0), A64.isb]
            let loopStart = main.count
            main += operation + [A64.subs(x: 19, 19, 1)]
            main += [A64.bne(offset: -Int32(4 * (main.count - loopStart)))]
            main += [A64.isb, A64.mrs(x: 26, .cntvctEL0), A64.sub(x: 26, 26, x: 25),
                     A64.str(x: 26, base: 20, offset: 8 * kind.rawValue), A64.subs(x: 21, 21, 1)]
            main += [A64.bne(offset: -Int32(4 * (main.count - batchStart)))]
        }
        main += ARM64Programs.systemOff
        // Exits: a report per batch and each user-space read; HVCs and distributor reads in the kernel.
        let batchCount = Int(batches) * kinds.count + 1  // and the frequency
        let userReads = kinds.filter { $0 == .mmioUser }.count * Int(batches) * Int(operations)
        let kernelOperations = kinds.filter { $0 == .hvc || $0 == .mmioVGIC }.count * Int(batches) * Int(operations)
        return GuestProgram(name: "arm64 exit timing (" + kinds.map { $0.token }.joined(separator: ", ")
                                + ") × \(batches) batches of \(operations)",
                            code: A64.bytes(main), loadAddress: ARM64Programs.memoryBase,
                            userspaceExits: batchCount + userReads, kernelExits: kernelOperations)
    }
}
