import CPerfEvents

/// One event counted on every slot (CPU × thread) of a target: libperf's
/// `perf_evsel` with its descriptors. The descriptors (and the metadata page,
/// if mapped) are closed when the counter goes away.
///
/// ```swift
/// let counter = try Counter(.software(.taskClock))  // calling thread, disabled
/// try counter.enable()
/// work()
/// try counter.disable()
/// let value = try counter.read()        // CounterValue: raw, times, scaled, status
/// print(value.scaled ?? 0, value.status)
/// ```
///
/// Sendable: every stored property is immutable after the open, and the
/// kernel allows concurrent `read`/`ioctl` on a descriptor.
public final class Counter: @unchecked Sendable {
    /// The event.
    public let event: Event
    /// How it was opened.
    public let options: CounterOptions
    /// The `(thread, cpu)` pair of each descriptor, in the order of ``readEach()``.
    package let slots: [CounterSlot]
    /// The `read_format` the kernel accepted (without `lost` on kernels before 6.0).
    package let readFormat: ReadFormat
    /// What the open found that will make the count smaller than expected
    /// (a thread outside a core PMU's CPUs); empty when nothing.
    public let warnings: [CounterWarning]
    /// The descriptors, one per slot; owned by the counter (closed in `deinit`).
    @usableFromInline package let descriptors: [Int32]
    let system: SystemCalls
    /// The mapped metadata page and its length, for user-space reads.
    @usableFromInline let userPage: UnsafeMutableRawPointer?
    private let userPageLength: Int
    /// Where the words of one descriptor's read sit (fixed for the counter's life).
    private let singleLayout: SingleReadLayout
    /// The descriptor when there is one slot (the calling thread), else -1: the
    /// read of the common case then touches no array.
    @usableFromInline let onlyDescriptor: Int32
    /// The bytes of one `read(2)` when ``read()`` can take its inlined path: one
    /// slot, the kernel's own `read(2)` (not a test's), and the library's read
    /// format (value, enabled, running, id, then lost when the kernel has it: 32
    /// or 40 bytes). 0 when the general path must run.
    @usableFromInline let directReadSize: Int
    /// The descriptor ``enable()`` and ``disable()`` call `ioctl(2)` on inline:
    /// the only one, when the kernel's own `ioctl(2)` is in use; else -1.
    @usableFromInline let directControlDescriptor: Int32

    /// Opens `event` on the options' target; throws a ``CounterError`` that says
    /// what to do when the kernel refuses. A core PMU with a CPU list lets the
    /// open warn (``warnings``) when the target's threads cannot run there.
    public convenience init(_ event: Event, options: CounterOptions = CounterOptions()) throws(CounterError) {
        let system = SystemCalls.current
        try self.init(event, options: options, flags: options.flags(for: event, isLeader: true),
                      readFormat: options.readFormat(group: false), leaders: nil, system: system)
    }

    /// Opens `event` with exactly these flags and read format, as a member of
    /// the group whose leader has `leaders` (one descriptor per slot), or alone.
    init(_ event: Event, options: CounterOptions, flags: AttributeFlags, readFormat: ReadFormat,
         leaders: [Int32]?, system: SystemCalls) throws(CounterError) {
        let opened = try DescriptorOpener(options: options, system: system)
            .open(event, flags: flags, readFormat: readFormat, leaders: leaders)
        let event = opened.event
        var page: UnsafeMutableRawPointer?
        var pageLength = 0
        if options.userSpaceReads && options.target.isCallingThreadOnly, let descriptor = opened.descriptors.first {
            pageLength = system.pageSize()
            let address = retryingInterrupts {
                system.mmap(pageLength, 1 /* PROT_READ */, 1 /* MAP_SHARED */, descriptor, 0)
            }
            guard address > 0, let mapped = UnsafeMutableRawPointer(bitPattern: Int(address)) else {
                for descriptor in opened.descriptors { _ = system.close(descriptor) }
                let errno = Errno(rawValue: Int32(truncatingIfNeeded: address < 0 ? -address : Int64(Errno.badAddress.rawValue)))
                throw CounterError(operation: .mmap, errno: errno, label: event.label, attributes: event.attributes,
                                   message: "could not map the counter's metadata page (\(pageLength) bytes);"
                                       + " open without userSpaceReads to read with read(2)")
            }
            page = mapped
        }
        self.event = event
        self.options = options
        self.slots = options.target.slots
        self.readFormat = opened.readFormat
        self.singleLayout = SingleReadLayout(opened.readFormat.subtracting(.group))
        self.descriptors = opened.descriptors
        self.onlyDescriptor = opened.descriptors.count == 1 ? opened.descriptors[0] : -1
        self.warnings = opened.warnings
        self.system = system
        let standard = opened.readFormat == .counting || opened.readFormat == ReadFormat.counting.union(.lost)
        self.directReadSize = system.isKernel && standard && opened.descriptors.count == 1
            ? singleLayout.size : 0
        self.directControlDescriptor = system.isKernel && opened.descriptors.count == 1
            ? opened.descriptors[0] : -1
        self.userPage = page
        self.userPageLength = pageLength
    }

