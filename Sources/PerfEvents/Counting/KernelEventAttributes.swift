import CPerfEvents

/// Everything that goes into one `perf_event_attr` for counting: *what* to count
/// (``EventAttributes``, from resolution) plus *how* (the flag bits and the
/// read format the counting layer chooses).
///
/// ``withKernelAttributes(_:)`` lays it out as the kernel reads it. The pure
/// layout is tested without a kernel; ``Counter`` passes it to `perf_event_open`.
package struct KernelEventAttributes: Hashable, Sendable {
    /// The event.
    package var event: EventAttributes
    /// `disabled`, `inherit`, `enable_on_exec` and the event's own filter bits.
    package var flags: AttributeFlags
    /// `read_format`.
    package var readFormat: ReadFormat
    /// `sample_type`: what a sampling event's samples carry (empty for counting).
    package var sampleType: SampleType = []
    /// `wakeup_events`, or with ``AttributeFlags/watermark`` `wakeup_watermark` (0: the kernel's default).
    package var wakeup: UInt32 = 0

    /// The attribute size of the C headers this was built with (`sizeof(struct perf_event_attr)`).
    package static let headerSize = Int(cpe_PERF_ATTR_SIZE)
    /// `PERF_ATTR_SIZE_VER8`: the first size with `config3` (Linux 6.3).
    package static let sizeWithConfig3 = 136
    /// Where `config3` lives in the structure.
    static let config3Offset = 128

    package init(event: EventAttributes, flags: AttributeFlags, readFormat: ReadFormat) {
        self.event = event
        self.flags = flags
        self.readFormat = readFormat
    }

    /// The size written into `perf_event_attr.size`: the headers' size, or the
    /// `config3` size when the event needs a `config3` the headers predate.
    package var size: Int {
        if event.config3 != 0 && Self.headerSize < Self.sizeWithConfig3 { return Self.sizeWithConfig3 }
        return Self.headerSize
    }

    /// Calls `body` with a zeroed `perf_event_attr` filled from these values:
    /// explicit `type`, `size`, `config…`, `bp_type` (with `bp_addr` = `config1`,
    /// `bp_len` = `config2`, the same words), the flag bits and `read_format`.
    package func withKernelAttributes<Result>(_ body: (UnsafeMutablePointer<perf_event_attr>) -> Result) -> Result {
        let bytes = max(size, Self.headerSize, MemoryLayout<perf_event_attr>.size)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { storage.deallocate() }
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        let attr = storage.bindMemory(to: perf_event_attr.self, capacity: 1)
        attr.pointee.type = event.type
        attr.pointee.size = UInt32(size)
        attr.pointee.config = event.config
        attr.pointee.read_format = readFormat.rawValue
        attr.pointee.bp_type = event.breakpointType
        // config1/bp_addr and config2/bp_len are the same words of the unions.
        attr.pointee.config1 = event.config1
        attr.pointee.config2 = event.config2
        flags.write(to: &attr.pointee)
        attr.pointee.sample_type = sampleType.rawValue
        attr.pointee.wakeup_events = wakeup  // one union with wakeup_watermark
        if let sampling = event.sampling {
            // sample_period and sample_freq are one union; `freq` says which.
            attr.pointee.sample_period = sampling.value
            attr.pointee.freq = sampling.isFrequency ? 1 : 0
        }
        if event.config3 != 0 {
            // `size` is at least `sizeWithConfig3` here, and so is the storage.
            storage.storeBytes(of: event.config3, toByteOffset: Self.config3Offset, as: UInt64.self)
        }
        return body(attr)
    }
}
