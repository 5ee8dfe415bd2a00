/// Cuts the data area of a perf ring buffer into records: pure, over any
/// bytes, so wrap-around and corrupt sizes are tested without a kernel.
///
/// The kernel writes records at `head` and the reader consumes from `tail`;
/// both count bytes from the start and grow forever, and the position of a
/// byte in the data area is the count modulo its size (a power of two). A
/// record that runs past the end of the area continues at its start: it is
/// copied into `scratch` (at least 65,536 bytes, a record's largest size) so
/// the caller always gets one contiguous record.
public enum RecordFraming {
    /// The smallest scratch buffer a walk needs: the largest record (`u16` size) and a header.
    public static let scratchSize = 65_536

    /// How a walk ended.
    public struct Walk: Hashable, Sendable {
        /// The new tail: just past the last record handed out.
        public var tail: UInt64
        /// Records handed to the body.
        public var records: Int
        /// Why the walk stopped before `head`, when it did not reach it.
        public var problem: FramingProblem?

        @inlinable
        package init(tail: UInt64, records: Int, problem: FramingProblem?) {
            self.tail = tail
            self.records = records
            self.problem = problem
        }
    }

    /// Hands every whole record between `tail` and `head` (forward mode) to
    /// `body`, in order, until `body` returns false or `limit` records were handed out.
    ///
    /// - Parameters:
    ///   - data: the data area; its size must be a power of two.
    ///   - tail: where the reader is, in bytes since the start (`data_tail`).
    ///   - head: where the kernel has written to (`data_head`, read with acquire order).
    ///   - scratch: where a record that wraps is assembled ( ≥ ``scratchSize`` bytes).
    ///   - limit: the most records to hand out.
    ///   - body: takes one record's bytes, header first; returns false to stop.
    /// - Returns: the new tail, the records handed out, and the problem that stopped the walk.
    ///
    /// Inlinable and public, so that `body` (a decoder, usually) is inlined into the loop in the
    /// caller's module: as a `package` function it was not, and decoding 3,000 records in pmu-bench
    /// took 5.3 times C's time instead of 0.99.
    @inlinable
    public static func walk(
        data: UnsafeRawBufferPointer, tail: UInt64, head: UInt64, scratch: UnsafeMutableRawBufferPointer,
        limit: Int = Int.max, _ body: (UnsafeRawBufferPointer) -> Bool
    ) -> Walk {
        let size = data.count
        let (base, scratchBase, problem) = areas(data, scratch)
        guard let base, let scratchBase else { return Walk(tail: tail, records: 0, problem: problem) }
        let available = head &- tail
        if available > UInt64(size) {
            return Walk(tail: tail, records: 0, problem: .overrun(available: available, dataSize: size))
        }
        let mask = UInt64(size - 1)
        var position = tail
        var records = 0
        while records < limit {
            let remaining = head &- position
            if remaining == 0 { break }
            if remaining < 8 {
                return Walk(tail: position, records: records, problem: .truncatedHeader(remaining: Int(remaining)))
            }
            let offset = Int(position & mask)
            let recordSize: Int
            if offset + 8 <= size {
                recordSize = Int(base.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self))
            } else {
                // A header split by the end of the area (only with sizes not multiples of 8).
                copy(from: base, size: size, offset: offset, count: 8, to: scratchBase)
                recordSize = Int(scratchBase.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
            }
            if recordSize < 8 || UInt64(recordSize) > remaining {
                return Walk(tail: position, records: records,
                            problem: .badRecordSize(size: recordSize, remaining: Int(remaining)))
            }
            let record = contiguous(base, size: size, offset: offset, count: recordSize, scratch: scratchBase)
            position &+= UInt64(recordSize)
            records += 1
            if !body(record) { break }
        }
        return Walk(tail: position, records: records, problem: nil)
    }

