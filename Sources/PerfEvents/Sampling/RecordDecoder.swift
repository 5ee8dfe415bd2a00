/// Decodes ring-buffer records into ``Record`` values: pure, over bytes, for
/// one `SampleFormat` (the event's `sample_type`, `read_format` and
/// `sample_id_all`).
///
/// Every read is checked against the record's size: a record too short for
/// what its type needs is a ``RecordDecodingError``, a type the library does
/// not know is ``Record/other(_:)``. The offsets of a sample's fixed fields
/// are worked out once, when the decoder is made.
public struct RecordDecoder: Hashable, Sendable {
    package let format: SampleFormat
    /// The fixed fields `sample_type` asks for: what a sample's `present` mask holds.
    @usableFromInline let fixedFields: SampleType
    /// Offsets (from the record start) of the fixed sample fields; -1 absent.
    @usableFromInline let identifierOffset: Int
    @usableFromInline let ipOffset: Int
    @usableFromInline let tidOffset: Int
    @usableFromInline let timeOffset: Int
    @usableFromInline let addrOffset: Int
    @usableFromInline let idOffset: Int
    @usableFromInline let streamIDOffset: Int
    @usableFromInline let cpuOffset: Int
    @usableFromInline let periodOffset: Int
    /// Where the fixed fields end (the header included).
    @usableFromInline let fixedEnd: Int
    @usableFromInline let hasVariableFields: Bool

    package init(format: SampleFormat) {
        self.format = format
        let type = format.sampleType
        var offset = 8
        func field(_ flag: SampleType) -> Int {
            guard type.contains(flag) else { return -1 }
            defer { offset += 8 }
            return offset
        }
        identifierOffset = field(.identifier)
        ipOffset = field(.ip)
        tidOffset = field(.tid)
        timeOffset = field(.time)
        addrOffset = field(.addr)
        idOffset = field(.id)
        streamIDOffset = field(.streamID)
        cpuOffset = field(.cpu)
        periodOffset = field(.period)
        fixedEnd = offset
        hasVariableFields = !type.isDisjoint(with: [.read, .callchain, .raw])
        fixedFields = type.intersection([.identifier, .ip, .tid, .time, .addr, .id, .streamID, .cpu, .period])
    }

