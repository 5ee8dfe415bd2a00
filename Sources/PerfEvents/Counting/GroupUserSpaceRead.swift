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
    /// the caller as ``Counter/readInUserSpace()`` is; the fallback is out of line.
    @inlinable @inline(__always)
    public func readInUserSpace(into reading: inout GroupReading) throws(CounterError) -> ReadMethod {
        #if arch(x86_64) || arch(arm64)
        guard let pages = userPages else { return try readFallingBack(.notMapped, into: &reading) }
        let members = memberCount
        // nr, enabled, running, then value and id per event (the library's group format without lost).
        let needed = 3 &+ members &<< 1
        if reading.wordCapacity < needed { reading.reserve(bytes: needed &<< 3) }
        let words = reading.words
        // Last event first: each stores its page's times, so the leader's, read last, stay.
        var index = members
        repeat {
            index &-= 1
            let outcome = UserPage.read(
                page: pages[index],
                readCounter: { cpe_read_user_counter($0) },
                readClock: { cpe_read_timestamp() },
                barrier: { cpe_compiler_barrier() },
                clockAlways: false)
            guard case .counted(let count, _) = outcome else { return try readFallingBack(outcome, into: &reading) }
            words[1] = count.timeEnabled
            words[2] = count.timeRunning
            words[3 &+ index &<< 1] = count.value
        } while index > 0
        words[0] = UInt64(truncatingIfNeeded: members)
        reading.eventWords = 2
        reading.eventCount = members
        return .userSpace
        #else
        return try readFallingBack(userPages == nil ? .notMapped : .unsupportedArchitecture, into: &reading)
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
