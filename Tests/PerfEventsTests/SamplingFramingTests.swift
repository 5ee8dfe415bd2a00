import Testing
import CPerfEvents
@testable import PerfEvents

/// A record of `type` with `words` after the header (size = 8 + 8 × words).
func recordBytes(type: UInt32, misc: UInt16 = 0, words: [UInt64]) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: type) { bytes += $0 }
    withUnsafeBytes(of: misc) { bytes += $0 }
    withUnsafeBytes(of: UInt16(8 + 8 * words.count)) { bytes += $0 }
    for word in words { withUnsafeBytes(of: word) { bytes += $0 } }
    return bytes
}

/// A circular data area of `size` bytes with `records` written from byte count `start`.
func ring(size: Int, start: UInt64, records: [[UInt8]]) -> (data: [UInt8], head: UInt64) {
    var data = [UInt8](repeating: 0xee, count: size)
    var position = start
    for record in records {
        for byte in record {
            data[Int(position % UInt64(size))] = byte
            position &+= 1
        }
    }
    return (data, position)
}

/// The records a forward walk hands out, as byte arrays, and the walk.
func walkAll(_ data: [UInt8], tail: UInt64, head: UInt64, limit: Int = .max) -> ([[UInt8]], RecordFraming.Walk) {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
    defer { scratch.deallocate() }
    var seen: [[UInt8]] = []
    let walk = data.withUnsafeBytes { bytes in
        RecordFraming.walk(data: bytes, tail: tail, head: head, scratch: scratch, limit: limit) { record in
            seen.append(Array(record))
            return true
        }
    }
    return (seen, walk)
}

@Suite(.timeLimit(.minutes(5))) struct SamplingFramingTests {
    @Test func recordsBetweenTailAndHeadComeOutInOrder() {
        let records = (0..<5).map { recordBytes(type: 9, words: [UInt64($0), 0xabcd]) }
        let (data, head) = ring(size: 256, start: 0, records: records)
        let (seen, walk) = walkAll(data, tail: 0, head: head)
        #expect(seen == records)
        #expect(walk.tail == head && walk.records == 5 && walk.problem == nil)
    }

    /// Every start position of a 3-record run (72 bytes) in a 128-byte area: records that cross
    /// the end come out whole, as written; the counters keep growing past the size.
    @Test func recordsThatWrapAroundTheEndAreCopiedOutWhole() {
        let records = [recordBytes(type: 9, words: [1, 2, 3]), recordBytes(type: 2, words: [7, 8]),
                       recordBytes(type: 9, words: [0x1122334455667788])]
        let total = records.reduce(0) { $0 + $1.count }
        var wrapped = 0
        for start in stride(from: UInt64(0), through: 128 * 3, by: 8) {
            if Int(start % 128) + total > 128 { wrapped += 1 }
            let (data, head) = ring(size: 128, start: start, records: records)
            #expect(head - start == UInt64(total))
            let (seen, walk) = walkAll(data, tail: start, head: head)
            #expect(seen == records, "start \(start)")
            #expect(walk.tail == head && walk.problem == nil)
        }
        #expect(wrapped >= 20)  // most starts put a record across the end
    }

    @Test func aLimitStopsTheWalkAndTheTailPointsAtTheNextRecord() {
        let records = (0..<4).map { recordBytes(type: 9, words: [UInt64($0)]) }
        let (data, head) = ring(size: 128, start: 40, records: records)
        let (seen, walk) = walkAll(data, tail: 40, head: head, limit: 3)
        #expect(seen == Array(records.prefix(3)))
        #expect(walk.tail == 40 + 48)
        let (rest, again) = walkAll(data, tail: walk.tail, head: head)
        #expect(rest == [records[3]] && again.tail == head)
    }

    @Test func corruptSizesStopTheWalkWithoutReadingPastTheHead() {
        // A zero size, a size past the head, and a head closer than a header.
        var zero = recordBytes(type: 9, words: [1])
        zero[6] = 0; zero[7] = 0
        let (data, head) = ring(size: 64, start: 0, records: [recordBytes(type: 9, words: [5]), zero])
        let (seen, walk) = walkAll(data, tail: 0, head: head)
        #expect(seen.count == 1)
        #expect(walk.tail == 16)
        #expect(walk.problem == .badRecordSize(size: 0, remaining: 16))

        let (long, longHead) = ring(size: 64, start: 0, records: [recordBytes(type: 9, words: [1, 2, 3])])
        let (_, cut) = walkAll(long, tail: 0, head: longHead - 8)
        #expect(cut.problem == .badRecordSize(size: 32, remaining: 24))
        let (_, partial) = walkAll(long, tail: 0, head: 4)
        #expect(partial.problem == .truncatedHeader(remaining: 4))
        let (_, overrun) = walkAll(long, tail: 0, head: 65)
        #expect(overrun.problem == .overrun(available: 65, dataSize: 64))
        let (_, odd) = walkAll([UInt8](repeating: 0, count: 48), tail: 0, head: 8)
        #expect(odd.problem == .badDataSize(48))
    }

    /// Overwrite mode: records laid upwards from the head, newest first; space never
    /// written (size 0) and a record running past the area's end (overwritten) end the walk.
    @Test func backwardWalkReadsFromTheHeadUpwards() {
        let records = [recordBytes(type: 9, words: [3]), recordBytes(type: 9, words: [2, 2]), recordBytes(type: 9, words: [1])]
        let head = UInt64.max - 23  // the backward head counts down from 0
        var (data, _) = ring(size: 128, start: head, records: records)
        // The rest of the area was never written.
        for index in 0..<128 where !(0..<56).contains((index + 128 - Int(head % 128)) % 128) { data[index] = 0 }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
        defer { scratch.deallocate() }
        var seen: [[UInt8]] = []
        let walk = data.withUnsafeBytes { bytes in
            RecordFraming.walkBackward(data: bytes, head: head, scratch: scratch) { seen.append(Array($0)); return true }
        }
        #expect(seen == records)
        #expect(walk.records == 3)
    }
}