    /// The record in `bytes` (header first; exactly the record's bytes, as
    /// `RecordFraming` hands them out).
    ///
    /// Inlinable: a sample of fixed fields only (the common profiling record)
    /// decodes in the caller with one bounds check; everything else goes
    /// through `decodeInFull(_:)`.
    @inlinable
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError) -> Record {
        if !hasVariableFields, bytes.count >= fixedEnd, let base = bytes.baseAddress,
           base.loadUnaligned(as: UInt32.self) == 9 /* PERF_RECORD_SAMPLE */,
           Int(base.loadUnaligned(fromByteOffset: 6, as: UInt16.self)) >= fixedEnd {
            return .sample(fixedSample(base, misc: base.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
        }
        return try decodeInFull(bytes)
    }

    /// A sample's fixed fields, from a record known to hold them.
    @inlinable @inline(__always)
    func fixedSample(_ base: UnsafeRawPointer, misc: UInt16) -> Sample {
        var sample = Sample(misc: misc)
        sample.present = fixedFields
        var words = SIMD8<UInt64>()
        if identifierOffset >= 0 { words[0] = base.loadUnaligned(fromByteOffset: identifierOffset, as: UInt64.self) }
        if ipOffset >= 0 { words[1] = base.loadUnaligned(fromByteOffset: ipOffset, as: UInt64.self) }
        if tidOffset >= 0 { words[2] = base.loadUnaligned(fromByteOffset: tidOffset, as: UInt64.self) }
        if timeOffset >= 0 { words[3] = base.loadUnaligned(fromByteOffset: timeOffset, as: UInt64.self) }
        if addrOffset >= 0 { words[4] = base.loadUnaligned(fromByteOffset: addrOffset, as: UInt64.self) }
        if idOffset >= 0 { words[5] = base.loadUnaligned(fromByteOffset: idOffset, as: UInt64.self) }
        if streamIDOffset >= 0 { words[6] = base.loadUnaligned(fromByteOffset: streamIDOffset, as: UInt64.self) }
        if cpuOffset >= 0 { sample.storedCPU = base.loadUnaligned(fromByteOffset: cpuOffset, as: UInt32.self) }
        if periodOffset >= 0 { words[7] = base.loadUnaligned(fromByteOffset: periodOffset, as: UInt64.self) }
        sample.words = words
        return sample
    }

    /// Any record, every read checked against its size.
    @usableFromInline
    func decodeInFull(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError) -> Record {
        guard bytes.count >= 8, let base = bytes.baseAddress else {
            throw RecordDecodingError(type: RecordType(rawValue: 0), size: bytes.count, needed: 8, field: "the header")
        }
        let header = RecordHeader(loading: base)
        // The header's size, bounded by the bytes there are.
        let size = min(Int(header.size), bytes.count)
        let reader = FieldReader(base: base, size: size, type: header.type)
        guard size >= 8 else { throw reader.short(8, "the header") }
        switch header.type {
        case .sample:
            return .sample(try decodeSample(reader, misc: header.misc))
        case .lost:
            let end = try bodyEnd(reader, body: 16)
            return .lost(LostRecord(id: reader.u64(8), count: reader.u64(16), sampleID: try trailer(reader, at: end)))
        case .throttle, .unthrottle:
            let end = try bodyEnd(reader, body: 24)
            let record = ThrottleRecord(time: reader.u64(8), id: reader.u64(16), streamID: reader.u64(24),
                                        sampleID: try trailer(reader, at: end))
            return header.type == .throttle ? .throttle(record) : .unthrottle(record)
        case .comm:
            let end = try bodyEnd(reader, body: 8)
            let name = reader.string(from: 16, to: end)
            return .comm(CommRecord(pid: reader.i32(8), tid: reader.i32(12), name: name,
                                    isExec: header.misc & RecordHeader.commExec != 0, sampleID: try trailer(reader, at: end)))
        case .exit, .fork:
            let end = try bodyEnd(reader, body: 24)
            let record = TaskRecord(pid: reader.i32(8), parentPID: reader.i32(12), tid: reader.i32(16),
                                    parentTID: reader.i32(20), time: reader.u64(24), sampleID: try trailer(reader, at: end))
            return header.type == .exit ? .exit(record) : .fork(record)
        case .mmap2:
            let end = try bodyEnd(reader, body: 64)
            var file: MappedFile?
            var buildID: [UInt8]?
            if header.misc & RecordHeader.mmapBuildID != 0 {
                let length = min(Int(reader.u8(40)), 20)
                buildID = reader.bytes(from: 44, count: length)
            } else {
                file = MappedFile(major: reader.u32(40), minor: reader.u32(44), inode: reader.u64(48),
                                  inodeGeneration: reader.u64(56))
            }
            return .mmap2(Mmap2Record(
                pid: reader.i32(8), tid: reader.i32(12), address: reader.u64(16), length: reader.u64(24),
                pageOffset: reader.u64(32), file: file, buildID: buildID, protection: reader.u32(64),
                flags: reader.u32(68), filename: reader.string(from: 72, to: end), sampleID: try trailer(reader, at: end)))
        default:
            return .other(header)
        }
    }

    /// Where a non-sample record's body ends (the trailer starts), checking that
    /// the fixed `body` bytes after the header and the trailer both fit.
    private func bodyEnd(_ reader: FieldReader, body: Int) throws(RecordDecodingError) -> Int {
        let trailerSize = format.trailerSize
        let needed = 8 + body + trailerSize
        guard reader.size >= needed else {
            throw reader.short(needed, trailerSize > 0 ? "its fields and the sample_id trailer" : "its fields")
        }
        return reader.size - trailerSize
    }

    /// The `sample_id` trailer starting at `offset` (already bounds-checked), or nil without `sample_id_all`.
    private func trailer(_ reader: FieldReader, at offset: Int) throws(RecordDecodingError) -> SampleID? {
        guard format.sampleIDAll else { return nil }
        let type = format.sampleType
        var id = SampleID()
        var offset = offset
        if type.contains(.tid) { id.pid = reader.i32(offset); id.tid = reader.i32(offset + 4); offset += 8 }
        if type.contains(.time) { id.time = reader.u64(offset); offset += 8 }
        if type.contains(.id) { id.id = reader.u64(offset); offset += 8 }
        if type.contains(.streamID) { id.streamID = reader.u64(offset); offset += 8 }
        if type.contains(.cpu) { id.cpu = reader.u32(offset); offset += 8 }
        if type.contains(.identifier) { id.identifier = reader.u64(offset) }
        return id
    }

    private func decodeSample(_ reader: FieldReader, misc: UInt16) throws(RecordDecodingError) -> Sample {
        guard reader.size >= fixedEnd else { throw reader.short(fixedEnd, "the sample's fixed fields") }
        var sample = fixedSample(reader.base, misc: misc)
        if hasVariableFields { try decodeVariableFields(reader, into: &sample) }
        return sample
    }

    /// READ, CALLCHAIN and RAW, in that order after the fixed fields.
    private func decodeVariableFields(_ reader: FieldReader, into sample: inout Sample) throws(RecordDecodingError) {
        let type = format.sampleType
        var offset = fixedEnd
        var counts: SampleCounts?
        var callchain: [UInt64]?
        var raw: [UInt8]?
        defer { sample.extras = SampleExtras(counts: counts, callchain: callchain, raw: raw) }
        if type.contains(.read) {
            // The read format's layouts, the same as a counter's and a group's read(2).
            let readFormat = format.readFormat
            let rest = UnsafeRawBufferPointer(start: reader.base + offset, count: reader.size - offset)
            var values: [RawCount] = []
            if readFormat.contains(.group) {
                let layout = GroupReadLayout(readFormat)
                try reader.require(offset + layout.header, "the group read's header")
                let count = layout.memberCount(rest)
                // The count is checked against the bytes there are before anything is allocated.
                guard count <= UInt64((rest.count - layout.header) / layout.stride) else {
                    throw reader.short(end(of: count, layout.stride, from: offset + layout.header), "\(count) group values")
                }
                values.reserveCapacity(Int(count))
                layout.decode(rest, members: Int(count)) { values.append($0) }
                offset += layout.size(members: Int(count))
            } else {
                let layout = SingleReadLayout(readFormat)
                try reader.require(offset + layout.size, "the read values")
                values.append(layout.decode(rest))
                offset += layout.size
            }
            counts = SampleCounts(values: values)
        }
        if type.contains(.callchain) {
            try reader.require(offset + 8, "the callchain's length")
            let count = reader.u64(offset)
            offset += 8
            guard count <= UInt64((reader.size - offset) / 8) else {
                throw reader.short(end(of: count, 8, from: offset), "a callchain of \(count) addresses")
            }
            var chain: [UInt64] = []
            chain.reserveCapacity(Int(count))
            for index in 0..<Int(count) { chain.append(reader.u64(offset + 8 * index)) }
            callchain = chain
            offset += 8 * Int(count)
        }
        if type.contains(.raw) {
            try reader.require(offset + 4, "the raw data's size")
            let length = Int(reader.u32(offset))
            offset += 4
            try reader.require(offset + length, "\(length) bytes of raw data")
            raw = reader.bytes(from: offset, count: length)
        }
    }
}

/// Where `count` items of `size` bytes from `offset` end; Int.max when that overflows.
private func end(of count: UInt64, _ size: Int, from offset: Int) -> Int {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(size))
    let (total, overflow2) = bytes.addingReportingOverflow(UInt64(offset))
    return overflow || overflow2 || total > UInt64(Int.max) ? Int.max : Int(total)
}

/// Loads from one record's bytes; the caller checks the bounds before each load.
struct FieldReader {
    let base: UnsafeRawPointer
    let size: Int
    let type: RecordType

    @inline(__always) func u64(_ offset: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { base.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    @inline(__always) func i32(_ offset: Int) -> Int32 { base.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
    @inline(__always) func u8(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    func require(_ end: Int, _ field: String) throws(RecordDecodingError) {
        if end > size { throw short(end, field) }
    }

    func short(_ needed: Int, _ field: String) -> RecordDecodingError {
        RecordDecodingError(type: type, size: size, needed: needed, field: field)
    }

    /// `count` bytes from `offset` (checked by the caller).
    func bytes(from offset: Int, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: count))
    }

    /// The NUL-terminated text between `offset` and `end` (padding dropped).
    func string(from offset: Int, to end: Int) -> String {
        guard end > offset else { return "" }
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: end - offset)
        let length = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<length]), as: UTF8.self)
    }
}
