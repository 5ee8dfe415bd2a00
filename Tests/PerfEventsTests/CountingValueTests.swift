import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct CountingValueTests {
    @Test func fullyRunningIsCountedAndExact() {
        let value = CounterValue(raw: 1000, timeEnabled: 50, timeRunning: 50)
        #expect(value.status == .counted)
        #expect(value.scaled == 1000)
        #expect(value.runningPercent == 100)
    }

    @Test func multiplexedScalesByEnabledOverRunning() {
        let value = CounterValue(raw: 1000, timeEnabled: 300, timeRunning: 100)
        #expect(value.status == .multiplexed)
        #expect(value.scaled == 3000)
        #expect(value.runningPercent == 33)
        // Rounded down, as perf's cast of the double product is.
        #expect(CounterValue(raw: 10, timeEnabled: 3, timeRunning: 2).scaled == 15)
        #expect(CounterValue(raw: 7, timeEnabled: 3, timeRunning: 2).scaled == 10)
    }

    @Test func scalingUsesA128BitIntermediate() {
        // 2^62 × 3 overflows 64 bits before the division by 2.
        let raw: UInt64 = 1 << 62
        #expect(CounterValue.scale(raw, enabled: 3, running: 2) == (1 << 62) + (1 << 61))
        #expect(CounterValue.scale(UInt64.max, enabled: UInt64.max, running: UInt64.max) == UInt64.max)
        #expect(CounterValue.scale(UInt64.max, enabled: 1_000_000, running: 999_999) == UInt64.max)  // capped
        #expect(CounterValue.scale(5, enabled: 9, running: 0) == nil)
    }

    @Test func neverRunningIsNotCountedNotZero() {
        let value = CounterValue(raw: 0, timeEnabled: 1000, timeRunning: 0)
        #expect(value.status == .notCounted)
        #expect(value.scaled == nil)
        #expect(CounterValue(raw: 0, timeEnabled: 0, timeRunning: 0).status == .notCounted)
    }

    @Test func notSupportedCarriesTheReason() {
        let error = CounterError(operation: .open, errno: .noSuchFileOrDirectory, label: "cycles",
                                 attributes: EventAttributes(type: 0), message: "no hardware PMU")
        let value = CounterValue(notSupported: error)
        #expect(value.status == .notSupported(reason: .refused(error)))
        #expect(UnavailableReason.refused(error).description == "no hardware PMU")
        #expect(value.scaled == nil)
    }

    @Test func aggregationSumsThenScales() {
        let counts = [
            RawCount(value: 100, timeEnabled: 10, timeRunning: 10, id: 1, lost: 0),
            RawCount(value: 50, timeEnabled: 10, timeRunning: 5, id: 2, lost: 1),
            RawCount(value: 0, timeEnabled: 10, timeRunning: 0, id: 3, lost: 0),
        ]
        let value = CounterValue(aggregating: counts)
        #expect(value.raw == 150)
        #expect(value.timeEnabled == 30)
        #expect(value.timeRunning == 15)
        #expect(value.lost == 1)
        #expect(value.status == .multiplexed)
        #expect(value.scaled == 300)
        #expect(CounterValue(aggregating: [RawCount]()).status == .notCounted)
        #expect(CounterValue(aggregating: [RawCount(value: 1, timeEnabled: 1, timeRunning: 1)]).lost == nil)
    }
}
