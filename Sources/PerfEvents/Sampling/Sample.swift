/// One `PERF_RECORD_SAMPLE`, with the fields its event's `sample_type` asked
/// for (the others are nil).
///
/// Stored compactly — the fixed fields as one vector of words, a mask of those
/// present and one optional reference for the variable parts — so that the
/// compiler moves and drops a sample as a few values: with sixteen separate
/// fields it destroyed each sample through its value witness, a third of the
/// decoding time.
@frozen
public struct Sample: Hashable, Sendable {
    /// The header's `misc`: the CPU mode the sample was taken in (`PERF_RECORD_MISC_*` low 3 bits) and flags.
    public var misc: UInt16
    /// Which of the fixed fields are present.
    @usableFromInline var present: SampleType = []
    /// identifier, ip, pid|tid, time, addr, id, stream_id, period: one vector value,
    /// so that the compiler moves and drops a sample as a few values, not sixteen.
    @usableFromInline var words: SIMD8<UInt64> = SIMD8()
    @usableFromInline var storedCPU: UInt32 = 0
    /// READ, CALLCHAIN and RAW, when the sample has any: one reference, nil for a
    /// sample of fixed fields only, so that such a sample costs one release at most.
    @usableFromInline var extras: SampleExtras?

    /// `PERF_SAMPLE_READ`: the event's counts, or its group's (leader first).
    public var counts: SampleCounts? {
        get { extras?.counts }
        set { extras = SampleExtras(counts: newValue, callchain: callchain, raw: raw) }
    }
    /// `PERF_SAMPLE_CALLCHAIN`: return addresses, innermost first, with the
    /// kernel's context markers (`PERF_CONTEXT_*`, values above 0xffff_ffff_ffff_f000) kept.
    public var callchain: [UInt64]? {
        get { extras?.callchain }
        set { extras = SampleExtras(counts: counts, callchain: newValue, raw: raw) }
    }
    /// `PERF_SAMPLE_RAW`: the PMU's raw bytes (a tracepoint's record, see ``TracepointFormat``),
    /// with the kernel's alignment padding at the end.
    public var raw: [UInt8]? {
        get { extras?.raw }
        set { extras = SampleExtras(counts: counts, callchain: callchain, raw: newValue) }
    }

    @inlinable
    package init(misc: UInt16 = 0) { self.misc = misc }

    /// `PERF_SAMPLE_IDENTIFIER`.
    @inlinable public var identifier: UInt64? {
        get { present.contains(.identifier) ? words[0] : nil }
        set { words[0] = newValue ?? 0; mark(.identifier, newValue != nil) }
    }
    /// `PERF_SAMPLE_IP`.
    @inlinable public var ip: UInt64? {
        get { present.contains(.ip) ? words[1] : nil }
        set { words[1] = newValue ?? 0; mark(.ip, newValue != nil) }
    }
    /// `PERF_SAMPLE_TID`: the process id.
    @inlinable public var pid: Int32? {
        get { present.contains(.tid) ? Int32(truncatingIfNeeded: words[2]) : nil }
        set { words[2] = (words[2] & ~0xffff_ffff) | UInt64(UInt32(bitPattern: newValue ?? 0)); if newValue != nil { present.insert(.tid) } }
    }
    /// `PERF_SAMPLE_TID`: the thread id.
    @inlinable public var tid: Int32? {
        get { present.contains(.tid) ? Int32(truncatingIfNeeded: words[2] >> 32) : nil }
        set { words[2] = (words[2] & 0xffff_ffff) | UInt64(UInt32(bitPattern: newValue ?? 0)) << 32; if newValue != nil { present.insert(.tid) } }
    }
    /// `PERF_SAMPLE_TIME`: nanoseconds of the perf clock.
    @inlinable public var time: UInt64? {
        get { present.contains(.time) ? words[3] : nil }
        set { words[3] = newValue ?? 0; mark(.time, newValue != nil) }
    }
    /// `PERF_SAMPLE_ADDR`.
    @inlinable public var addr: UInt64? {
        get { present.contains(.addr) ? words[4] : nil }
        set { words[4] = newValue ?? 0; mark(.addr, newValue != nil) }
    }
    /// `PERF_SAMPLE_ID`.
    @inlinable public var id: UInt64? {
        get { present.contains(.id) ? words[5] : nil }
        set { words[5] = newValue ?? 0; mark(.id, newValue != nil) }
    }
    /// `PERF_SAMPLE_STREAM_ID`.
    @inlinable public var streamID: UInt64? {
        get { present.contains(.streamID) ? words[6] : nil }
        set { words[6] = newValue ?? 0; mark(.streamID, newValue != nil) }
    }
    /// `PERF_SAMPLE_CPU`.
    @inlinable public var cpu: UInt32? {
        get { present.contains(.cpu) ? storedCPU : nil }
        set { storedCPU = newValue ?? 0; mark(.cpu, newValue != nil) }
    }
    /// `PERF_SAMPLE_PERIOD`.
    @inlinable public var period: UInt64? {
        get { present.contains(.period) ? words[7] : nil }
        set { words[7] = newValue ?? 0; mark(.period, newValue != nil) }
    }

    @inlinable
    mutating func mark(_ field: SampleType, _ isPresent: Bool) {
        if isPresent { present.insert(field) } else { present.remove(field) }
    }
}

/// The variable-length parts of a sample (READ, CALLCHAIN, RAW), immutable (a setter on ``Sample`` makes a new one).
@usableFromInline
final class SampleExtras: Hashable, Sendable {
    let counts: SampleCounts?
    let callchain: [UInt64]?
    let raw: [UInt8]?

    init(counts: SampleCounts?, callchain: [UInt64]?, raw: [UInt8]?) {
        self.counts = counts
        self.callchain = callchain
        self.raw = raw
    }

    @usableFromInline
    static func == (left: SampleExtras, right: SampleExtras) -> Bool {
        left.counts == right.counts && left.callchain == right.callchain && left.raw == right.raw
    }

    @usableFromInline
    func hash(into hasher: inout Hasher) {
        hasher.combine(counts)
        hasher.combine(callchain)
        hasher.combine(raw)
    }
}

/// The counts a `PERF_SAMPLE_READ` sample carries: its read format's layout.
public struct SampleCounts: Hashable, Sendable {
    /// One per event: the event alone, or with `PERF_FORMAT_GROUP` the leader then the members.
    public var values: [RawCount]

    package init(values: [RawCount]) { self.values = values }
}

/// The `sample_id` trailer `sample_id_all` adds to records other than
/// samples: which event and thread, when and where, as `sample_type` asks.
public struct SampleID: Hashable, Sendable {
    /// The process (`PERF_SAMPLE_TID`).
    public var pid: Int32?
    /// The thread (`PERF_SAMPLE_TID`).
    public var tid: Int32?
    /// When, in perf's clock, nanoseconds (`PERF_SAMPLE_TIME`).
    public var time: UInt64?
    /// The event's unique id (`PERF_SAMPLE_ID`).
    public var id: UInt64?
    /// The id of the original event, the parent's for an inherited one (`PERF_SAMPLE_STREAM_ID`).
    public var streamID: UInt64?
    /// The CPU it happened on (`PERF_SAMPLE_CPU`).
    public var cpu: UInt32?
    /// The event's unique id, at a fixed place: the trailer's last word (`PERF_SAMPLE_IDENTIFIER`).
    public var identifier: UInt64?

    package init() {}
}
