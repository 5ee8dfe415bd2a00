/// One `PERF_RECORD_SAMPLE`, with the fields its event's `sample_type` asked
/// for (the others are nil).
public struct Sample: Hashable, Sendable {
    /// The header's `misc`: the CPU mode the sample was taken in (`PERF_RECORD_MISC_*` low 3 bits) and flags.
    public var misc: UInt16
    /// `PERF_SAMPLE_IDENTIFIER`.
    public var identifier: UInt64?
    /// `PERF_SAMPLE_IP`.
    public var ip: UInt64?
    /// `PERF_SAMPLE_TID`: the process id.
    public var pid: Int32?
    /// `PERF_SAMPLE_TID`: the thread id.
    public var tid: Int32?
    /// `PERF_SAMPLE_TIME`: nanoseconds of the perf clock.
    public var time: UInt64?
    /// `PERF_SAMPLE_ADDR`.
    public var addr: UInt64?
    /// `PERF_SAMPLE_ID`.
    public var id: UInt64?
    /// `PERF_SAMPLE_STREAM_ID`.
    public var streamID: UInt64?
    /// `PERF_SAMPLE_CPU`.
    public var cpu: UInt32?
    /// `PERF_SAMPLE_PERIOD`.
    public var period: UInt64?
    /// `PERF_SAMPLE_READ`: the event's counts, or its group's (leader first).
    public var counts: SampleCounts?
    /// `PERF_SAMPLE_CALLCHAIN`: return addresses, innermost first, with the
    /// kernel's context markers (`PERF_CONTEXT_*`, values above 0xffff_ffff_ffff_f000) kept.
    public var callchain: [UInt64]?
    /// `PERF_SAMPLE_RAW`: the PMU's raw bytes (a tracepoint's record, see ``TracepointFormat``),
    /// with the kernel's alignment padding at the end.
    public var raw: [UInt8]?

    public init(misc: UInt16 = 0) { self.misc = misc }
}

/// The counts a `PERF_SAMPLE_READ` sample carries: its read format's layout.
public struct SampleCounts: Hashable, Sendable {
    /// One per event: the event alone, or with `PERF_FORMAT_GROUP` the leader then the members.
    public var values: [RawCount]

    public init(values: [RawCount]) { self.values = values }
}

/// The `sample_id` trailer `sample_id_all` adds to records other than
/// samples: which event and thread, when and where, as `sample_type` asks.
public struct SampleID: Hashable, Sendable {
    public var pid: Int32?
    public var tid: Int32?
    public var time: UInt64?
    public var id: UInt64?
    public var streamID: UInt64?
    public var cpu: UInt32?
    public var identifier: UInt64?

    public init() {}
}
