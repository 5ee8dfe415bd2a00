/// The values of one ``CounterGroup`` read, in storage the caller owns and
/// reuses: what a tight loop reads a group into.
///
/// The kernel writes a group read straight into this storage (`nr`, time
/// enabled, time running, then per event its value, id and, on Linux 6.0+,
/// lost), and a value is decoded when it is asked for, so a read costs the
/// system call and a check of `nr`. Noncopyable: the storage has one owner and
/// is freed with it.
///
/// ```swift
/// var reading = GroupReading(for: group)
/// for _ in 0..<1_000_000 {
///     try group.read(into: &reading)
///     total &+= reading[1].raw
/// }
/// ```
public struct GroupReading: ~Copyable {
    /// The words of the last read, in the library's group read format.
    @usableFromInline var words: UnsafeMutablePointer<UInt64>
    /// How many words ``words`` holds.
    @usableFromInline var wordCapacity: Int
    /// Words per event after the three header words: 2 (value, id) or 3 (and lost).
    @usableFromInline var eventWords: Int
    /// Events in the last read; 0 before the first.
    @usableFromInline var eventCount: Int

    /// Storage for a group of `events` events (grown by a read that needs more).
    public init(events: Int) {
        let capacity = 3 + 3 * max(events, 1)
        words = .allocate(capacity: capacity)
        words.initialize(repeating: 0, count: capacity)
        wordCapacity = capacity
        eventWords = 2
        eventCount = 0
    }

    /// Storage sized for `group`.
    public init(for group: CounterGroup) {
        self.init(events: group.events.count)
    }

    deinit { words.deallocate() }

    /// The events in the last read, leader first (0 before the first read).
    @inlinable
    public var count: Int { eventCount }

    /// The value of event `index` (leader first) in the last read, as
    /// ``CounterGroup/read()`` would give it.
    @inlinable
    public subscript(index: Int) -> CounterValue {
        precondition(index >= 0 && index < eventCount, "GroupReading has \(eventCount) values, not \(index + 1)")
        let base = 3 + index * eventWords
        return CounterValue(raw: words[base], timeEnabled: words[1], timeRunning: words[2],
                            lost: eventWords > 2 ? words[base + 2] : nil)
    }

    /// Every value of the last read, leader first.
    public var values: [CounterValue] {
        var values: [CounterValue] = []
        values.reserveCapacity(eventCount)
        for index in 0..<eventCount { values.append(self[index]) }
        return values
    }

    /// Makes room for a read of `bytes` bytes.
    @usableFromInline
    mutating func reserve(bytes: Int) {
        let needed = (bytes + 7) / 8
        guard needed > wordCapacity else { return }
        words.deallocate()
        words = .allocate(capacity: needed)
        words.initialize(repeating: 0, count: needed)
        wordCapacity = needed
    }

    /// Stores values decoded elsewhere (several CPUs summed, a replaced
    /// `read(2)`) in the same layout. The values of one group share their
    /// times; the first value's are kept.
    mutating func store(_ values: [CounterValue]) {
        let lost = values.contains { $0.lost != nil }
        let perEvent = lost ? 3 : 2
        reserve(bytes: 8 * (3 + perEvent * values.count))
        words[0] = UInt64(values.count)
        words[1] = values.first?.timeEnabled ?? 0
        words[2] = values.first?.timeRunning ?? 0
        for (index, value) in values.enumerated() {
            let base = 3 + index * perEvent
            words[base] = value.raw
            words[base + 1] = 0
            if lost { words[base + 2] = value.lost ?? 0 }
        }
        eventWords = perEvent
        eventCount = values.count
    }
}
