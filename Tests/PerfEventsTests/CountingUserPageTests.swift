import Testing
@testable import PerfEvents

/// An in-memory `perf_event_mmap_page`, filled field by field.
final class PageImage {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
    init() { memory.initializeMemory(as: UInt8.self, repeating: 0, count: 4096) }
    deinit { memory.deallocate() }

    static let rdpmc: UInt64 = 1 << 2, time: UInt64 = 1 << 3, timeZero: UInt64 = 1 << 4, timeShort: UInt64 = 1 << 5
    static let bit0IsDeprecated: UInt64 = 1 << 1

    var lock: UInt32 { get { load(8) } set { store(newValue, 8) } }
    var index: UInt32 { get { load(12) } set { store(newValue, 12) } }
    var offset: Int64 { get { load(16) } set { store(newValue, 16) } }
    var timeEnabled: UInt64 { get { load(24) } set { store(newValue, 24) } }
    var timeRunning: UInt64 { get { load(32) } set { store(newValue, 32) } }
    var capabilities: UInt64 { get { load(40) } set { store(newValue, 40) } }
    var pmcWidth: UInt16 { get { load(48) } set { store(newValue, 48) } }
    var timeShift: UInt16 { get { load(50) } set { store(newValue, 50) } }
    var timeMult: UInt32 { get { load(52) } set { store(newValue, 52) } }
    var timeOffset: UInt64 { get { load(56) } set { store(newValue, 56) } }
    var timeZero: UInt64 { get { load(64) } set { store(newValue, 64) } }
    var timeCycles: UInt64 { get { load(80) } set { store(newValue, 80) } }
    var timeMask: UInt64 { get { load(88) } set { store(newValue, 88) } }

    private func load<T>(_ offset: Int) -> T { memory.load(fromByteOffset: offset, as: T.self) }
    private func store<T>(_ value: T, _ offset: Int) { memory.storeBytes(of: value, toByteOffset: offset, as: T.self) }

    /// A page whose counter is on hardware counter `index` of `width` bits, readable from user space.
    static func onCounter(index: UInt32, width: UInt16, offset: Int64) -> PageImage {
        let page = PageImage()
        page.lock = 2
        page.index = index
        page.offset = offset
        page.pmcWidth = width
        page.capabilities = bit0IsDeprecated | rdpmc
        page.timeEnabled = 1000
        page.timeRunning = 1000
        return page
    }

    func read(counter: @escaping (UInt32) -> UInt64, clock: @escaping () -> UInt64 = { 0 },
              attempts: Int = UserPage.maximumAttempts) -> UserPageOutcome {
        UserPage.read(page: UnsafeRawPointer(memory), readCounter: counter, readClock: clock,
                      barrier: {}, maximumAttempts: attempts)
    }

    /// The loop as Counter.readInUserSpace() inlines it: the clock fields only when needed.
    func readAsCounter(counter: @escaping (UInt32) -> UInt64, clock: @escaping () -> UInt64 = { 0 }) -> UserPageOutcome {
        UserPage.read(page: UnsafeRawPointer(memory), readCounter: counter, readClock: clock,
                      barrier: {}, clockAlways: false)
    }
}

