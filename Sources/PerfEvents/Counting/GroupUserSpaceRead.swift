import CPerfEvents

extension CounterGroup {
    /// Every event's value read from user space when the kernel allows it (each
    /// event's mmap page and its counter register, no system call), else the whole
    /// group with `read(2)`; the result says which. The values go into `reading`
    /// as ``read(into:)`` puts them, with the leader's times. Only groups of the
    /// calling thread alone opened with ``CounterOptions/userSpaceReads`` have pages.
    ///
    /// The events are read one after another, each through its page's seqlock, so
    /// their values are a few instructions apart (not one instant, as a group
    /// `read(2)` is); the group still keeps them on the PMU together. Inlined into
    /// the caller as ``Counter/readInUserSpace()`` is, with no call in its loop: each
    /// page is tried once inline (the common case: on a counter, readable, not
    /// multiplexed, settled); from the first page that is not, the rest of the read
    /// is out of line (each page's full seqlock loop, a refusal to `read(2)`).
    @inlinable @inline(__always)
    public func readInUserSpace(into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        #if arch(x86_64) || arch(arm64)
        // One comparison for both: a group without pages needs Int.max words (see userReadWords).
        guard reading.wordCapacity >= userReadWords else { return try readGrowing(into: &reading) }
        let pages = userPages.unsafelyUnwrapped
        let members = memberCount
        let words = reading.words
        var enabled: UInt64 = 0
        var running: UInt64 = 0
        // Last event first: the leader's times, read last, are the group's.
        var index = members
        repeat {
            index &-= 1
            let page = UnsafeRawPointer(pages[index])
            // One attempt, each field loaded once: the page's seqlock with nothing to extrapolate.
            let sequence = page.load(fromByteOffset: UserPage.Offset.lock, as: UInt32.self)
            cpe_compiler_barrier()
            enabled = page.load(fromByteOffset: UserPage.Offset.timeEnabled, as: UInt64.self)
            running = page.load(fromByteOffset: UserPage.Offset.timeRunning, as: UInt64.self)
            let capabilities = page.load(fromByteOffset: UserPage.Offset.capabilities, as: UInt64.self)
            let counter = page.load(fromByteOffset: UserPage.Offset.index, as: UInt32.self)
            let offset = page.load(fromByteOffset: UserPage.Offset.offset, as: Int64.self)
            let width = page.load(fromByteOffset: UserPage.Offset.pmcWidth, as: UInt16.self)
            // Kernels before 3.12 (no cap_bit0_is_deprecated) have bit 2 reserved, 0: the full loop's.
            guard enabled == running && capabilities & UserPage.Capability.userRDPMC != 0
                && UserPage.hasRegister(counter, width: width) else { return try readSlowly(from: index, into: &reading) }
            let register = cpe_read_user_counter(counter &- 1)
            cpe_compiler_barrier()
            guard page.load(fromByteOffset: UserPage.Offset.lock, as: UInt32.self) == sequence && sequence & 1 == 0 else {
                return try readSlowly(from: index, into: &reading)
            }
            // Shifts count modulo 64: 0 &- width is 64 - width, and 0 for a 64-bit counter.
            let unused = 0 &- UInt64(width)
            words[3 &+ index &<< 1] = UInt64(bitPattern: offset &+ (Int64(bitPattern: register &<< unused) &>> unused))
        } while index > 0
        words[0] = UInt64(truncatingIfNeeded: members)
        words[1] = enabled
        words[2] = running
        reading.eventWords = 2
        reading.eventCount = members
        return .userSpace
        #else
        return try readFallingBack(userPages == nil ? .notMapped : .unsupportedArchitecture, into: &reading)
        #endif
    }

    /// ``readInUserSpace(into:)`` when `reading` is too small or the group has no pages.
    @inline(never) @usableFromInline
    func readGrowing(into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        guard userPages != nil else { return try readFallingBack(.notMapped, into: &reading) }
        // nr, enabled, running, then value and id per event (the library's group format without lost).
        reading.reserve(bytes: userReadWords &<< 3)
        return try readInUserSpace(into: &reading)
    }

    /// ``readInUserSpace(into:)`` from event `first` down to the leader when event `first`'s one
    /// inline attempt did not do (an update in between, times to extrapolate, no register):
    /// each page through its whole seqlock loop (retries, extrapolated times, the reason it
    /// refuses); the events after `first` are already in `reading`.
    @inline(never) @usableFromInline
    func readSlowly(from first: Int, into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        #if arch(x86_64) || arch(arm64)
        guard let pages = userPages, first < memberCount, reading.wordCapacity >= userReadWords else {
            return try readFallingBack(.notMapped, into: &reading)
        }
        let words = reading.words
        var index = first &+ 1
        repeat {
            index &-= 1
            let outcome = UserPage.read(
                page: pages[index],
                readCounter: { cpe_read_user_counter($0) },
                readClock: { cpe_read_timestamp() },
                barrier: { cpe_compiler_barrier() },
                clockAlways: true)
            guard case .counted(let count, _) = outcome else { return try readFallingBack(outcome, into: &reading) }
            words[1] = count.timeEnabled
            words[2] = count.timeRunning
            words[3 &+ index &<< 1] = count.value
        } while index > 0
        words[0] = UInt64(truncatingIfNeeded: memberCount)
        reading.eventWords = 2
        reading.eventCount = memberCount
        return .userSpace
        #else
        return try readFallingBack(.unsupportedArchitecture, into: &reading)
        #endif
    }

    /// ``readInUserSpace(into:)`` when a page refused: the group's `read(2)`, and why.
    @inline(never) @usableFromInline
    func readFallingBack(_ outcome: UserPageOutcome, into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        // Only a refusal comes here; a count would mean the page changed its mind, as pageUnstable says.
        guard case .fallBack(let reason) = outcome else { return try readFallingBack(.pageUnstable, into: &reading) }
        return try readFallingBack(reason, into: &reading)
    }

    @inline(never) @usableFromInline
    func readFallingBack(_ reason: UserReadFallback, into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        try read(into: &reading)
        return .systemCall(reason)
    }
}
