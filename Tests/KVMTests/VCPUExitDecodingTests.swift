import CKVMHeaderValues
import Testing
@testable import KVM

/// `kvm_run` decoding on hand-built byte images.
@Suite(.timeLimit(.minutes(5)))
struct VCPUExitDecodingTests {
    /// A zeroed `kvm_run` image of the kernel's size with `exit_reason` set.
    func image(reason: UInt32, size: Int = 2352, _ fill: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        ByteImage.store(reason, at: 8, in: &bytes)
        fill(&bytes)
        return bytes
    }

    func decode(_ bytes: [UInt8]) throws -> VCPUExit {
        try bytes.withUnsafeBytes { try VCPUExit.decode($0) }
    }

    @Test func layoutMatchesTheCHeader() {
        #expect(Int(ckhv_KVM_RUN_EXIT_REASON_OFFSET) == KVMRunLayout.exitReason)
        #expect(Int(ckhv_KVM_RUN_IO_PORT_OFFSET) == KVMRunLayout.ioPort)
        #expect(Int(ckhv_KVM_RUN_IO_DATA_OFFSET_OFFSET) == KVMRunLayout.ioDataOffset)
        #expect(Int(ckhv_KVM_RUN_MMIO_LEN_OFFSET) == KVMRunLayout.mmioLength)
        #expect(Int(ckhv_KVM_RUN_MMIO_IS_WRITE_OFFSET) == KVMRunLayout.mmioIsWrite)
        #expect(Int(ckhv_KVM_RUN_FAIL_ENTRY_CPU_OFFSET) == KVMRunLayout.failEntryCPU)
        #expect(Int(ckhv_KVM_RUN_INTERNAL_DATA_OFFSET) == KVMRunLayout.internalData)
        #expect(Int(ckhv_KVM_RUN_SYSTEM_EVENT_DATA_OFFSET) == KVMRunLayout.systemEventData)
        #expect(Int(ckhv_KVM_RUN_SIZE) >= KVMRunLayout.minimumSize)
    }

