import CPerfEvents

/// Events counted together: a leader and members scheduled onto the PMU as a
/// unit (all or none), read at once with `PERF_FORMAT_GROUP` and controlled
/// with `PERF_IOC_FLAG_GROUP`, so that their values cover the same interval
/// (what ratios such as instructions per cycle need). `perf stat -e '{a,b}'`.
///
/// ```swift
/// let group = try CounterGroup([
///     .software(.taskClock),
///     .software(.pageFaults),
/// ])
/// try group.enable()
/// work()
/// try group.disable()
/// let values = try group.read()          // one CounterValue per event, in order
/// ```
///
/// Only the leader carries `disabled` and `enable_on_exec`; the members follow it.
/// Sendable for the same reasons as ``Counter``.
public final class CounterGroup: @unchecked Sendable {
    /// Leader first, then the members, each with descriptors on every slot (package: the
    /// lab's C reference maps the same events' pages).
    package let counters: [Counter]
    /// The first event's counter, whose descriptors the group ioctls and reads use.
    @usableFromInline let leader: Counter
    /// Where the words of one group read sit, for this group's member count.
    private let layout: GroupReadLayout
    /// The leader's descriptor when the group has one slot (the calling thread), else -1:
    /// kept apart so a read touches neither the counters array nor the descriptor array.
    @usableFromInline let onlyDescriptor: Int32
    /// The members, and the bytes of one group `read(2)` when ``read(into:)``
    /// can take its inlined path: one slot, the kernel's own `read(2)`, and the
    /// library's group format (nr, enabled, running, then per member value, id
    /// and lost when the kernel has it). 0 when the general path must run.
    @usableFromInline let memberCount: Int
    @usableFromInline let directReadSize: Int
    /// Bytes per member in the inlined path's buffer: 16, or 24 with lost.
    @usableFromInline let directMemberStride: Int
    /// `read(2)` from the leader's SystemCalls, taken out once.
    /// The system calls the group was opened with (the kernel's outside a mocked test).
    private let system: SystemCalls
    /// Every event's mapped metadata page, leader first, when the group was opened with
    /// ``CounterOptions/userSpaceReads`` and each event has one (the counters own and unmap
    /// them); else nil. What ``readInUserSpace(into:)`` reads.
    @usableFromInline let userPages: UnsafeMutablePointer<UnsafeRawPointer>?
    /// The words a user-space read writes (nr, enabled, running, value and id per event),
    /// worked out once here; Int.max without ``userPages``, so that one comparison of a
    /// reading's capacity also sends a group without pages to the fallback.
    @usableFromInline let userReadWords: Int

    /// Opens `events` (the first is the leader) as one group on the options' target.
    public init(_ events: [Event], options: CounterOptions = CounterOptions()) throws(CounterError) {
        let system = SystemCalls.current
        guard let first = events.first else {
            throw CounterError(operation: .open, errno: nil, label: "(empty group)", attributes: nil,
                               message: "a group needs at least one event")
        }
        // Each event maps its own page when userSpaceReads asks (readInUserSpace(into:)).
        let leader = try Counter(first, options: options, flags: options.flags(for: first, isLeader: true),
                                 readFormat: options.readFormat(group: true), leaders: nil, system: system)
        var counters = [leader]
        for event in events.dropFirst() {
            // Members take the leader's read format: the kernel accepted it once.
            counters.append(try Counter(event, options: options, flags: options.flags(for: event, isLeader: false),
                                        readFormat: leader.readFormat,
                                        leaders: leader.descriptors, system: system))
        }
        self.counters = counters
        self.leader = leader
        self.layout = GroupReadLayout(leader.readFormat, members: counters.count)
        self.onlyDescriptor = leader.descriptors.count == 1 ? leader.descriptors[0] : -1
        self.system = system
        self.memberCount = counters.count
        let standard = leader.readFormat == ReadFormat.counting.union(.group)
            || leader.readFormat == ReadFormat.counting.union([.group, .lost])
        let direct = standard && system.isKernel && leader.descriptors.count == 1
        self.directReadSize = direct ? layout.size : 0
        self.directMemberStride = layout.stride
        let pages = counters.compactMap { $0.userPage.map { UnsafeRawPointer($0) } }
        if pages.count == counters.count {
            let userPages = UnsafeMutablePointer<UnsafeRawPointer>.allocate(capacity: pages.count)
            userPages.initialize(from: pages, count: pages.count)
            self.userPages = userPages
            self.userReadWords = 3 + 2 * counters.count
        } else {
            self.userPages = nil
            self.userReadWords = .max
        }
    }