    /// Hands the records of an overwrite-mode (`write_backward`) buffer to
    /// `body`, newest first: the kernel writes each record below the previous
    /// one, so the records start at `head` and run upwards for at most the
    /// area's size; a zero size marks space never written, and a record that
    /// would run past the area's size is one already overwritten.
    package static func walkBackward(
        data: UnsafeRawBufferPointer, head: UInt64, scratch: UnsafeMutableRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) -> Bool
    ) -> Walk {
        let size = data.count
        let (base, scratchBase, problem) = areas(data, scratch)
        guard let base, let scratchBase else { return Walk(tail: head, records: 0, problem: problem) }
        let mask = UInt64(size - 1)
        var consumed = 0
        var records = 0
        while size - consumed >= 8 {
            let offset = Int((head &+ UInt64(consumed)) & mask)
            copy(from: base, size: size, offset: offset, count: 8, to: scratchBase)
            let recordSize = Int(scratchBase.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
            if recordSize == 0 { break }
            if recordSize < 8 || recordSize > size - consumed { break }
            let record = contiguous(base, size: size, offset: offset, count: recordSize, scratch: scratchBase)
            consumed += recordSize
            records += 1
            if !body(record) { break }
        }
        return Walk(tail: head &+ UInt64(consumed), records: records, problem: nil)
    }

    /// The data area's and the scratch space's starts, or why a walk cannot use
    /// them: a data size that is not a power of two (≥ 8), or too little scratch.
    @inlinable @inline(__always)
    static func areas(_ data: UnsafeRawBufferPointer, _ scratch: UnsafeMutableRawBufferPointer)
        -> (UnsafeRawPointer?, UnsafeMutableRawPointer?, FramingProblem?) {
        let size = data.count
        guard size >= 8, size & (size - 1) == 0, let base = data.baseAddress else { return (nil, nil, .badDataSize(size)) }
        guard scratch.count >= scratchSize, let scratchBase = scratch.baseAddress else {
            return (nil, nil, .scratchTooSmall(scratch.count))
        }
        return (base, scratchBase, nil)
    }

    /// The `count` bytes at `offset` of a circular area of `size` bytes as one
    /// buffer: in place, or copied into `scratch` when they run past the end.
    @inlinable @inline(__always)
    static func contiguous(_ base: UnsafeRawPointer, size: Int, offset: Int, count: Int,
                           scratch: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        if offset + count <= size { return UnsafeRawBufferPointer(start: base + offset, count: count) }
        copy(from: base, size: size, offset: offset, count: count, to: scratch)
        return UnsafeRawBufferPointer(start: scratch, count: count)
    }

    /// Copies `count` bytes starting at `offset` of a circular area of `size` bytes.
    @inlinable @inline(__always)
    static func copy(from base: UnsafeRawPointer, size: Int, offset: Int, count: Int,
                             to destination: UnsafeMutableRawPointer) {
        let first = min(count, size - offset)
        destination.copyMemory(from: base + offset, byteCount: first)
        if count > first {
            destination.advanced(by: first).copyMemory(from: base, byteCount: count - first)
        }
    }
}

/// Why a walk over a ring buffer stopped early: the buffer does not hold what
/// the kernel's protocol promises (a reader bug, or memory written by someone else).
public enum FramingProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The data area's size is not a power of two of at least 8 bytes.
    case badDataSize(Int)
    /// The scratch buffer is smaller than `RecordFraming.scratchSize`.
    case scratchTooSmall(Int)
    /// `head - tail` is more than the area holds: the records there were overwritten.
    case overrun(available: UInt64, dataSize: Int)
    /// Fewer than 8 bytes (a header) between the tail and the head.
    case truncatedHeader(remaining: Int)
    /// A record's size is below 8 or beyond the head.
    case badRecordSize(size: Int, remaining: Int)

    public var description: String {
        switch self {
        case .badDataSize(let size):
            return "the ring buffer's data area is \(size) bytes, not a power of two of at least 8"
        case .scratchTooSmall(let size):
            return "the scratch buffer is \(size) bytes; a record may need \(RecordFraming.scratchSize)"
        case .overrun(let available, let dataSize):
            return "head - tail is \(available) bytes but the data area holds \(dataSize): records were overwritten"
        case .truncatedHeader(let remaining):
            return "\(remaining) bytes before the head, fewer than a record header (8)"
        case .badRecordSize(let size, let remaining):
            return "a record says it is \(size) bytes with \(remaining) before the head (a record is 8 bytes or more)"
        }
    }
}