    deinit {
        if let userPage { _ = system.munmap(userPage, userPageLength) }
        for descriptor in descriptors { _ = system.close(descriptor) }
    }

    /// The event's label.
    public var label: String { event.label }
    /// The event's attributes.
    public var attributes: EventAttributes { event.attributes }

    /// Starts counting on every slot (`PERF_EVENT_IOC_ENABLE`).
    @inlinable
    public func enable() throws(CounterError) {
        try control(.enable, request: cpe_PERF_EVENT_IOC_ENABLE, argument: 0)
    }

    /// Stops counting on every slot (`PERF_EVENT_IOC_DISABLE`); the value stays readable.
    @inlinable
    public func disable() throws(CounterError) {
        try control(.disable, request: cpe_PERF_EVENT_IOC_DISABLE, argument: 0)
    }

    /// Sets the count to zero on every slot (`PERF_EVENT_IOC_RESET`); the times keep running.
    public func reset() throws(CounterError) {
        try control(.reset, request: cpe_PERF_EVENT_IOC_RESET, argument: 0)
    }

    /// Applies an ioctl to every descriptor. One descriptor and the kernel's own
    /// `ioctl(2)` (the calling thread's counter): inlined into the caller, one
    /// system call and a sign check, as a C loop would do it.
    @inlinable
    func control(_ operation: CounterError.Operation, request: UInt64, argument: UInt64) throws(CounterError) {
        let descriptor = directControlDescriptor
        guard descriptor >= 0 else { return try control(operation, request: request, argument: argument, on: descriptors) }
        let result = cpe_ioctl_retrying(descriptor, request, argument)
        if result < 0 { throw error(operation, errno: Errno(rawValue: -result)) }
    }

    /// Applies an ioctl to the given descriptors through the counter's ``SystemCalls``.
    @usableFromInline
    func control(_ operation: CounterError.Operation, request: UInt64, argument: UInt64,
                 on descriptors: [Int32]) throws(CounterError) {
        if let errno = DescriptorOpener.control(descriptors, request: request, argument: argument, system: system) {
            throw error(operation, errno: errno)
        }
    }

