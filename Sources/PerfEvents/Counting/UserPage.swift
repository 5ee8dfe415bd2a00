/// How a counter value was read.
public enum ReadMethod: Hashable, Sendable {
    /// From user space: the mmap page plus the hardware counter register
    /// (`rdpmc` on x86_64, `mrs PMEVCNTR<n>_EL0` on arm64), no system call.
    case userSpace
    /// With `read(2)`, because user-space reading was not possible; the reason says why.
    case systemCall(UserReadFallback)
}

/// Why a user-space read fell back to `read(2)`.
public enum UserReadFallback: Hashable, Sendable, CustomStringConvertible {
    /// The counter has no metadata page: not opened with ``CounterOptions/userSpaceReads``,
    /// or not counting the calling thread alone (the page describes a counter
    /// only on the CPU where its thread runs).
    case notMapped
    /// This architecture has no user-space counter instruction in this library.
    case unsupportedArchitecture
    /// The kernel does not let user space read this counter (`cap_user_rdpmc` is 0:
    /// a software event, `/sys/devices/cpu/rdpmc` = 0, or arm64 without `perf_user_access`).
    case noUserAccess
    /// The event is not on a hardware counter right now (`index` is 0).
    case notOnCounter
    /// The page's `pmc_width` is not 1…64.
    case invalidCounterWidth(UInt16)
    /// The page changed under every attempt (its seqlock never settled).
    case pageUnstable

    /// The reason in words, with what would make user-space reads possible.
    public var description: String {
        switch self {
        case .notMapped:
            return "the counter has no metadata page: open it with CounterOptions.userSpaceReads on the calling thread alone"
        case .unsupportedArchitecture:
            return "this architecture has no user-space counter instruction in this library (x86_64 rdpmc, arm64 PMEVCNTR only)"
        case .noUserAccess:
            return "cap_user_rdpmc is 0 in the counter's mmap page: the kernel does not let user space read it"
                + " (a software event, /sys/bus/event_source/devices/cpu/rdpmc = 0, or arm64 without perf_user_access)"
        case .notOnCounter:
            return "the mmap page's index is 0: the event is not on a hardware counter now"
        case .invalidCounterWidth(let width):
            return "the mmap page's pmc_width is \(width), not 1...64"
        case .pageUnstable:
            return "the mmap page changed under every attempt (its seqlock never settled)"
        }
    }
}

/// The time conversion the mmap page publishes (`cap_user_time`): hardware
/// clock cycles (`rdtsc`, `CNTVCT_EL0`) to nanoseconds.
@usableFromInline package struct UserPageClock: Hashable, Sendable {
    @usableFromInline package var timeMultiplier: UInt32
    @usableFromInline package var timeShift: UInt16
    @usableFromInline package var timeOffset: UInt64
    /// `time_zero`, when `cap_user_time_zero`: converts cycles to perf sample timestamps.
    @usableFromInline package var timeZero: UInt64?
    /// `time_cycles` and `time_mask`, when `cap_user_time_short`: the clock is narrower than 64 bits.
    @usableFromInline package var shortClock: ShortClock?

    /// A clock narrower than 64 bits: `cycles` is a recent reading, `mask` its width.
    @usableFromInline package struct ShortClock: Hashable, Sendable {
        @usableFromInline package var cycles: UInt64
        @usableFromInline package var mask: UInt64
        @usableFromInline package init(cycles: UInt64, mask: UInt64) {
            self.cycles = cycles
            self.mask = mask
        }
    }

    @usableFromInline package init(timeMultiplier: UInt32, timeShift: UInt16, timeOffset: UInt64, timeZero: UInt64? = nil,
                shortClock: ShortClock? = nil) {
        self.timeMultiplier = timeMultiplier
        self.timeShift = timeShift
        self.timeOffset = timeOffset
        self.timeZero = timeZero
        self.shortClock = shortClock
    }

    /// `cycles` widened past a short clock's wrap-around (`cap_user_time_short`).
    @usableFromInline package func extend(_ cycles: UInt64) -> UInt64 {
        guard let short = shortClock else { return cycles }
        return short.cycles &+ ((cycles &- short.cycles) & short.mask)
    }

    /// Nanoseconds since the page's last update: `time_offset + cycles × mult >> shift`.
    @usableFromInline package func delta(cycles: UInt64) -> UInt64 {
        timeOffset &+ Self.multiplyShift(extend(cycles), timeMultiplier, timeShift)
    }

    /// The perf clock timestamp at `cycles` (`time_zero + cycles × mult >> shift`), when the page has `time_zero`.
    @usableFromInline package func timestamp(cycles: UInt64) -> UInt64? {
        timeZero.map { $0 &+ Self.multiplyShift(extend(cycles), timeMultiplier, timeShift) }
    }

    /// `⌊value × multiplier ÷ 2^shift⌋` modulo 2^64, exact (128-bit intermediate).
    static func multiplyShift(_ value: UInt64, _ multiplier: UInt32, _ shift: UInt16) -> UInt64 {
        let product = value.multipliedFullWidth(by: UInt64(multiplier))
        switch shift {
        case 0: return product.low
        case 1..<64: return (product.low >> UInt64(shift)) | (product.high << UInt64(64 - shift))
        case 64..<128: return product.high >> UInt64(shift - 64)
        default: return 0
        }
    }
}

