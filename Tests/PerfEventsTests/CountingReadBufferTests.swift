import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct CountingReadBufferTests {
    @Test func singleWithEveryField() throws {
        let format = ReadFormat.counting.union(.lost)
        let count = try ReadBuffer.decodeSingle(bytes([1234, 500, 400, 77, 3]), format: format)
        #expect(count == RawCount(value: 1234, timeEnabled: 500, timeRunning: 400, id: 77, lost: 3))
    }

    @Test func singleWithoutOptionalFields() throws {
        #expect(try ReadBuffer.decodeSingle(bytes([9]), format: []) == RawCount(value: 9, timeEnabled: 0, timeRunning: 0))
        let onlyRunning = try ReadBuffer.decodeSingle(bytes([9, 42]), format: [.totalTimeRunning])
        #expect(onlyRunning.timeRunning == 42 && onlyRunning.timeEnabled == 0 && onlyRunning.id == nil)
        let idOnly = try ReadBuffer.decodeSingle(bytes([9, 5]), format: [.id])
        #expect(idOnly.id == 5 && idOnly.lost == nil)
    }

    @Test func shortSingleBufferIsAnError() {
        #expect(throws: ReadBufferError(expected: 32, actual: 24, format: .counting)) {
            try ReadBuffer.decodeSingle(bytes([1, 2, 3]), format: .counting)
        }
    }

    @Test func groupWithIdsAndLost() throws {
        let format = ReadFormat.counting.union([.group, .lost])
        let image = bytes([2, 1000, 900, /* leader */ 11, 101, 0, /* member */ 22, 102, 0])
        let counts = try ReadBuffer.decodeGroup(image, format: format)
        #expect(counts == [
            RawCount(value: 11, timeEnabled: 1000, timeRunning: 900, id: 101, lost: 0),
            RawCount(value: 22, timeEnabled: 1000, timeRunning: 900, id: 102, lost: 0),
        ])
    }

    @Test func groupWithoutTimes() throws {
        let counts = try ReadBuffer.decodeGroup(bytes([3, 5, 6, 7]), format: [.group])
        #expect(counts.map(\.value) == [5, 6, 7])
        #expect(counts.allSatisfy { $0.id == nil && $0.timeRunning == 0 })
    }

    @Test func groupClaimingMoreValuesThanItHoldsIsAnError() {
        let format = ReadFormat.counting.union(.group)
        #expect(throws: ReadBufferError.self) {
            try ReadBuffer.decodeGroup(bytes([3, 1, 1, 5, 50, 6, 60]), format: format)
        }
        // A corrupt count near 2^64 must not overflow the size arithmetic.
        #expect(throws: ReadBufferError.self) {
            try ReadBuffer.decodeGroup(bytes([UInt64.max, 1, 1]), format: format)
        }
    }

    @Test func layoutsAreNotInterchangeable() {
        #expect(throws: ReadBufferError.self) { try ReadBuffer.decodeSingle(bytes([1, 2, 3, 4]), format: [.group]) }
        #expect(throws: ReadBufferError.self) { try ReadBuffer.decodeGroup(bytes([1, 2, 3, 4]), format: .counting) }
    }
}
