/// A sample's fixed fields as plain values, 0 where the event's `sample_type`
/// did not ask for the field (as perf fills its `struct perf_sample`): for a
/// loop that knows its event's `sample_type` and goes through millions of
/// samples without unwrapping ten optionals each. ``Sample``'s optional
/// properties say which fields are there.
@frozen
@usableFromInline package struct SampleFields: Hashable, Sendable {
    @usableFromInline package var identifier: UInt64
    @usableFromInline package var ip: UInt64
    @usableFromInline package var pid: Int32
    @usableFromInline package var tid: Int32
    @usableFromInline package var time: UInt64
    @usableFromInline package var addr: UInt64
    @usableFromInline package var id: UInt64
    @usableFromInline package var streamID: UInt64
    @usableFromInline package var cpu: UInt32
    @usableFromInline package var period: UInt64

    @inlinable
    package init(identifier: UInt64 = 0, ip: UInt64 = 0, pid: Int32 = 0, tid: Int32 = 0, time: UInt64 = 0,
                addr: UInt64 = 0, id: UInt64 = 0, streamID: UInt64 = 0, cpu: UInt32 = 0, period: UInt64 = 0) {
        self.identifier = identifier
        self.ip = ip
        self.pid = pid
        self.tid = tid
        self.time = time
        self.addr = addr
        self.id = id
        self.streamID = streamID
        self.cpu = cpu
        self.period = period
    }
}

extension Sample {
    /// Every fixed field, 0 where absent (the decoder stores 0 for a field the
    /// `sample_type` does not have, so this reads the storage as it is).
    @inlinable
    package var fields: SampleFields {
        let words = self.words
        return SampleFields(identifier: words[0], ip: words[1], pid: Int32(truncatingIfNeeded: words[2]),
                            tid: Int32(truncatingIfNeeded: words[2] >> 32), time: words[3], addr: words[4],
                            id: words[5], streamID: words[6], cpu: storedCPU, period: words[7])
    }
}
