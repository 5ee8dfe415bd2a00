import Testing
@testable import PerfEvents

/// The non-allocating read paths give what the allocating ones give.
struct CountingReadIntoTests {
    static let software = [
        CounterEvent(label: "task-clock", attributes: EventAttributes(type: LegacyType.software, config: 1)),
        CounterEvent(label: "page-faults", attributes: EventAttributes(type: LegacyType.software, config: 2)),
    ]

    @Test func readIntoReplacesTheContentsAndKeepsTheStorage() throws {
        let group = try CounterGroup(Self.software)
        try group.enable()
        var values = [CounterValue(raw: 7, timeEnabled: 1, timeRunning: 1)]
        values.reserveCapacity(8)
        try group.read(into: &values)
        let capacity = values.capacity
        #expect(values.count == 2)
        #expect(values.allSatisfy { $0.status == .counted })
        try group.read(into: &values)
        #expect(values.count == 2)
        #expect(values.capacity == capacity)
        try group.disable()
        let stopped = try group.read()
        try group.read(into: &values)
        #expect(values == stopped)
        #expect(group.descriptors.count == 1)
    }

    /// A group read whose value count differs from the group's events is an error (mock kernel).
    @Test func aGroupReadOfTheWrongSizeIsAnError() throws {
        var system = SystemCalls.live
        system.read = { _, buffer in
            // nr = 3 for a group of 2, with the library's read format.
            let words: [UInt64] = [3, 10, 10, 1, 1, 0, 2, 2, 0, 3, 3, 0]
            for (index, word) in words.enumerated() where (index + 1) * 8 <= buffer.count {
                buffer.storeBytes(of: word, toByteOffset: index * 8, as: UInt64.self)
            }
            return min(buffer.count, words.count * 8)
        }
        let group = try CounterGroup(Self.software, system: system)
        #expect(throws: CounterError.self) { try group.read() }
        var values: [CounterValue] = []
        #expect(throws: CounterError.self) { try group.read(into: &values) }
    }

    /// One slot: read() decodes in place and agrees with readEach().
    @Test func singleSlotReadAgreesWithReadEach() throws {
        let counter = try Counter(Self.software[1], options: CounterOptions(startDisabled: false))
        try counter.disable()
        let value = try counter.read()
        let each = try counter.readEach()
        #expect(each.count == 1)
        #expect(value == CounterValue(aggregating: each))
    }
}