@Suite(.timeLimit(.minutes(5))) struct CountingUserPageTests {
    func count(_ outcome: UserPageOutcome) -> RawCount? {
        if case .counted(let count, _) = outcome { return count }
        return nil
    }

    @Test func readsOffsetPlusRegisterOfIndexMinusOne() {
        let page = PageImage.onCounter(index: 3, width: 48, offset: 1_000_000)
        var asked: [UInt32] = []
        let outcome = page.read(counter: { asked.append($0); return 5000 })
        #expect(asked == [2])
        #expect(count(outcome) == RawCount(value: 1_005_000, timeEnabled: 1000, timeRunning: 1000))
    }

    @Test func signExtendsToTheCounterWidth() {
        // A 48-bit counter holding all ones is -1: the kernel preloads counters with negative values.
        let page = PageImage.onCounter(index: 1, width: 48, offset: 1000)
        #expect(count(page.read(counter: { _ in 0xFFFF_FFFF_FFFF }))?.value == 999)
        // Bits above the width are garbage and ignored.
        #expect(count(page.read(counter: { _ in 0xABCD_0000_0000_0010 }))?.value == 1016)
        // A 40-bit counter with its top bit set.
        page.pmcWidth = 40
        #expect(count(page.read(counter: { _ in 0x80_0000_0000 }))?.value == UInt64(bitPattern: 1000 - (1 << 39)))
        // Full width: no extension.
        page.pmcWidth = 64
        #expect(count(page.read(counter: { _ in 5 }))?.value == 1005)
        #expect(UserPage.signExtend(0x7FFF_FFFF_FFFF, width: 48) == 0x7FFF_FFFF_FFFF)
        #expect(UserPage.signExtend(0x8000_0000_0000, width: 48) == -0x8000_0000_0000)
        #expect(UserPage.signExtend(1, width: 1) == -1)
    }

    @Test func offsetPlusCounterWrapsAround() {
        let page = PageImage.onCounter(index: 1, width: 64, offset: Int64.max)
        #expect(count(page.read(counter: { _ in 2 }))?.value == (UInt64(1) << 63) + 1)
        let negative = PageImage.onCounter(index: 1, width: 32, offset: -10)
        #expect(count(negative.read(counter: { _ in 4 }))?.value == UInt64.max - 5)
    }

    @Test func retriesWhenTheLockChangesMidRead() {
        let page = PageImage.onCounter(index: 1, width: 48, offset: 100)
        var reads = 0
        let outcome = page.read(counter: { _ in
            reads += 1
            if reads == 1 {
                // The kernel rescheduled the event while we read: new offset, new sequence.
                page.offset = 200
                page.lock += 2
                return 1
            }
            return 7
        })
        #expect(reads == 2)
        #expect(count(outcome)?.value == 207)
    }

    @Test func anOddLockIsAnUpdateInProgress() {
        let page = PageImage.onCounter(index: 1, width: 48, offset: 0)
        page.lock = 3
        var reads = 0
        let outcome = page.read(counter: { _ in
            reads += 1
            if reads == 2 { page.lock = 4 }
            return 9
        })
        #expect(reads == 3)
        #expect(count(outcome)?.value == 9)
    }

    @Test func aLockThatNeverSettlesFallsBackInsteadOfHanging() {
        let page = PageImage.onCounter(index: 1, width: 48, offset: 0)
        let outcome = page.read(counter: { _ in page.lock &+= 2; return 0 }, attempts: 50)
        #expect(outcome == .fallBack(.pageUnstable))
    }

    @Test func fallsBackWithoutUserAccessOrCounter() {
        let software = PageImage.onCounter(index: 0, width: 0, offset: 123)
        software.capabilities = PageImage.bit0IsDeprecated  // no rdpmc, as for task-clock
        var called = false
        #expect(software.read(counter: { _ in called = true; return 0 }) == .fallBack(.noUserAccess))
        let descheduled = PageImage.onCounter(index: 0, width: 48, offset: 123)
        #expect(descheduled.read(counter: { _ in called = true; return 0 }) == .fallBack(.notOnCounter))
        #expect(!called)
        let badWidth = PageImage.onCounter(index: 1, width: 65, offset: 0)
        #expect(badWidth.read(counter: { _ in 0 }) == .fallBack(.invalidCounterWidth(65)))
        // Before Linux 3.12 bit 0 was ambiguous: such a page offers nothing.
        let old = PageImage.onCounter(index: 1, width: 48, offset: 0)
        old.capabilities = PageImage.rdpmc
        #expect(old.read(counter: { _ in 1 }) == .fallBack(.noUserAccess))
    }

    @Test func extrapolatesTimesWhenMultiplexed() {
        let page = PageImage.onCounter(index: 1, width: 48, offset: 0)
        page.capabilities |= PageImage.time | PageImage.timeZero
        page.timeEnabled = 1000
        page.timeRunning = 600
        page.timeMult = 3 << 10   // 3 ns per cycle, shift 10
        page.timeShift = 10
        page.timeOffset = UInt64(bitPattern: -50)
        page.timeZero = 7
        let outcome = page.read(counter: { _ in 10 }, clock: { 100 })
        // delta = offset + cycles × mult >> shift = -50 + 300 = 250, added to both times.
        guard case .counted(let counted, let clock) = outcome else {
            Issue.record("expected a count, got \(outcome)")
            return
        }
        #expect(counted.timeEnabled == 1250)
        #expect(counted.timeRunning == 850)
        #expect(clock?.timestamp(cycles: 100) == 307)
        // Equal times are left alone, and the clock is not even read.
        page.timeRunning = 1000
        var clockRead = false
        let steady = count(page.read(counter: { _ in 10 }, clock: { clockRead = true; return 100 }))
        #expect(steady?.timeEnabled == 1000 && steady?.timeRunning == 1000)
        #expect(!clockRead)
    }

    @Test func shortClockIsWidenedPastItsWrap() {
        let clock = UserPageClock(timeMultiplier: 1, timeShift: 0, timeOffset: 0,
                                  shortClock: UserPageClock.ShortClock(cycles: 0xFFF0, mask: 0xFFFF))
        // A 16-bit clock that wrapped from 0xFFF0 to 0x0010: 0x20 cycles later.
        #expect(clock.extend(0x0010) == 0x1_0010)
        #expect(clock.delta(cycles: 0x0010) == 0x1_0010)
        #expect(UserPageClock.multiplyShift(UInt64.max, UInt32.max, 32) == UInt64.max - (1 << 32))
        #expect(UserPageClock.multiplyShift(1 << 40, 1 << 31, 70) == 2)
        #expect(UserPageClock.multiplyShift(5, 7, 200) == 0)
    }

    /// Counter.readInUserSpace()'s form of the loop (`rdpmc` on x86_64, `mrs` on arm64 in
    /// place of the closures) counts as the full one does; it skips the clock fields when
    /// the times need no extrapolating, so its outcome has no clock then.
    @Test func theCountersFormCountsAsTheFullReadDoes() throws {
        let steady = PageImage.onCounter(index: 32, width: 64, offset: -5)
        steady.capabilities |= PageImage.time | PageImage.timeShort
        steady.timeMult = 7
        steady.timeMask = 0xFF
        let multiplexed = PageImage.onCounter(index: 2, width: 40, offset: 1 << 41)
        multiplexed.capabilities |= PageImage.time | PageImage.timeZero | PageImage.timeShort
        multiplexed.timeRunning = 400
        multiplexed.timeMult = 5 << 3
        multiplexed.timeShift = 3
        multiplexed.timeCycles = 0xF0
        multiplexed.timeMask = 0xFF
        let noTime = PageImage.onCounter(index: 1, width: 48, offset: 0)
        noTime.timeRunning = 10   // multiplexed, but the page has no clock: times as they are
        let software = PageImage.onCounter(index: 0, width: 0, offset: 3)
        software.capabilities = PageImage.bit0IsDeprecated
        let badWidth = PageImage.onCounter(index: 1, width: 0, offset: 0)
        for page in [steady, multiplexed, noTime, software, badWidth] {
            var asked: [UInt32] = []
            let full = page.read(counter: { asked.append($0); return 0xFF_FFFF_FFFF }, clock: { 0x10 })
            let lean = page.readAsCounter(counter: { asked.append($0); return 0xFF_FFFF_FFFF }, clock: { 0x10 })
            switch (full, lean) {
            case (.counted(let expected, let clock), .counted(let count, let leanClock)):
                #expect(count == expected)
                let extrapolated = page.capabilities & PageImage.time != 0 && page.timeEnabled != page.timeRunning
                #expect(leanClock == (extrapolated ? clock : nil))
            default:
                #expect(lean == full)
            }
            #expect(asked.count % 2 == 0 && asked.prefix(asked.count / 2) == asked.suffix(asked.count / 2))
        }
        // The counts themselves: 64 bits at index 32 (the arm64 cycle counter, register 31).
        // (Unwrapped before #expect: comparing an optional UInt64 with a literal inside #expect
        // read 9 bytes of an 8-byte stack slot under AddressSanitizer.)
        let steadyCount = try #require(count(steady.readAsCounter(counter: { $0 == 31 ? 100 : 0 })))
        #expect(steadyCount.value == 95)
        // 40 bits sign-extended, offset added; times extrapolated by the short clock widened
        // past its 8-bit wrap (0x10 read after 0xF0: 0x110 cycles) x 5 ns = 1360 ns.
        let counted = try #require(count(multiplexed.readAsCounter(counter: { _ in 0xFF_FFFF_FFFF }, clock: { 0x10 })))
        #expect(counted.value == (1 << 41) - 1)
        #expect(counted.timeEnabled == 1000 + 1360 && counted.timeRunning == 400 + 1360)
        let noTimeCount = try #require(count(noTime.readAsCounter(counter: { _ in 1 })))
        #expect(noTimeCount.timeRunning == 10)
    }

    /// A counter whose mapped page is an image (the mmap seam): readInUserSpace() reads it
    /// through the inlined loop and falls back to read(2) saying why; the page's register is
    /// never read here (no `rdpmc` on a host without a PMU).
    @Test func aCounterReadsItsPageOrSaysWhyItCannot() throws {
        let cases: [(PageImage, UserReadFallback)] = [
            ({ let p = PageImage.onCounter(index: 1, width: 48, offset: 0); p.capabilities = PageImage.bit0IsDeprecated; return p }(),
             .noUserAccess),
            (PageImage.onCounter(index: 0, width: 48, offset: 0), .notOnCounter),
            ({ let p = PageImage.onCounter(index: 1, width: 48, offset: 0); p.capabilities = PageImage.rdpmc; return p }(),
             .noUserAccess),
            ({ let p = PageImage.onCounter(index: 0, width: 48, offset: 0); p.lock = 3; return p }(), .pageUnstable),
        ]
        for (page, reason) in cases {
            var system = SystemMock()
            let address = Int64(Int(bitPattern: page.memory))
            system.mmap = { _, _, _, _, _ in address }
            system.munmap = { _, _ in 0 }
            var options = CounterOptions()
            options.userSpaceReads = true
            let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "task-clock", attributes: EventAttributes(type: LegacyType.software, config: 1)),
                                      options: options) }
            try counter.enable()
            let reading = try counter.readInUserSpace()
            #expect(reading.method == .systemCall(reason))
            #expect(reading.value.status == .counted && reading.value.raw > 0)   // read(2) of the live task-clock
            withExtendedLifetime(page) {}
        }
    }

    /// A group opened with userSpaceReads maps every event's page (one mmap per event's own
    /// descriptor); readInUserSpace(into:) reads them and, when a page refuses, reads the
    /// whole group with read(2) saying why; without the option it says the pages are not
    /// mapped. The refusing page is the last event's, which is read first (no register is
    /// read here: no `rdpmc` on a host without a PMU).
    @Test func aGroupReadsEveryEventsPageOrSaysWhyItCannot() throws {
        let events = [Event(label: "task-clock", attributes: EventAttributes(type: LegacyType.software, config: 1)),
                      Event(label: "context-switches", attributes: EventAttributes(type: LegacyType.software, config: 3))]
        let leader = PageImage.onCounter(index: 0, width: 48, offset: 0)
        let cases: [(PageImage, UserReadFallback)] = [
            ({ let p = PageImage.onCounter(index: 1, width: 48, offset: 0); p.capabilities = PageImage.bit0IsDeprecated; return p }(),
             .noUserAccess),
            (PageImage.onCounter(index: 0, width: 48, offset: 0), .notOnCounter),
            ({ let p = PageImage.onCounter(index: 0, width: 48, offset: 0); p.lock = 3; return p }(), .pageUnstable),
        ]
        for (member, reason) in cases {
            var system = SystemMock()
            let mapped = Recorder<[Int32]>([])
            let addresses = [leader, member].map { Int64(Int(bitPattern: $0.memory)) }
            system.mmap = { _, _, _, descriptor, _ in
                let count = mapped.update { $0.append(descriptor); return $0.count }
                return addresses[min(count, addresses.count) - 1]
            }
            system.munmap = { _, _ in 0 }
            var options = CounterOptions()
            options.userSpaceReads = true
            let group = try system.installed { () throws(CounterError) in try CounterGroup(events, options: options) }
            let descriptors = mapped.current
            #expect(descriptors.count == 2 && Set(descriptors).count == 2 && descriptors.first == group.descriptors[0])
            try group.enable()
            var reading = GroupReading(for: group)
            #expect(try group.readInUserSpace(into: &reading) == .systemCall(reason))
            #expect(reading.count == 2 && reading[0].status == .counted && reading[0].raw > 0)  // read(2) of the live task-clock
            withExtendedLifetime(member) {}
        }
        let unmapped = try CounterGroup(events)
        try unmapped.enable()
        var reading = GroupReading(for: unmapped)
        #expect(try unmapped.readInUserSpace(into: &reading) == .systemCall(.notMapped))
        #expect(reading.count == 2 && reading[0].raw > 0)
        withExtendedLifetime(leader) {}
    }
}