/// What reading a counter's mmap page gave.
@usableFromInline package enum UserPageOutcome: Hashable, Sendable {
    /// The count and times, read consistently; the clock when the page has `cap_user_time`.
    case counted(RawCount, clock: UserPageClock?)
    /// User space cannot read this counter now: use `read(2)`.
    case fallBack(UserReadFallback)
}

/// The first page of a counter's mmap (`struct perf_event_mmap_page`) and the
/// seqlock protocol that reads it, as `linux/perf_event.h` describes and libperf's
/// `perf_mmap__read_self` does. Pure: it works on any memory laid out as the page
/// (an in-memory image in tests) with the counter register, clock and barrier given.
///
/// One loop serves both callers: ``read(page:readCounter:readClock:barrier:maximumAttempts:)``
/// (the page's clock returned too) and ``Counter/readInUserSpace()``, which inlines it
/// with the register, clock and barrier as inline C (`rdpmc` on x86_64, `mrs` on arm64)
/// and loads the clock fields only when the times need extrapolating, as C does.
@usableFromInline package enum UserPage {
    /// Byte offsets of the fields (pinned by `_Static_assert`s in CPerfEvents.c).
    @usableFromInline enum Offset {
        @inlinable static var lock: Int { 8 }
        @inlinable static var index: Int { 12 }
        @inlinable static var offset: Int { 16 }
        @inlinable static var timeEnabled: Int { 24 }
        @inlinable static var timeRunning: Int { 32 }
        @inlinable static var capabilities: Int { 40 }
        @inlinable static var pmcWidth: Int { 48 }
        @inlinable static var timeShift: Int { 50 }
        @inlinable static var timeMultiplier: Int { 52 }
        @inlinable static var timeOffset: Int { 56 }
        @inlinable static var timeZero: Int { 64 }
        @inlinable static var timeCycles: Int { 80 }
        @inlinable static var timeMask: Int { 88 }
    }

    /// `capabilities` bits.
    @usableFromInline enum Capability {
        @inlinable static var bit0IsDeprecated: UInt64 { 1 << 1 }
        @inlinable static var userRDPMC: UInt64 { 1 << 2 }
        @inlinable static var userTime: UInt64 { 1 << 3 }
        @inlinable static var userTimeZero: UInt64 { 1 << 4 }
        @inlinable static var userTimeShort: UInt64 { 1 << 5 }
    }

    /// How often to retry when the kernel updates the page under the reader.
    @usableFromInline package static let maximumAttempts = 1000

    /// Reads the count and times from a page.
    ///
    /// - Parameters:
    ///   - page: the mapped page (or an image of one).
    ///   - readCounter: reads hardware counter `index - 1` (`cpe_read_user_counter`).
    ///   - readClock: reads the clock the page converts (`cpe_read_timestamp`).
    ///   - barrier: keeps the loads between the two reads of `lock` (`cpe_compiler_barrier`).
    ///
    /// Times are extrapolated to now from the page's clock when `cap_user_time`
    /// is set and enabled ≠ running (the documented algorithm). Kernels before
    /// 3.12 (no `cap_bit0_is_deprecated`) are treated as offering nothing.
    @inline(never)
    @usableFromInline package static func read(
        page: UnsafeRawPointer,
        readCounter: (UInt32) -> UInt64,
        readClock: () -> UInt64,
        barrier: () -> Void,
        maximumAttempts: Int = maximumAttempts
    ) -> UserPageOutcome {
        read(page: page, readCounter: readCounter, readClock: readClock, barrier: barrier,
             maximumAttempts: maximumAttempts, clockAlways: true)
    }

    /// The seqlock loop: each field loaded once per attempt. With `clockAlways` false (the
    /// inlined form) the clock fields are not loaded and the outcome has no clock; a page
    /// whose times need extrapolating is read by the full loop, out of line. Always inlined,
    /// so that a caller's closures become the instructions themselves.
    @inlinable @inline(__always)
    static func read(
        page: UnsafeRawPointer,
        readCounter: (UInt32) -> UInt64,
        readClock: () -> UInt64,
        barrier: () -> Void,
        maximumAttempts: Int = maximumAttempts,
        clockAlways: Bool
    ) -> UserPageOutcome {
        var attempts = max(1, maximumAttempts)
        repeat {
            let sequence = page.load(fromByteOffset: Offset.lock, as: UInt32.self)
            barrier()
            var enabled = page.load(fromByteOffset: Offset.timeEnabled, as: UInt64.self)
            var running = page.load(fromByteOffset: Offset.timeRunning, as: UInt64.self)
            var capabilities = page.load(fromByteOffset: Offset.capabilities, as: UInt64.self)
            if capabilities & Capability.bit0IsDeprecated == 0 { capabilities = 0 }

            var clock: UserPageClock?
            var cycles: UInt64 = 0
            let extrapolate = capabilities & Capability.userTime != 0 && enabled != running
            // The inlined form leaves extrapolating (a multiplexed event) to the full loop, out
            // of line: its own loop keeps no clock state.
            if !clockAlways && extrapolate {
                return read(page: page, readCounter: readCounter, readClock: readClock, barrier: barrier,
                            maximumAttempts: attempts)
            }
            if capabilities & Capability.userTime != 0 && clockAlways {
                var pageClock = UserPageClock(
                    timeMultiplier: page.load(fromByteOffset: Offset.timeMultiplier, as: UInt32.self),
                    timeShift: page.load(fromByteOffset: Offset.timeShift, as: UInt16.self),
                    timeOffset: page.load(fromByteOffset: Offset.timeOffset, as: UInt64.self))
                if capabilities & Capability.userTimeZero != 0 {
                    pageClock.timeZero = page.load(fromByteOffset: Offset.timeZero, as: UInt64.self)
                }
                if capabilities & Capability.userTimeShort != 0 {
                    pageClock.shortClock = UserPageClock.ShortClock(
                        cycles: page.load(fromByteOffset: Offset.timeCycles, as: UInt64.self),
                        mask: page.load(fromByteOffset: Offset.timeMask, as: UInt64.self))
                }
                if extrapolate { cycles = readClock() }
                clock = pageClock
            }

            let index = page.load(fromByteOffset: Offset.index, as: UInt32.self)
            let offset = page.load(fromByteOffset: Offset.offset, as: Int64.self)
            // No register to read: the answer is a fallback once the page held still.
            guard capabilities & Capability.userRDPMC != 0 && index != 0 else {
                barrier()
                if page.load(fromByteOffset: Offset.lock, as: UInt32.self) == sequence && sequence & 1 == 0 {
                    return .fallBack(capabilities & Capability.userRDPMC == 0 ? .noUserAccess : .notOnCounter)
                }
                attempts &-= 1
                continue
            }
            let width = page.load(fromByteOffset: Offset.pmcWidth, as: UInt16.self)
            let register = readCounter(index &- 1)
            barrier()
            let after = page.load(fromByteOffset: Offset.lock, as: UInt32.self)
            // An odd lock is an update in progress; a changed one, an update in between.
            if after == sequence && sequence & 1 == 0 {
                guard UInt(bitPattern: Int(width) &- 1) < 64 else { return .fallBack(.invalidCounterWidth(width)) }
                let unused = UInt64(64 &- width)
                let count = UInt64(bitPattern: offset &+ (Int64(bitPattern: register &<< unused) &>> unused))
                if extrapolate, let clock {
                    let delta = clock.delta(cycles: cycles)
                    enabled &+= delta
                    running &+= delta  // index != 0 here: the event is on a counter
                }
                return .counted(RawCount(value: count, timeEnabled: enabled, timeRunning: running), clock: clock)
            }
            attempts &-= 1
        } while attempts > 0
        return .fallBack(.pageUnstable)
    }

    /// Whether page index `index` names a register `cpe_read_user_counter` reads and
    /// `pmc_width` is 1...64: what an inlined read checks before it reads the register
    /// (anything else goes to the full loop, which names the refusal). The index is 1...32
    /// on arm64 (PMEVCNTR0...30 and PMCCNTR, the switch's cases), any but 0 on x86_64
    /// (`rdpmc` takes fixed counters' high indices too). On arm64 one comparison does both:
    /// index - 1 < 32 and (width - 1) / 2 < 32, both wrapping (0 - 1 is past either bound).
    @inlinable @inline(__always)
    static func hasRegister(_ index: UInt32, width: UInt16) -> Bool {
        #if arch(arm64)
        return UInt64(index &- 1) | ((UInt64(width) &- 1) &>> 1) < 32
        #else
        return index != 0 && UInt64(width) &- 1 < 64
        #endif
    }

    /// The low `width` bits of `value` as a signed number (`pmc_width` sign extension).
    @usableFromInline package static func signExtend(_ value: UInt64, width: UInt16) -> Int64 {
        let unused = 64 - UInt64(min(max(width, 1), 64))
        return Int64(bitPattern: value << unused) >> unused
    }
}