    /// The value summed over every slot (CPUs × threads), as `perf stat` shows it.
    ///
    /// Allocates nothing for a counter with one slot (the calling thread, any
    /// CPU): one `read(2)` into stack memory, decoded in place. That path is
    /// inlined into the caller, so that a read costs the system call and a
    /// few loads, as a hand-written C loop does.
    @inlinable
    public func read() throws(CounterError) -> CounterValue {
        let size = directReadSize
        guard size != 0 else { return try readSummed() }
        // value, enabled, running, id and lost: at most 40 bytes.
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &words) { buffer in
            Int(cpe_read_retrying(onlyDescriptor, buffer.baseAddress, UInt64(size)))
        }
        guard count == size else { return CounterValue(try shortRead(count)) }
        return CounterValue(raw: words.0, timeEnabled: words.1, timeRunning: words.2, lost: size > 32 ? words.4 : nil)
    }

    /// ``read()`` where its inlined path does not apply: several slots summed,
    /// or a replaced `read(2)` (tests).
    @usableFromInline
    func readSummed() throws(CounterError) -> CounterValue {
        if onlyDescriptor >= 0 { return CounterValue(try readOne(onlyDescriptor)) }
        return CounterValue(aggregating: try readEach())
    }

    /// One count per slot, in the order of `slots` (`perf stat -A`'s per-CPU view).
    public func readEach() throws(CounterError) -> [RawCount] {
        var counts: [RawCount] = []
        counts.reserveCapacity(descriptors.count)
        for descriptor in descriptors {
            counts.append(try readOne(descriptor))
        }
        return counts
    }

    /// One descriptor's count: the hot path of ``read()``. It reads into a
    /// fixed stack buffer and decodes at offsets worked out when the counter
    /// was opened, so a read costs the system call and little else.
    func readOne(_ descriptor: Int32) throws(CounterError) -> RawCount {
        let layout = singleLayout
        // value, enabled, running, id, lost: at most 5 words (40 bytes).
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        let count: Int = withUnsafeMutableBytes(of: &words) { buffer in
            // The buffer holds 48 bytes and layout.size is at most 40.
            if system.isKernel {
                return Int(cpe_read_retrying(descriptor, buffer.baseAddress, UInt64(layout.size)))
            }
            let bytes = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: layout.size)
            return retryingInterrupts { system.read(descriptor, bytes) }
        }
        guard count == layout.size else { return try shortRead(count) }
        return withUnsafeBytes(of: &words) { layout.decode($0) }
    }

    /// A read that did not return the whole read format: an error, or end of
    /// file (a pinned event that could not stay on its PMU), which is no count.
    /// Out of line, so that the hot path keeps no error state.
    @inline(never) @usableFromInline
    func shortRead(_ count: Int) throws(CounterError) -> RawCount {
        if count < 0 { throw error(.read, errno: Errno(rawValue: Int32(truncatingIfNeeded: -count))) }
        if count == 0 { return RawCount(value: 0, timeEnabled: 0, timeRunning: 0) }
        throw CounterError(operation: .read, errno: nil, label: label, attributes: attributes,
                           message: ReadBufferError(expected: singleLayout.size, actual: count, format: readFormat).description)
    }

    /// The value read from user space when the kernel allows it (the mmap
    /// page and the counter register, no system call), else with `read(2)`;
    /// the result says which. Only counters of the calling thread alone opened
    /// with ``CounterOptions/userSpaceReads`` have a page to read.
    ///
    /// Inlined into the caller with the register read (`rdpmc`, `mrs`) as inline
    /// C: a read costs the page's seqlock loop and one register, as C's does. The
    /// fallbacks to `read(2)` are out of line.
    @inlinable @inline(__always)
    public func readInUserSpace() throws(CounterError) -> UserSpaceReading {
        #if arch(x86_64) || arch(arm64)
        guard let userPage else { return try readFallingBack(.notMapped) }
        let outcome = UserPage.read(
            page: UnsafeRawPointer(userPage),
            readCounter: { cpe_read_user_counter($0) },
            readClock: { cpe_read_timestamp() },
            barrier: { cpe_compiler_barrier() },
            clockAlways: false)
        guard case .counted(let count, _) = outcome else { return try readFallingBack(outcome) }
        return UserSpaceReading(value: CounterValue(count), method: .userSpace)
        #else
        return try readFallingBack(userPage == nil ? .notMapped : .unsupportedArchitecture)
        #endif
    }

    /// ``readInUserSpace()`` when the page refused: `read(2)`, and why.
    @inline(never) @usableFromInline
    func readFallingBack(_ outcome: UserPageOutcome) throws(CounterError) -> UserSpaceReading {
        switch outcome {
        case .counted(let count, _): return UserSpaceReading(value: CounterValue(count), method: .userSpace)
        case .fallBack(let reason): return try readFallingBack(reason)
        }
    }

    @inline(never) @usableFromInline
    func readFallingBack(_ reason: UserReadFallback) throws(CounterError) -> UserSpaceReading {
        UserSpaceReading(value: try read(), method: .systemCall(reason))
    }

    @usableFromInline
    func error(_ operation: CounterError.Operation, errno: Errno) -> CounterError {
        let advice: String
        switch errno {
        case .badFileDescriptor: advice = "the counter's descriptor is no longer open"
        case .noSpace: advice = "the read buffer is smaller than the read format needs"
        default: advice = "the kernel refused (\(errno.summary))"
        }
        return CounterError(operation: operation, errno: errno, label: label, attributes: attributes, message: advice)
    }
}

/// A value read by ``Counter/readInUserSpace()`` and how it was read.
public struct UserSpaceReading: Hashable, Sendable {
    /// The counter's value.
    public var value: CounterValue
    /// How it was read: from the mapped page in user space, or with `read(2)` and why.
    public var method: ReadMethod

    @inlinable
    package init(value: CounterValue, method: ReadMethod) {
        self.value = value
        self.method = method
    }
}
