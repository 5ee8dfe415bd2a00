import Testing
@testable import PerfEvents

/// The non-allocating read paths give what the allocating ones give.
@Suite(.timeLimit(.minutes(5))) struct CountingReadIntoTests {
    static let software = [
        Event(label: "task-clock", attributes: EventAttributes(type: LegacyType.software, config: 1)),
        Event(label: "page-faults", attributes: EventAttributes(type: LegacyType.software, config: 2)),
    ]

    @Test func readIntoAGroupReadingGivesWhatReadGives() throws {
        let group = try CounterGroup(Self.software)
        var reading = GroupReading(for: group)
        #expect(reading.count == 0)
        try group.enable()
        try group.read(into: &reading)
        #expect(reading.count == 2)
        #expect(reading.values.allSatisfy { $0.status == .counted })
        let first = reading[0].raw
        try group.read(into: &reading)
        #expect(reading[0].raw >= first)   // task-clock only grows
        try group.disable()
        let stopped = try group.read()
        try group.read(into: &reading)
        #expect(reading.values == stopped)
        #expect(group.descriptors.count == 1)
    }

    /// A reading made for a smaller group grows; one made for a larger group serves.
    @Test func aReadingOfAnotherSizeServes() throws {
        let group = try CounterGroup(Self.software)
        try group.disable()
        var small = GroupReading(events: 1)
        try group.read(into: &small)
        var large = GroupReading(events: 8)
        try group.read(into: &large)
        #expect(small.values == (try group.read()))
        #expect(large.values == small.values)
    }

    /// The general path (a replaced read(2)) stores what the kernel said in the same layout.
    @Test func theGeneralPathFillsTheReading() throws {
        var system = SystemMock()
        system.read = { _, buffer in
            // nr = 2, enabled 10, running 5, then value/id/lost per event (library format with lost).
            let words: [UInt64] = [2, 10, 5, 100, 1, 0, 200, 2, 0]
            let count = min(buffer.count / 8, words.count)
            for index in 0..<count { buffer.storeBytes(of: words[index], toByteOffset: index * 8, as: UInt64.self) }
            return count * 8
        }
        let group = try system.installed { () throws(CounterError) in try CounterGroup(Self.software) }
        var reading = GroupReading(for: group)
        try group.read(into: &reading)
        #expect(reading.count == 2)
        #expect(reading[0].raw == 100 && reading[1].raw == 200)
        #expect(reading[1].status == .multiplexed)
        #expect(reading[1].scaled == 400)
    }

    /// A group read whose value count differs from the group's events is an error (mock kernel).
    @Test func aGroupReadOfTheWrongSizeIsAnError() throws {
        var system = SystemMock()
        system.read = { _, buffer in
            // nr = 3 for a group of 2, with the library's read format.
            let words: [UInt64] = [3, 10, 10, 1, 1, 0, 2, 2, 0, 3, 3, 0]
            for (index, word) in words.enumerated() where (index + 1) * 8 <= buffer.count {
                buffer.storeBytes(of: word, toByteOffset: index * 8, as: UInt64.self)
            }
            return min(buffer.count, words.count * 8)
        }
        let group = try system.installed { () throws(CounterError) in try CounterGroup(Self.software) }
        #expect(throws: CounterError.self) { try group.read() }
        var reading = GroupReading(for: group)
        #expect(throws: CounterError.self) { try group.read(into: &reading) }
        #expect(reading.count == 0)
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