    deinit { userPages?.deallocate() }

    /// The events, leader first, in the order of ``read()``.
    public var events: [Event] { counters.map { $0.event } }
    /// The `(thread, cpu)` pairs every event is open on.
    package var slots: [CounterSlot] { counters[0].slots }
    /// The read format of the group.
    package var readFormat: ReadFormat { counters[0].readFormat }
    /// The leader's descriptors, one per slot: what one `read(2)` of the whole
    /// group (``readFormat``, `bufferSize(events:)` bytes) and the group ioctls
    /// (`PERF_IOC_FLAG_GROUP`) go to. Owned by the group; do not close them.
    package var descriptors: [Int32] { counters[0].descriptors }
    /// The warnings of every event.
    public var warnings: [CounterWarning] { counters.flatMap { $0.warnings } }

    /// Starts the whole group on every slot.
    @inlinable
    public func enable() throws(CounterError) {
        try leader.control(.enable, request: cpe_PERF_EVENT_IOC_ENABLE, argument: cpe_PERF_IOC_FLAG_GROUP)
    }

    /// Stops the whole group on every slot.
    @inlinable
    public func disable() throws(CounterError) {
        try leader.control(.disable, request: cpe_PERF_EVENT_IOC_DISABLE, argument: cpe_PERF_IOC_FLAG_GROUP)
    }

    /// Zeroes every count of the group on every slot.
    public func reset() throws(CounterError) {
        try counters[0].control(.reset, request: cpe_PERF_EVENT_IOC_RESET, argument: cpe_PERF_IOC_FLAG_GROUP)
    }

    /// One value per event (leader first), each summed over the slots.
    public func read() throws(CounterError) -> [CounterValue] {
        var values: [CounterValue] = []
        try readValues(into: &values)
        return values
    }

    /// ``read()`` into storage the caller keeps (``GroupReading``): nothing is
    /// allocated per read, and for a group on one slot (the calling thread) the
    /// read is inlined into the caller: one `read(2)` straight into the
    /// reading's storage and a check of the event count the kernel wrote. The
    /// values are decoded when the reading is subscripted.
    @inlinable
    public func read(into reading: inout GroupReading) throws(CounterError) {
        let size = directReadSize
        guard size != 0, reading.wordCapacity * 8 >= size else { return try readGeneral(into: &reading) }
        let count = Int(cpe_read_retrying(onlyDescriptor, reading.words, UInt64(size)))
        let written = reading.words[0]
        guard count == size, written == UInt64(memberCount) else {
            return try shortGroupRead(count, written: count >= 8 ? written : 0, into: &reading)
        }
        reading.eventWords = directMemberStride / 8
        reading.eventCount = memberCount
    }

    /// ``read(into:)`` where its inlined path does not apply: several slots
    /// summed, or a replaced `read(2)` (tests).
    @usableFromInline
    func readGeneral(into reading: inout GroupReading) throws(CounterError) {
        var values: [CounterValue] = []
        try readValues(into: &values)
        reading.store(values)
    }

