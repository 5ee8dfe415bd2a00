/// Where each word of a `PERF_FORMAT_GROUP` read sits, worked out once from
/// the read format: nr, [time enabled], [time running], then per member
/// value, [id], [lost].
///
/// ``CounterGroup`` keeps one for its member count, so a group read decodes
/// at fixed offsets; ``ReadBuffer`` decodes through the same layout.
struct GroupReadLayout: Hashable, Sendable {
    /// The member count this layout was made for (0 when decoding what the kernel says).
    let members: Int
    /// Bytes for ``members`` members.
    var size: Int { size(members: members) }
    /// Bytes before the first member: nr and the times.
    let header: Int
    /// Bytes per member.
    let stride: Int
    /// Offsets in the header, or -1 when the format has no such word.
    let enabledOffset: Int
    let runningOffset: Int
    /// Offsets within a member, or -1.
    let idOffset: Int
    let lostOffset: Int

    init(_ format: ReadFormat, members: Int = 0) {
        self.members = members
        var offset = 8
        enabledOffset = format.contains(.totalTimeEnabled) ? offset : -1
        if enabledOffset >= 0 { offset += 8 }
        runningOffset = format.contains(.totalTimeRunning) ? offset : -1
        if runningOffset >= 0 { offset += 8 }
        header = offset
        var member = 8
        idOffset = format.contains(.id) ? member : -1
        if idOffset >= 0 { member += 8 }
        lostOffset = format.contains(.lost) ? member : -1
        if lostOffset >= 0 { member += 8 }
        stride = member
    }

    /// Bytes for `members` members.
    func size(members: Int) -> Int { header + members * stride }

    /// The member count the kernel wrote (the first word); `bytes` holds at least 8 bytes.
    @inline(__always)
    func memberCount(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        bytes.loadUnaligned(as: UInt64.self)
    }

    /// Writes the value of each of ``members`` members into `values` (which holds
    /// that many); `bytes` holds at least ``size`` bytes. The read path of a group.
    @inline(__always)
    func decode(_ bytes: UnsafeRawBufferPointer, into values: UnsafeMutableBufferPointer<CounterValue>) {
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        let enabled = enabledOffset < 0 ? 0 : word(enabledOffset)
        let running = runningOffset < 0 ? 0 : word(runningOffset)
        var base = header
        for index in 0..<members {
            values[index] = CounterValue(raw: word(base), timeEnabled: enabled, timeRunning: running,
                                         lost: lostOffset < 0 ? nil : word(base + lostOffset))
            base += stride
        }
    }

    /// Hands member `0..<members` to `body`; `bytes` holds at least ``size(members:)`` bytes.
    @inline(__always)
    func decode(_ bytes: UnsafeRawBufferPointer, members: Int, _ body: (RawCount) -> Void) {
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        let enabled = enabledOffset < 0 ? 0 : word(enabledOffset)
        let running = runningOffset < 0 ? 0 : word(runningOffset)
        var base = header
        for _ in 0..<members {
            body(RawCount(value: word(base), timeEnabled: enabled, timeRunning: running,
                          id: idOffset < 0 ? nil : word(base + idOffset),
                          lost: lostOffset < 0 ? nil : word(base + lostOffset)))
            base += stride
        }
    }
}
