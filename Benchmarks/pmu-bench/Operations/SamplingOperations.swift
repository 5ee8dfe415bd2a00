// The sampling rows of pmu-bench, on the tracepoint PMU:
//
// - decode-N-records: one pass of the library's RecordFraming.walk + RecordDecoder.decode
//   over a data area filled by the kernel (N samples of syscalls:sys_enter_getppid with
//   IDENTIFIER, IP, TID, TIME, ID, CPU, PERIOD, laid across the area's end so that one
//   record wraps), against CBenchReference's cbr_decode_records_loop over the same bytes.
//   Records per second = N / p50.
// - drain-round-trip: getppid() (one sample) then Sampler.drain (head acquire, frame,
//   decode, tail release) on a live ring buffer, against cbr_drain_loop on the same mapping.
//
// The Swift consumer reads `Sample.fields` (plain values, 0 where absent), as the C reader
// reads its struct; with the ten optional accessors instead it was 1.35x the C time.
import CBenchReference
import CPerfEvents
import Foundation
import PerfEvents
import PMUBenchCore

extension BenchRunner {
    /// The sample fields both decoders read (no READ, CALLCHAIN or RAW: nothing to allocate).
    static let benchSampleType: SampleType = [.identifier, .ip, .tid, .time, .id, .cpu, .period]