    /// The values of every event, summed over the slots, into `values`.
    private func readValues(into values: inout [CounterValue]) throws(CounterError) {
        guard onlyDescriptor >= 0 else {
            let perSlot = try readEach()
            values.removeAll(keepingCapacity: true)
            for index in counters.indices {
                values.append(CounterValue(aggregating: perSlot.map { $0[index] }))
            }
            return
        }
        let layout = self.layout
        let members = layout.members
        if values.count != members {
            values = [CounterValue](repeating: CounterValue(raw: 0, timeEnabled: 0, timeRunning: 0), count: members)
        }
        let size = layout.size
        let descriptor = onlyDescriptor
        let system = self.system
        let direct = system.isKernel
        // One read(2) into scratch memory, decoded straight into the caller's storage:
        // no array growth, no closure per member. (count, members the kernel wrote.)
        let outcome: (count: Int, written: UInt64) = values.withUnsafeMutableBufferPointer { out in
            withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer in
                let count = direct ? Int(cpe_read_retrying(descriptor, buffer.baseAddress, UInt64(size)))
                    : retryingInterrupts { system.read(descriptor, buffer) }
                let bytes = UnsafeRawBufferPointer(buffer)
                let written = count >= 8 ? layout.memberCount(bytes) : 0
                guard count == size, written == UInt64(members) else { return (count, written) }
                layout.decode(bytes, into: out)
                return (count, written)
            }
        }
        if outcome.count != size || outcome.written != UInt64(members) {
            try shortGroupRead(outcome.count, written: outcome.written, into: &values)
        }
    }

    /// A group read that did not return every member: an error, or end of file
    /// (a pinned group that could not stay on its PMU: no count). Out of line.
    @inline(never)
    private func shortGroupRead(_ count: Int, written: UInt64, into values: inout [CounterValue]) throws(CounterError) {
        if count == 0 {
            for index in values.indices { values[index] = CounterValue(raw: 0, timeEnabled: 0, timeRunning: 0) }
            return
        }
        throw readFailure(count: count, written: written)
    }

    /// The same for ``read(into:)``: end of file stores zeros for every event;
    /// otherwise the reading is left empty and the error thrown.
    @inline(never) @usableFromInline
    func shortGroupRead(_ count: Int, written: UInt64, into reading: inout GroupReading) throws(CounterError) {
        if count == 0 {
            reading.store([CounterValue](repeating: CounterValue(raw: 0, timeEnabled: 0, timeRunning: 0),
                                         count: memberCount))
            return
        }
        reading.eventCount = 0
        throw readFailure(count: count, written: written)
    }

    /// Why a group read of `count` bytes (or -errno) in which the kernel said it
    /// wrote `written` members is not an answer.
    private func readFailure(count: Int, written: UInt64) -> CounterError {
        let leader = counters[0]
        if count < 0 { return leader.error(.read, errno: Errno(rawValue: Int32(truncatingIfNeeded: -count))) }
        return CounterError(operation: .read, errno: nil, label: leader.label, attributes: leader.attributes,
                            message: "the group read returned \(written) values for \(layout.members) events"
                                + " (read_format 0x" + String(leader.readFormat.rawValue, radix: 16)
                                + ", \(layout.size) bytes expected, \(count) read)")
    }

    /// Per slot (in the order of `slots`), one count per event: one `read(2)` of the leader each.
    public func readEach() throws(CounterError) -> [[RawCount]] {
        var result: [[RawCount]] = []
        for descriptor in counters[0].descriptors {
            var counts: [RawCount] = []
            counts.reserveCapacity(counters.count)
            try readSlot(descriptor) { counts.append($0) }
            result.append(counts)
        }
        return result
    }

    /// One `read(2)` of the leader's `descriptor`, each event's count handed to
    /// `body` in order (``readEach()``, one slot of several): scratch memory,
    /// fixed offsets, nothing allocated.
    private func readSlot(_ descriptor: Int32, _ body: (RawCount) -> Void) throws(CounterError) {
        let layout = self.layout
        let members = layout.members
        let size = layout.size
        let system = self.system
        let direct = system.isKernel
        // nil: read and handed out; else why not (the count read, the members the kernel wrote).
        let failure: (count: Int, written: UInt64)? = withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer in
            let count: Int = direct ? Int(cpe_read_retrying(descriptor, buffer.baseAddress, UInt64(size)))
                : retryingInterrupts { system.read(descriptor, buffer) }
            if count < 0 { return (count, 0) }
            if count == 0 {
                // A pinned group that could not stay on the PMU reads as end of file: not counted.
                for _ in 0..<members { body(RawCount(value: 0, timeEnabled: 0, timeRunning: 0)) }
                return nil
            }
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
            // Checked before handing anything out: a group of another size is an error, not a partial answer.
            let written = count >= 8 ? layout.memberCount(bytes) : 0
            guard written == UInt64(members), count >= size else { return (count, written) }
            layout.decode(bytes, members: members, body)
            return nil
        }
        if let failure { throw readFailure(count: failure.count, written: failure.written) }
    }
}
