// Fuzz target `ring-records`: RecordFraming.walk over any data area, and
// RecordDecoder.decode of every record it hands out, with any sample format.
//
// Input: bytes 0-1 pick sample_type bits (the 12 decoded ones, in order), byte 2
// the read_format (low 5 bits) and sample_id_all (bit 7), byte 3 the tail's
// offset; the rest is the data area, cut to a power of two, written from the
// tail up to the head (its whole size).

private let decodedBits: [SampleType] = [
    .ip, .tid, .time, .addr, .read, .callchain, .id, .cpu, .period, .streamID, .raw, .identifier,
]

func fuzzRingRecords(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count >= 4 + 8 else { return }
    let selector = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    var sampleType: SampleType = []
    for (index, bit) in decodedBits.enumerated() where selector & (1 << index) != 0 { sampleType.insert(bit) }
    let format = SampleFormat(sampleType: sampleType, readFormat: ReadFormat(rawValue: UInt64(bytes[2] & 0x1f)),
                              sampleIDAll: bytes[2] & 0x80 != 0)
    var size = 8
    while size * 2 <= bytes.count - 4 { size *= 2 }
    let data = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[4..<(4 + size)])
    let tail = UInt64(bytes[3]) &* 8 &+ 0xffff_ffff_ffff_ff00  // near the counters' wrap too
    let head = tail &+ UInt64(size)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
    defer { scratch.deallocate() }
    let decoder = RecordDecoder(format: format)
    var consumed = 0
    let walk = RecordFraming.walk(data: data, tail: tail, head: head, scratch: scratch) { record in
        precondition(record.count >= 8 && record.count <= size, "a record outside the area")
        let header = record.load(as: UInt16.self, fromByteOffset: 6)
        precondition(Int(header) == record.count, "the record's size is not its header's")
        consumed += record.count
        do throws(RecordDecodingError) {
            let decoded = try decoder.decode(record)
            if case .sample(let sample) = decoded {
                precondition(sample.raw.map { $0.count <= record.count } ?? true, "raw data longer than its record")
                precondition(sample.callchain.map { 8 * $0.count <= record.count } ?? true, "callchain longer than its record")
                precondition(sample.counts.map { 8 * $0.values.count <= record.count } ?? true, "read values beyond the record")
                precondition(sampleType.contains(.ip) == (sample.ip != nil))
            }
        } catch {
            precondition(error.needed > error.size, "refused a record that holds what it needs")
        }
        return true
    }
    precondition(walk.tail &- tail == UInt64(consumed), "the tail moved by more than the records handed out")
    precondition(walk.problem != nil || walk.tail == head, "stopped early without a reason")
}

extension UnsafeRawBufferPointer {
    fileprivate func load(as type: UInt16.Type, fromByteOffset offset: Int) -> UInt16 {
        loadUnaligned(fromByteOffset: offset, as: UInt16.self)
    }
}
