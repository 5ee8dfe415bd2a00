import CPerfEvents

/// The mmap ring buffer of one sampling descriptor: a metadata page
/// (`struct perf_event_mmap_page`) followed by a data area of 2^n pages.
///
/// The kernel advances `data_head` as it writes records; the reader copies
/// records out between its `data_tail` and the head, then publishes the new
/// tail so the kernel may reuse the space. The head is loaded with acquire
/// ordering and the tail stored with release ordering, as the kernel
/// documents for `perf_event_mmap_page` (`cpe_load_acquire_u64`,
/// `cpe_store_release_u64`). `data_offset`/`data_size` say where the data
/// area is (Linux 4.1+; before that it starts one page in and fills the rest).
///
/// In overwrite mode (``AttributeFlags/writeBackward``, mapped read-only) the
/// kernel never waits for the reader: ``snapshot(_:)`` pauses the output, reads
/// the newest records backwards from the head, and resumes it.
package final class RingBuffer: @unchecked Sendable {
    /// The sampling descriptor (owned by its ``Sampler``, not by the buffer).
    package let descriptor: Int32
    /// Whether the buffer is in overwrite (backward) mode.
    package let overwrite: Bool
    /// The data area's size in bytes (a power of two).
    package let dataSize: Int
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let data: UnsafeRawBufferPointer
    private let scratch: UnsafeMutableRawBufferPointer
    private let system: SystemCalls

    /// Offsets in `struct perf_event_mmap_page` (a stable ABI: the page is 1024 bytes of fields, then these).
    static let dataHeadOffset = 1024
    static let dataTailOffset = 1032
    static let dataOffsetOffset = 1040
    static let dataSizeOffset = 1048

    /// Maps `dataPages` (a power of two) pages of data plus the metadata page of `descriptor`.
    init(descriptor: Int32, dataPages: Int, overwrite: Bool, system: SystemCalls) throws(SamplingError) {
        guard dataPages >= 1, dataPages & (dataPages - 1) == 0 else { throw .badBufferPages(dataPages) }
        let pageSize = system.pageSize()
        let length = (1 + dataPages) * pageSize
        // Forward mode maps read-write: the reader writes data_tail. Overwrite mode maps read-only.
        let protection: Int32 = overwrite ? 1 : 3  // PROT_READ | PROT_WRITE
        let address = retryingInterrupts { system.mmap(length, protection, 1 /* MAP_SHARED */, descriptor, 0) }
        guard address > 0, let mapping = UnsafeMutableRawPointer(bitPattern: Int(address)) else {
            let errno = Errno(rawValue: Int32(truncatingIfNeeded: address < 0 ? -address : Int64(Errno.badAddress.rawValue)))
            throw .mapFailed(errno: errno, bytes: length)
        }
        var offset = Int(clamping: mapping.load(fromByteOffset: Self.dataOffsetOffset, as: UInt64.self))
        var size = Int(clamping: mapping.load(fromByteOffset: Self.dataSizeOffset, as: UInt64.self))
        if size == 0 {
            // Kernels before 4.1 leave both 0: the data starts after the metadata page.
            offset = pageSize
            size = dataPages * pageSize
        }
        guard size >= 8, size & (size - 1) == 0, offset >= 0, offset <= length, size <= length - offset else {
            _ = system.munmap(mapping, length)
            throw .badDataArea(offset: offset, size: size, mapped: length)
        }
        self.descriptor = descriptor
        self.overwrite = overwrite
        self.dataSize = size
        self.mapping = mapping
        self.length = length
        self.data = UnsafeRawBufferPointer(start: mapping + offset, count: size)
        self.scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordFraming.scratchSize, alignment: 8)
        self.system = system
    }

    deinit {
        _ = system.munmap(mapping, length)
        scratch.deallocate()
    }

    /// The metadata page (`struct perf_event_mmap_page`), for the benchmark's C reference reader.
    package var metadataPage: UnsafeMutableRawPointer { mapping }

    /// `data_head`, loaded with acquire ordering.
    package var head: UInt64 {
        cpe_load_acquire_u64((mapping + Self.dataHeadOffset).assumingMemoryBound(to: UInt64.self))
    }

    /// `data_tail`: what the reader has consumed.
    package var tail: UInt64 {
        mapping.load(fromByteOffset: Self.dataTailOffset, as: UInt64.self)
    }

    /// Bytes written and not yet consumed (forward mode).
    package var pending: UInt64 { head &- tail }

    /// Hands every record written since the last drain to `body` (at most
    /// `limit`, when `body` returns true for each), then publishes the new tail
    /// with release ordering. A record that wraps is copied out whole; the
    /// bytes passed to `body` are valid only during the call.
    ///
    /// When the buffer does not hold what the kernel's protocol promises (a
    /// size below 8 or past the head), the tail moves to the head — the records
    /// there cannot be framed — and the result carries the problem.
    @discardableResult
    package func drain(limit: Int = Int.max, _ body: (UnsafeRawBufferPointer) -> Bool) -> RecordFraming.Walk {
        precondition(!overwrite, "drain(_:) reads a forward buffer; an overwrite-mode buffer is read with snapshot(_:)")
        let head = self.head
        let tail = self.tail
        let walk = RecordFraming.walk(data: data, tail: tail, head: head, scratch: scratch, limit: limit, body)
        let newTail = walk.problem == nil ? walk.tail : head
        cpe_store_release_u64((mapping + Self.dataTailOffset).assumingMemoryBound(to: UInt64.self), newTail)
        return walk
    }

    /// Appends every byte written since the last drain to `bytes` (one or two
    /// copies, the area unwrapped) and publishes the new tail at once: whole
    /// records, since the kernel moves the head past a record only once it is
    /// written. The fastest way to free the space; frame the bytes later with
    /// ``RecordFraming/walk(data:tail:head:scratch:limit:_:)`` or by their sizes.
    /// Returns the bytes copied, or the overrun when the head is further than the area holds.
    package func copyOut(appendingTo bytes: inout [UInt8]) -> Result<Int, FramingProblem> {
        precondition(!overwrite, "copyOut(appendingTo:) reads a forward buffer; an overwrite-mode buffer is read with snapshot(_:)")
        let head = self.head
        let tail = self.tail
        let available = head &- tail
        let tailAddress = (mapping + Self.dataTailOffset).assumingMemoryBound(to: UInt64.self)
        guard available <= UInt64(dataSize) else {
            cpe_store_release_u64(tailAddress, head)
            return .failure(.overrun(available: available, dataSize: dataSize))
        }
        let count = Int(available)
        guard count > 0, let base = data.baseAddress else { return .success(0) }
        let offset = Int(tail & UInt64(dataSize - 1))
        let first = min(count, dataSize - offset)
        // One or two memcpys into the array's own storage (reused when it has the
        // capacity), whatever the build's optimization.
        let start = bytes.count
        bytes.reserveCapacity(start + count)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: first))
        if count > first { bytes.append(contentsOf: UnsafeRawBufferPointer(start: base, count: count - first)) }
        cpe_store_release_u64(tailAddress, head)
        return .success(count)
    }

    /// Overwrite mode: pauses the kernel's output (`PERF_EVENT_IOC_PAUSE_OUTPUT`),
    /// hands the buffer's records to `body` newest first, and resumes.
    @discardableResult
    package func snapshot(_ body: (UnsafeRawBufferPointer) -> Bool) throws(SamplingError) -> RecordFraming.Walk {
        precondition(overwrite, "snapshot(_:) reads an overwrite-mode buffer; a forward buffer is read with drain(_:)")
        let ioctl = system.ioctl
        let descriptor = self.descriptor
        let paused = retryingInterrupts { ioctl(descriptor, cpe_PERF_EVENT_IOC_PAUSE_OUTPUT, 1) }
        if paused < 0 { throw .pauseFailed(errno: Errno(rawValue: -paused)) }
        defer { _ = retryingInterrupts { ioctl(descriptor, cpe_PERF_EVENT_IOC_PAUSE_OUTPUT, 0) } }
        return RecordFraming.walkBackward(data: data, head: head, scratch: scratch, body)
    }
}