    /// Decode throughput and drain round trip, measured where `pmu` is the tracepoint PMU.
    func measureSampling(on pmu: PMU, into results: inout Results) {
        guard pmu.kind == .tracepoint else { return }
        var event: Event
        do {
            event = try resolver.event(tracepoint: "syscalls", "sys_enter_getppid")
            event.attributes.sampling = .period(1)
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "sampling", reason: "\(error)",
                                                      condition: HostCondition.of(error)))
            return
        }
        measureDecoding(event, pmu: pmu.name, into: &results)
        measureDrain(event, pmu: pmu.name, into: &results)
    }

    /// The records a kernel-filled buffer holds, laid into a circular area so that they wrap.
    private func filledArea(_ event: Event, records: Int) throws -> (area: [UInt8], tail: UInt64, head: UInt64) {
        let sampler = try Sampler([event], options: SamplingOptions(
            sampleType: Self.benchSampleType, wakeup: .events(UInt32(records) + 1), dataPages: 64))
        try sampler.enable()
        for _ in 0..<records { _ = getppid() }
        try sampler.disable()
        var bytes: [UInt8] = []
        var count = 0
        for buffer in sampler.buffers {
            buffer.drain { record in
                bytes += record
                count += 1
                return true
            }
        }
        guard count == records else { throw BenchFailure("the kernel wrote \(count) records for \(records) getppid calls") }
        var size = 8
        while size < bytes.count { size *= 2 }
        var area = [UInt8](repeating: 0, count: size)
        // Start 3/8 of the way before the end: the run crosses it, one record wraps.
        let start = size - size * 3 / 8 + 8
        for (index, byte) in bytes.enumerated() { area[(start + index) % size] = byte }
        let tail = UInt64(size * 7 + start)
        return (area, tail, tail + UInt64(bytes.count))
    }

    private func measureDecoding(_ event: Event, pmu: String, into results: inout Results) {
        let records = 3000
        let method = "decode-\(records)-records"
        let filled: (area: [UInt8], tail: UInt64, head: UInt64)
        do {
            filled = try filledArea(event, records: records)
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: method, reason: "\(error)",
                                                      condition: HostCondition.of(error)))
            return
        }
        let area = UnsafeMutableRawBufferPointer.allocate(byteCount: filled.area.count, alignment: 8)
        defer { area.deallocate() }
        area.copyBytes(from: filled.area)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
        defer { scratch.deallocate() }
        let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { sink.deallocate() }
        sink.initialize(to: 0)
        let decoder = RecordDecoder(format: SampleFormat(sampleType: Self.benchSampleType, sampleIDAll: true))
        let (tail, head) = (filled.tail, filled.head)
        let data = UnsafeRawBufferPointer(area)
        let swift: SampleLoop = { samples in
            timeEach(samples) {
                var sum: UInt64 = 0
                var failed = false
                let walk = RecordFraming.walk(data: data, tail: tail, head: head, scratch: scratch) { bytes in
                    do throws(RecordDecodingError) {
                        if case .sample(let sample) = try decoder.decode(bytes) {
                            // The fixed fields as plain values, 0 where absent: what the C reader's struct holds.
                            let f = sample.fields
                            sum &+= (f.ip ^ f.time) &+ UInt64(UInt32(bitPattern: f.tid)) &+ UInt64(UInt32(bitPattern: f.pid))
                            sum &+= f.period &+ UInt64(f.cpu) &+ f.id &+ f.identifier &+ f.addr &+ f.streamID
                        }
                    } catch {
                        failed = true
                        return false
                    }
                    return true
                }
                sink.pointee = sum
                return failed || walk.problem != nil ? -Int64(Errno.ioError.rawValue) : 0
            }
        }
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let size = UInt64(data.count)
        let sampleType = Self.benchSampleType.rawValue
        let scratchBase = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let c: SampleLoop = { samples in
            cbr_decode_records_loop(base, size, tail, head, sampleType, scratchBase, sink, samples.baseAddress, UInt64(samples.count))
        }
        // One sample is a whole pass over the records: fewer samples, as for in-kernel exit loops.
        var interleaver = self.interleaver
        interleaver.iterations = max(10, interleaver.iterations / 50)
        interleaver.warmup = max(2, interleaver.warmup / 50)
        interleaver.blockSize = max(1, min(interleaver.blockSize, interleaver.iterations / 10))
        progress.step("sampling \(method)")
        let outcomes = interleaver.run([(.swift, swift), (.c, c)], progress: progress.fraction)
        Self.appendReadRows(outcomes, [.swift, .c], pmu: pmu, event: event.label, method: method,
                            cpu: nil, batch: 1, into: &results)
        // Records per second are said once, from the merged rows (DecodeThroughput, in the table).
    }

    private func measureDrain(_ event: Event, pmu: String, into results: inout Results) {
        let method = "drain-round-trip"
        let sampler: Sampler
        do {
            sampler = try Sampler([event], options: SamplingOptions(sampleType: Self.benchSampleType, dataPages: 8))
            try sampler.enable()
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: method, reason: error.description,
                                                      condition: HostCondition.of(error)))
            return
        }
        defer { try? sampler.disable() }
        let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { sink.deallocate() }
        sink.initialize(to: 0)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
        defer { scratch.deallocate() }
        let swift: SampleLoop = { samples in
            timeEach(samples) {
                _ = getppid()
                var sum: UInt64 = 0
                let drained = sampler.drain { record in
                    if case .sample(let sample) = record {
                        sum &+= (sample.ip ?? 0) ^ (sample.time ?? 0)
                        sum &+= UInt64(UInt32(bitPattern: sample.tid ?? 0)) &+ UInt64(UInt32(bitPattern: sample.pid ?? 0))
                        sum &+= (sample.period ?? 0) &+ UInt64(sample.cpu ?? 0) &+ (sample.id ?? 0) &+ (sample.identifier ?? 0)
                        sum &+= (sample.addr ?? 0) &+ (sample.streamID ?? 0)
                    }
                }
                sink.pointee = sum
                return drained.records == 0 || drained.undecodable > 0 ? -Int64(Errno.ioError.rawValue) : 0
            }
        }
        let page = sampler.buffers[0].metadataPage
        let sampleType = Self.benchSampleType.rawValue
        let scratchBase = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let c: SampleLoop = { samples in
            withExtendedLifetime(sampler) {
                cbr_drain_loop(page, sampleType, scratchBase, sink, samples.baseAddress, UInt64(samples.count))
            }
        }
        progress.step("sampling \(method)")
        let outcomes = interleaver.run([(.swift, swift), (.c, c), (.syscallFloor, syscallFloorLoop)], progress: progress.fraction)
        Self.appendReadRows(outcomes, [.swift, .c, .syscallFloor], pmu: pmu, event: event.label, method: method,
                            cpu: nil, batch: 1, into: &results)
    }
}
