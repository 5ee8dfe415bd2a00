import Testing
@testable import PerfEvents

func decode(_ bytes: [UInt8], _ format: SampleFormat) throws(RecordDecodingError) -> Record {
    let result: Result<Record, RecordDecodingError> = bytes.withUnsafeBytes { buffer in
        do throws(RecordDecodingError) { return .success(try RecordDecoder(format: format).decode(buffer)) }
        catch { return .failure(error) }
    }
    return try result.get()
}

/// Two 32-bit values in one word, as the kernel lays pid/tid and cpu/res.
func pair(_ low: UInt32, _ high: UInt32) -> UInt64 { UInt64(low) | UInt64(high) << 32 }

@Suite(.timeLimit(.minutes(5))) struct SamplingDecoderTests {
    @Test func sampleFieldsComeInBitOrder() throws {
        let type: SampleType = [.identifier, .ip, .tid, .time, .addr, .id, .streamID, .cpu, .period]
        let bytes = recordBytes(type: 9, misc: 2, words: [
            77, 0xffff_0001, pair(100, 101), 123_456, 0xdead_beef, 77, 78, pair(3, 0), 1,
        ])
        guard case .sample(let sample) = try decode(bytes, SampleFormat(sampleType: type)) else {
            Issue.record("not a sample"); return
        }
        #expect(sample.misc == 2)
        #expect(sample.identifier == 77 && sample.ip == 0xffff_0001)
        #expect(sample.pid == 100 && sample.tid == 101)
        #expect(sample.time == 123_456 && sample.addr == 0xdead_beef)
        #expect(sample.id == 77 && sample.streamID == 78 && sample.cpu == 3 && sample.period == 1)
        #expect(sample.counts == nil && sample.callchain == nil && sample.raw == nil)
    }

    @Test func groupReadCallchainAndRawFollowTheFixedFields() throws {
        let format = SampleFormat(sampleType: [.ip, .read, .callchain, .raw],
                                  readFormat: [.group, .id, .totalTimeEnabled, .totalTimeRunning])
        // raw: u32 size 12 then 12 bytes; padded to the word.
        var raw: [UInt8] = []
        withUnsafeBytes(of: UInt32(12)) { raw += $0 }
        raw += Array(1...12)
        var bytes = recordBytes(type: 9, words: [0x400000, 2, 1000, 900, 11, 501, 22, 502, 3, 0xa, 0xb, 0xc])
        bytes += raw
        bytes[6] = UInt8(bytes.count & 0xff)
        bytes[7] = UInt8(bytes.count >> 8)
        guard case .sample(let sample) = try decode(bytes, format) else { Issue.record("not a sample"); return }
        #expect(sample.ip == 0x400000)
        #expect(sample.counts?.values == [
            RawCount(value: 11, timeEnabled: 1000, timeRunning: 900, id: 501),
            RawCount(value: 22, timeEnabled: 1000, timeRunning: 900, id: 502),
        ])
        #expect(sample.callchain == [0xa, 0xb, 0xc])
        #expect(sample.raw == Array(1...12))
    }

    @Test func otherRecordsCarryTheSampleIDTrailer() throws {
        let format = SampleFormat(sampleType: [.tid, .time, .id, .cpu, .identifier], sampleIDAll: true)
        let trailer: [UInt64] = [pair(10, 11), 999, 5, pair(1, 0), 5]
        var expected = SampleID()
        expected.pid = 10; expected.tid = 11; expected.time = 999; expected.id = 5; expected.cpu = 1; expected.identifier = 5

        #expect(try decode(recordBytes(type: 2, words: [5, 42] + trailer), format)
            == .lost(LostRecord(id: 5, count: 42, sampleID: expected)))
        #expect(try decode(recordBytes(type: 5, words: [7, 5, 6] + trailer), format)
            == .throttle(ThrottleRecord(time: 7, id: 5, streamID: 6, sampleID: expected)))
        #expect(try decode(recordBytes(type: 6, words: [8, 5, 6] + trailer), format)
            == .unthrottle(ThrottleRecord(time: 8, id: 5, streamID: 6, sampleID: expected)))
        #expect(try decode(recordBytes(type: 7, words: [pair(20, 10), pair(21, 11), 555] + trailer), format)
            == .fork(TaskRecord(pid: 20, parentPID: 10, tid: 21, parentTID: 11, time: 555, sampleID: expected)))
        #expect(try decode(recordBytes(type: 4, words: [pair(20, 10), pair(21, 11), 556] + trailer), format)
            == .exit(TaskRecord(pid: 20, parentPID: 10, tid: 21, parentTID: 11, time: 556, sampleID: expected)))

        // COMM: the name NUL-padded to a word, marked as exec.
        var name = [UInt8]("getppid".utf8) + [0]
        let comm = [pair(20, 21)] + name.withUnsafeBytes { [($0.loadUnaligned(as: UInt64.self))] }
        #expect(try decode(recordBytes(type: 3, misc: RecordHeader.commExec, words: comm + trailer), format)
            == .comm(CommRecord(pid: 20, tid: 21, name: "getppid", isExec: true, sampleID: expected)))

        // MMAP2 with device and inode, then its file name.
        name = [UInt8]("/bin/true".utf8)
        name += [UInt8](repeating: 0, count: 16 - name.count)
        let nameWords = name.withUnsafeBytes { [$0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)] }
        let mmap = [pair(20, 21), 0x5000, 0x1000, 0, pair(8, 1), 1234, 1, pair(5, 2)] + nameWords
        #expect(try decode(recordBytes(type: 10, words: mmap + trailer), format) == .mmap2(Mmap2Record(
            pid: 20, tid: 21, address: 0x5000, length: 0x1000, pageOffset: 0,
            file: MappedFile(major: 8, minor: 1, inode: 1234, inodeGeneration: 1), buildID: nil,
            protection: 5, flags: 2, filename: "/bin/true", sampleID: expected)))
    }

    @Test func unknownTypesAreSkippedAndShortRecordsRefused() throws {
        #expect(try decode(recordBytes(type: 99, words: [1, 2]), SampleFormat(sampleType: [.ip]))
            == .other(RecordHeader(type: RecordType(rawValue: 99), misc: 0, size: 24)))
        // A LOST record without room for its trailer.
        #expect(throws: RecordDecodingError.self) {
            try decode(recordBytes(type: 2, words: [5, 42]), SampleFormat(sampleType: [.tid, .time], sampleIDAll: true))
        }
        // A sample shorter than its fixed fields.
        #expect(throws: RecordDecodingError.self) {
            try decode(recordBytes(type: 9, words: [1]), SampleFormat(sampleType: [.ip, .tid]))
        }
        // A group read that claims more values than the record holds, and a huge callchain.
        #expect(throws: RecordDecodingError.self) {
            try decode(recordBytes(type: 9, words: [UInt64.max, 1]), SampleFormat(sampleType: [.read], readFormat: [.group]))
        }
        #expect(throws: RecordDecodingError.self) {
            try decode(recordBytes(type: 9, words: [1 << 61]), SampleFormat(sampleType: [.callchain]))
        }
        // Found by the ring-records fuzz target: a count whose byte length overflows
        // must still report more bytes needed than the record has.
        for count: UInt64 in [1 << 61, 1 << 62 | 3, UInt64.max / 24 + 1] {
            do {
                _ = try decode(recordBytes(type: 9, words: [count, 0]), SampleFormat(sampleType: [.read], readFormat: [.group, .id, .lost]))
                Issue.record("decoded \(count) group values from 24 bytes")
            } catch {
                #expect(error.needed > error.size)
            }
        }
        // A header that says more than the bytes there are: decoded within the bytes only.
        var cut = recordBytes(type: 9, words: [1, 2])
        cut[6] = 200
        #expect(throws: RecordDecodingError.self) {
            try decode(cut, SampleFormat(sampleType: [.ip, .tid, .time]))
        }
    }

    @Test func tracepointFormatDecodesRawFieldsByName() throws {
        let text = """
            name: sys_enter_openat
            ID: 640
            format:
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
            \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
            \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

            \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
            \tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
            \tfield:char comm[8];\toffset:24;\tsize:8;\tsigned:0;
            \tfield:__data_loc char[] filename;\toffset:32;\tsize:4;\tsigned:0;

            print fmt: "dfd: 0x%08lx", ((unsigned long)(REC->dfd))
            """
        let format = try TracepointFormat(parsing: text)
        #expect(format.id == 640 && format.name == "sys_enter_openat")
        #expect(format.fields.map(\.name) == ["common_type", "common_flags", "common_preempt_count", "common_pid",
                                              "__syscall_nr", "dfd", "comm", "filename"])
        var raw = [UInt8](repeating: 0, count: 48)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { for (index, byte) in $0.enumerated() { raw[offset + index] = byte } }
        }
        put(UInt16(640), at: 0)
        put(Int32(-5), at: 4)
        put(Int32(257), at: 8)
        put(UInt64(0xffff_ff9c), at: 16)
        for (index, byte) in "cat".utf8.enumerated() { raw[24 + index] = byte }
        put(UInt32(36) | UInt32(5) << 16, at: 32)
        for (index, byte) in "/tmp".utf8.enumerated() { raw[36 + index] = byte }
        let values = Dictionary(uniqueKeysWithValues: format.decode(raw).map { ($0.name, $0.value) })
        #expect(values["common_type"] == .unsigned(640))
        #expect(values["common_pid"] == .signed(-5))
        #expect(values["__syscall_nr"] == .signed(257))
        #expect(values["dfd"] == .unsigned(0xffff_ff9c))
        #expect(values["comm"] == .text("cat"))
        #expect(values["filename"] == .text("/tmp"))
        // Fields outside the bytes are left out, never read.
        #expect(format.decode(Array(raw.prefix(10))).map(\.name) == ["common_type", "common_flags", "common_preempt_count", "common_pid"])
        #expect(throws: TracepointFormatError.self) { try TracepointFormat(parsing: "name: x\nformat:\n") }
        #expect(throws: TracepointFormatError.self) { try TracepointFormat(parsing: "ID: 1\n\tfield:int;\toffset:x;\n") }
    }

    @Test func sampleIDSizeMatchesTheTrailerFields() {
        #expect(SampleType([.tid, .time, .id, .streamID, .cpu, .identifier]).sampleIDSize == 48)
        #expect(SampleType([.ip, .addr, .period, .raw, .callchain, .read]).sampleIDSize == 0)
    }
}
