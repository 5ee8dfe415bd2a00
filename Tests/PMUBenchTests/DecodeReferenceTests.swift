import CBenchReference
import PerfEvents
import Testing
@testable import pmu_bench

/// The sampling rows' two decoders read the same bytes the same way: the Swift
/// loop's sum (RecordFraming + RecordDecoder + Sample.fields) equals the C
/// reference's, over samples, a record of another type and a sample that wraps.
@Test(.timeLimit(.minutes(5))) func theSwiftAndCDecodersAgreeOnTheSameBytes() throws {
    let type = BenchRunner.benchSampleType
    // identifier, ip, pid|tid, time, id, cpu|res, period: 7 words after the header.
    func sample(_ n: UInt64) -> [UInt8] {
        var words: [UInt64] = [UInt64(9) | UInt64(2) << 32 | UInt64(64) << 48]   // type 9, misc 2, size 64
        words += [0x1000 + n, 0x400000 + n, UInt64(77) | UInt64(78 + n) << 32, 1_000_000 * n, 5, n % 4, 100 + n]
        return words.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    }
    let other: [UInt8] = withUnsafeBytes(of: (UInt64(3) | UInt64(16) << 48).littleEndian, Array.init)
        + [UInt8](repeating: 0xAB, count: 8)   // a COMM-typed record of 16 bytes: skipped by size
    var stream: [UInt8] = []
    for n in 0..<25 { stream += n == 7 ? other : sample(UInt64(n)) }
    // A 2 KiB area: the stream starts 1000 bytes before the end, so records wrap.
    let size = 2048
    var area = [UInt8](repeating: 0, count: size)
    let tail: UInt64 = 1048
    for (index, byte) in stream.enumerated() { area[(Int(tail) + index) % size] = byte }
    let head = tail + UInt64(stream.count)
    #expect(stream.count < size)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
    defer { scratch.deallocate() }
    let decoder = RecordDecoder(format: SampleFormat(sampleType: type, sampleIDAll: true))
    var swiftSum: UInt64 = 0
    var samples = 0
    let walk = area.withUnsafeBytes { data in
        RecordFraming.walk(data: data, tail: tail, head: head, scratch: scratch) { bytes in
            if case .sample(let sample) = try? decoder.decode(bytes) {
                samples += 1
                let f = sample.fields
                #expect(f.ip == sample.ip && f.tid == sample.tid && f.period == sample.period && f.addr == 0)
                swiftSum &+= (f.ip ^ f.time) &+ UInt64(UInt32(bitPattern: f.tid)) &+ UInt64(UInt32(bitPattern: f.pid))
                swiftSum &+= f.period &+ UInt64(f.cpu) &+ f.id &+ f.identifier &+ f.addr &+ f.streamID
            }
            return true
        }
    }
    #expect(walk.problem == nil && walk.records == 25 && samples == 24)
    var cSum: UInt64 = 0
    var timing: UInt64 = 0
    let result = area.withUnsafeBytes { data in
        cbr_decode_records_loop(data.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(size), tail, head,
                                type.rawValue, scratch.baseAddress?.assumingMemoryBound(to: UInt8.self), &cSum, &timing, 1)
    }
    #expect(result == 0)
    #expect(swiftSum == cSum)
}
