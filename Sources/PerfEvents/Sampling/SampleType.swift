/// `perf_event_attr.sample_type`: which fields a `PERF_RECORD_SAMPLE` carries,
/// and (with `sample_id_all`) which identify every other record.
///
/// The fields appear in a sample in the order of their bits; this library
/// decodes every field up to ``raw`` and refuses the later bits (branch stacks,
/// registers, user stacks…), whose layouts depend on more of the attributes.
public struct SampleType: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `PERF_SAMPLE_IP`: the instruction pointer.
    @inlinable public static var ip: SampleType { SampleType(rawValue: 1 << 0) }
    /// `PERF_SAMPLE_TID`: process and thread id.
    @inlinable public static var tid: SampleType { SampleType(rawValue: 1 << 1) }
    /// `PERF_SAMPLE_TIME`: the perf clock, in nanoseconds.
    @inlinable public static var time: SampleType { SampleType(rawValue: 1 << 2) }
    /// `PERF_SAMPLE_ADDR`: the data address (a watchpoint's address, a page fault's).
    @inlinable public static var addr: SampleType { SampleType(rawValue: 1 << 3) }
    /// `PERF_SAMPLE_READ`: the event's (or with `PERF_FORMAT_GROUP` the group's) counts.
    @inlinable public static var read: SampleType { SampleType(rawValue: 1 << 4) }
    /// `PERF_SAMPLE_CALLCHAIN`: the stack of return addresses.
    @inlinable public static var callchain: SampleType { SampleType(rawValue: 1 << 5) }
    /// `PERF_SAMPLE_ID`: the kernel's id of the event (the group leader's for a group).
    @inlinable public static var id: SampleType { SampleType(rawValue: 1 << 6) }
    /// `PERF_SAMPLE_CPU`: the CPU the sample was taken on.
    @inlinable public static var cpu: SampleType { SampleType(rawValue: 1 << 7) }
    /// `PERF_SAMPLE_PERIOD`: the period in force.
    @inlinable public static var period: SampleType { SampleType(rawValue: 1 << 8) }
    /// `PERF_SAMPLE_STREAM_ID`: the id of the event the sample came from (the inherited one's parent for children).
    @inlinable public static var streamID: SampleType { SampleType(rawValue: 1 << 9) }
    /// `PERF_SAMPLE_RAW`: PMU-specific raw data (a tracepoint's record).
    @inlinable public static var raw: SampleType { SampleType(rawValue: 1 << 10) }
    /// `PERF_SAMPLE_IDENTIFIER`: the id, first in every sample and last in every `sample_id`.
    @inlinable public static var identifier: SampleType { SampleType(rawValue: 1 << 16) }

    /// The bits this library decodes.
    package static let supported: SampleType = [
        .ip, .tid, .time, .addr, .read, .callchain, .id, .cpu, .period, .streamID, .raw, .identifier,
    ]

    /// The `sample_id` trailer's size in bytes: what `sample_id_all` appends to
    /// every record but samples (pid/tid, time, id, stream_id, cpu, identifier).
    package var sampleIDSize: Int {
        var size = 0
        if contains(.tid) { size += 8 }
        if contains(.time) { size += 8 }
        if contains(.id) { size += 8 }
        if contains(.streamID) { size += 8 }
        if contains(.cpu) { size += 8 }
        if contains(.identifier) { size += 8 }
        return size
    }
}