    @Test func portOutput() throws {
        let bytes = image(reason: 2) {
            $0[32] = 1; $0[33] = 2
            ByteImage.store(UInt16(0x3F8), at: 34, in: &$0)
            ByteImage.store(UInt32(3), at: 36, in: &$0)
            ByteImage.store(UInt64(4096), at: 40, in: &$0)
        }
        // data_offset 4096 lies outside a 2352-byte image: malformed, not a crash.
        #expect(throws: KVMError.self) { try decode(bytes) }

        var inside = bytes
        ByteImage.store(UInt64(1000), at: 40, in: &inside)
        for index in 0..<6 { inside[1000 + index] = UInt8(0xA0 + index) }
        let exit = try decode(inside)
        #expect(exit == .io(PortIO(direction: .output, size: 2, port: 0x3F8, count: 3,
                                   data: [0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5], dataOffset: 1000)))
        #expect(exit.kind == "io")
    }

    @Test func portInputCarriesNoData() throws {
        let bytes = image(reason: 2) {
            $0[32] = 0; $0[33] = 1
            ByteImage.store(UInt16(0x60), at: 34, in: &$0)
            ByteImage.store(UInt32(1), at: 36, in: &$0)
            ByteImage.store(UInt64(4096), at: 40, in: &$0)
        }
        #expect(try decode(bytes) == .io(PortIO(direction: .input, size: 1, port: 0x60, count: 1, data: [], dataOffset: 4096)))
        var bad = bytes
        bad[32] = 7
        #expect(throws: KVMError.self) { try decode(bad) }
    }

    @Test func mmioWriteAndRead() throws {
        let write = image(reason: 6) {
            ByteImage.store(UInt64(0x1000_0000), at: 32, in: &$0)
            ByteImage.store(UInt64(0x0807_0605_0403_0201), at: 40, in: &$0)
            ByteImage.store(UInt32(4), at: 48, in: &$0)
            $0[52] = 1
        }
        let exit = try decode(write)
        #expect(exit == .mmio(MMIOAccess(address: 0x1000_0000, data: [1, 2, 3, 4], length: 4, isWrite: true)))
        if case .mmio(let access) = exit { #expect(access.value == 0x0403_0201) }

        var read = write
        read[52] = 0
        #expect(try decode(read) == .mmio(MMIOAccess(address: 0x1000_0000, data: [], length: 4, isWrite: false)))
        var tooLong = write
        ByteImage.store(UInt32(9), at: 48, in: &tooLong)
        #expect(throws: KVMError.self) { try decode(tooLong) }
    }

    @Test func simpleExits() throws {
        #expect(try decode(image(reason: 5)) == .halt)
        #expect(try decode(image(reason: 8)) == .shutdown)
        #expect(try decode(image(reason: 10)) == .interrupted)
        #expect(try decode(image(reason: 99)) == .unknown(99))
        #expect(try decode(image(reason: 0) { ByteImage.store(UInt64(0x7B), at: 32, in: &$0) }) == .unknownHardware(reason: 0x7B))
        #expect(try decode(image(reason: 1) {
            ByteImage.store(UInt32(13), at: 32, in: &$0); ByteImage.store(UInt32(0x10), at: 36, in: &$0)
        }) == .exception(number: 13, errorCode: 0x10))
        #expect(try decode(image(reason: 4) {
            ByteImage.store(UInt32(0x9600_0000), at: 32, in: &$0); ByteImage.store(UInt64(0x4000_1000), at: 40, in: &$0)
        }) == .debug(word: 0x9600_0000, address: 0x4000_1000))
        #expect(try decode(image(reason: 28) {
            ByteImage.store(UInt64(0x45), at: 32, in: &$0); ByteImage.store(UInt64(0x1000_0000), at: 40, in: &$0)
        }) == .armNoSyndrome(syndrome: 0x45, faultAddress: 0x1000_0000))
    }

    @Test func failEntryCPUUnsupported() throws {
        let exit = try decode(image(reason: 9) {
            ByteImage.store(FailEntry.cpuUnsupported, at: 32, in: &$0)
            ByteImage.store(UInt32(2), at: 40, in: &$0)
        })
        #expect(exit == .failEntry(FailEntry(hardwareReason: 1, cpu: 2)))
        guard case .failEntry(let failure) = exit else { return }
        #expect(failure.isCPUUnsupported(arm64: true))
        let text = failure.explanation(pmuName: "armv8_cortex_a72", pmuCPUs: "4-5", arm64: true)
        #expect(text.contains("CPU 2") && text.contains("armv8_cortex_a72") && text.contains("4-5") && text.contains("pin"))
        // On x86 the word is a VMX/SVM code (33: invalid guest state), not KVM flags.
        #expect(!FailEntry(hardwareReason: 0x21, cpu: 0).isCPUUnsupported(arm64: false))
        #expect(FailEntry(hardwareReason: 0x21, cpu: 0).explanation(arm64: false).contains("0x21"))
        #expect(!FailEntry(hardwareReason: 0x20, cpu: 0).isCPUUnsupported(arm64: true))
    }

    @Test func internalErrorAndSystemEventData() throws {
        let internalExit = try decode(image(reason: 17) {
            ByteImage.store(UInt32(1), at: 32, in: &$0)
            ByteImage.store(UInt32(2), at: 36, in: &$0)
            ByteImage.store(UInt64(0xAA), at: 40, in: &$0)
            ByteImage.store(UInt64(0xBB), at: 48, in: &$0)
        })
        #expect(internalExit == .internalError(suberror: 1, data: [0xAA, 0xBB]))
        // ndata beyond 16 is clamped, not trusted.
        let event = try decode(image(reason: 24) {
            ByteImage.store(UInt32(1), at: 32, in: &$0)
            ByteImage.store(UInt32(1000), at: 36, in: &$0)
        })
        guard case .systemEvent(let type, let data) = event else { Issue.record("not a system event"); return }
        #expect(type == 1 && data.count == 16)
    }

    @Test func shortBuffersAreMalformed() {
        #expect(throws: KVMError.self) { try decode([UInt8](repeating: 0, count: 100)) }
        #expect(throws: KVMError.self) { try decode([]) }
    }
}