@Suite(.timeLimit(.minutes(5))) struct RingBufferLayoutTests {
    /// The offsets RingBuffer uses are the C header's.
    @Test func metadataPageOffsetsAreTheHeaders() {
        #expect(MemoryLayout<perf_event_mmap_page>.offset(of: \.data_head) == RingBuffer.dataHeadOffset)
        #expect(MemoryLayout<perf_event_mmap_page>.offset(of: \.data_tail) == RingBuffer.dataTailOffset)
        #expect(MemoryLayout<perf_event_mmap_page>.offset(of: \.data_offset) == RingBuffer.dataOffsetOffset)
        #expect(MemoryLayout<perf_event_mmap_page>.offset(of: \.data_size) == RingBuffer.dataSizeOffset)
    }

    /// The new attribute bits land in the C bit fields of the same names, and back.
    @Test func samplingFlagsRoundTripThroughTheBitFields() {
        let flags: AttributeFlags = [.mmap, .comm, .task, .watermark, .sampleIDAll, .mmap2, .commExec, .writeBackward]
        var attr = perf_event_attr()
        flags.write(to: &attr)
        #expect(attr.mmap == 1 && attr.comm == 1 && attr.task == 1 && attr.watermark == 1)
        #expect(attr.sample_id_all == 1 && attr.mmap2 == 1 && attr.comm_exec == 1 && attr.write_backward == 1)
        #expect(attr.disabled == 0 && attr.freq == 0)
        #expect(AttributeFlags(bitFieldsOf: attr) == flags)
        var event = KernelEventAttributes(event: EventAttributes(type: 2, config: 7, sampling: .period(1)),
                                          flags: [.sampleIDAll], readFormat: [])
        event.sampleType = [.tid, .raw]
        event.wakeup = 16
        event.withKernelAttributes { attr in
            #expect(attr.pointee.sample_type == SampleType([.tid, .raw]).rawValue)
            #expect(attr.pointee.wakeup_events == 16 && attr.pointee.sample_period == 1)
        }
    }
}
