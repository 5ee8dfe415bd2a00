import CPerfEvents

/// A sampling event (or a group sampled on its leader) with one ring buffer
/// per descriptor: `perf record`'s core, in this library's words.
///
/// Every event opens with its explicit PMU type, like every counter here; on a
/// machine with several core PMUs a generic event resolves once per PMU and
/// each gets a sampler of its own. The leader samples (its
/// ``EventAttributes/sampling`` says how often); the members of a group only
/// count, and each sample carries the whole group's counts
/// (`PERF_SAMPLE_READ` with `PERF_FORMAT_GROUP`).
///
/// ```swift
/// var attributes = EventAttributes(type: LegacyType.tracepoint, config: id)
/// attributes.sampling = .period(1)
/// let sampler = try Sampler([CounterEvent(label: "sys_enter_getppid", attributes: attributes)],
///                           options: SamplingOptions(sampleType: [.tid, .time, .raw]))
/// try sampler.enable()
/// work()
/// try sampler.disable()
/// sampler.drain { record in if case .sample(let sample) = record { print(sample.tid ?? 0) } }
/// ```
public final class Sampler: @unchecked Sendable {
    /// The events, leader first.
    public let events: [CounterEvent]
    public let options: SamplingOptions
    /// The `(thread, cpu)` pairs; one ring buffer each.
    public let slots: [CounterSlot]
    /// How the records of this sampler are laid out.
    public let format: SampleFormat
    /// The decoder for ``format``.
    public let decoder: RecordDecoder
    /// One ring buffer per slot, on the leader's descriptors.
    public let buffers: [RingBuffer]
    /// Per event (leader first), one descriptor per slot. Owned by the sampler.
    public let descriptors: [[Int32]]
    /// What the opens found that will make samples fewer than expected.
    public let warnings: [CounterWarning]
    private let system: SystemCalls

    /// Opens `events` (the first samples, the others are read with it) on the options' target.
    public convenience init(_ events: [CounterEvent], options: SamplingOptions = SamplingOptions()) throws(SamplingError) {
        try self.init(events, options: options, system: .live)
    }

    /// The same, through `system` (the package's test seam).
    package init(_ events: [CounterEvent], options: SamplingOptions, system: SystemCalls) throws(SamplingError) {
        guard let first = events.first else {
            throw .open(CounterError(operation: .open, errno: nil, label: "(no event)", attributes: nil,
                                     message: "a sampler needs at least one event"))
        }
        guard first.attributes.sampling != nil else { throw .notSampling(label: first.label) }
        var sampleType = options.sampleType
        let isGroup = events.count > 1
        if isGroup { sampleType.insert(.read) }
        let unsupported = sampleType.subtracting(.supported)
        guard unsupported.isEmpty else { throw .unsupportedSampleType(unsupported) }
        var readFormat = ReadFormat.counting
        if isGroup { readFormat.insert(.group) }

        let counterOptions = options.counterOptions
        var leaderFlags = AttributeFlags(first.attributes)
        if options.startDisabled || options.enableOnExec { leaderFlags.insert(.disabled) }
        if options.inherit { leaderFlags.insert(.inherit) }
        if options.enableOnExec { leaderFlags.insert(.enableOnExec) }
        if options.sampleIDAll { leaderFlags.insert(.sampleIDAll) }
        if options.recordTasks { leaderFlags.formUnion([.comm, .commExec, .task, .mmap, .mmap2]) }
        if options.overwrite { leaderFlags.insert(.writeBackward) }
        let wakeupWord: UInt32
        switch options.wakeup {
        case .events(let count): wakeupWord = count
        case .bytes(let bytes):
            wakeupWord = bytes
            leaderFlags.insert(.watermark)
        }

        var opened: [[Int32]] = []
        var openedEvents: [CounterEvent] = []
        var warnings: [CounterWarning] = []
        func closeAll() {
            for descriptors in opened.reversed() { for descriptor in descriptors { _ = system.close(descriptor) } }
        }
        do {
            let leader = try Self.open(first, options: counterOptions, flags: leaderFlags, readFormat: readFormat,
                                       leaders: nil, sampleType: sampleType, wakeup: wakeupWord, system: system)
            opened.append(leader.descriptors)
            openedEvents.append(leader.event)
            warnings += leader.warnings
            for member in events.dropFirst() {
                var counting = member
                counting.attributes.sampling = nil
                counting.fallback?.sampling = nil
                var flags = AttributeFlags(counting.attributes)
                if options.inherit { flags.insert(.inherit) }
                let opening = try Self.open(counting, options: counterOptions, flags: flags, readFormat: readFormat,
                                            leaders: leader.descriptors, sampleType: [], wakeup: 0, system: system)
                opened.append(opening.descriptors)
                openedEvents.append(opening.event)
                warnings += opening.warnings
            }
        } catch {
            closeAll()
            throw .open(error)
        }
        var buffers: [RingBuffer] = []
        do {
            for descriptor in opened[0] {
                buffers.append(try RingBuffer(descriptor: descriptor, dataPages: options.dataPages,
                                              overwrite: options.overwrite, system: system))
            }
        } catch {
            buffers.removeAll()
            closeAll()
            throw error
        }
        self.events = openedEvents
        self.options = options
        self.slots = options.target.slots
        self.format = SampleFormat(sampleType: sampleType, readFormat: readFormat, sampleIDAll: options.sampleIDAll)
        self.decoder = RecordDecoder(format: format)
        self.buffers = buffers
        self.descriptors = opened
        self.warnings = warnings
        self.system = system
    }

    /// One event on every slot, with the own-type fallback of an extended-type generic event.
    private static func open(
        _ event: CounterEvent, options: CounterOptions, flags: AttributeFlags, readFormat: ReadFormat,
        leaders: [Int32]?, sampleType: SampleType, wakeup: UInt32, system: SystemCalls
    ) throws(CounterError) -> (descriptors: [Int32], event: CounterEvent, warnings: [CounterWarning]) {
        var opener = DescriptorOpener(event: event, options: options, system: system, sampleType: sampleType, wakeup: wakeup)
        do {
            let opened = try opener.open(slots: options.target.slots, flags: flags, readFormat: readFormat, leaders: leaders)
            return (opened.descriptors, event, opener.warnings())
        } catch {
            guard let fallback = event.fallback, event.usesExtendedType, let errno = error.errno,
                  errno == .noSuchFileOrDirectory || errno == .invalidArgument || errno == .notSupported
            else { throw error }
            var own = event
            own.attributes = fallback
            own.fallback = nil
            opener.event = own
            let opened = try opener.open(slots: options.target.slots, flags: flags, readFormat: readFormat, leaders: leaders)
            let warning = CounterWarning.extendedTypeRefused(
                pmu: event.pmu?.name ?? "the core PMU", errno: errno, type: fallback.type, config: fallback.config)
            return (opened.descriptors, own, opener.warnings() + [warning])
        }
    }

    deinit {
        for descriptors in descriptors.reversed() { for descriptor in descriptors { _ = system.close(descriptor) } }
    }

    /// Starts sampling (the whole group) on every slot.
    public func enable() throws(SamplingError) { try control(cpe_PERF_EVENT_IOC_ENABLE, .enable) }
    /// Stops sampling on every slot; what was written stays in the buffers.
    public func disable() throws(SamplingError) { try control(cpe_PERF_EVENT_IOC_DISABLE, .disable) }

    private func control(_ request: UInt64, _ operation: CounterError.Operation) throws(SamplingError) {
        let argument: UInt64 = descriptors.count > 1 ? cpe_PERF_IOC_FLAG_GROUP : 0
        let ioctl = system.ioctl
        for descriptor in descriptors[0] {
            let result = retryingInterrupts { ioctl(descriptor, request, argument) }
            if result < 0 {
                throw .open(CounterError(operation: operation, errno: Errno(rawValue: -result), label: events[0].label,
                                         attributes: events[0].attributes, message: "the kernel refused (\(Errno(rawValue: -result).summary))"))
            }
        }
    }

    /// Waits until a buffer has reached its wakeup point, the target has
    /// exited (its descriptors hang up), or `milliseconds` have passed. Never waits
    /// without a limit. Returns whether a buffer is ready (or hung up).
    public func wait(milliseconds: Int32) throws(SamplingError) -> Bool {
        let outcome = system.poll(descriptors[0], max(0, milliseconds))
        if outcome.ready < 0 {
            if outcome.ready == -Errno.interrupted.rawValue { return false }
            throw .pollFailed(errno: Errno(rawValue: -outcome.ready))
        }
        return outcome.ready > 0
    }

    /// Decodes every record written since the last drain (forward mode), buffer
    /// by buffer, handing each to `body`; never blocks. Records that cannot be
    /// decoded are counted in the result (with the first error), not handed out.
    @discardableResult
    public func drain(_ body: (Record) -> Void) -> DrainResult {
        var result = DrainResult()
        let decoder = self.decoder
        for buffer in buffers {
            let walk = buffer.drain { bytes in
                Self.hand(bytes, decodedBy: decoder, to: body, counting: &result)
            }
            result.records += walk.records
            if let problem = walk.problem { result.framingProblems.append(problem) }
        }
        return result
    }

    /// Overwrite mode: the newest records of every buffer, decoded, newest first per buffer.
    @discardableResult
    public func snapshot(_ body: (Record) -> Void) throws(SamplingError) -> DrainResult {
        var result = DrainResult()
        let decoder = self.decoder
        for buffer in buffers {
            let walk = try buffer.snapshot { bytes in
                Self.hand(bytes, decodedBy: decoder, to: body, counting: &result)
            }
            result.records += walk.records
        }
        return result
    }

    /// One record of a walk: decoded and handed to `body`, or counted as
    /// undecodable (the first error kept); the walk always goes on.
    private static func hand(_ bytes: UnsafeRawBufferPointer, decodedBy decoder: RecordDecoder,
                             to body: (Record) -> Void, counting result: inout DrainResult) -> Bool {
        do throws(RecordDecodingError) {
            body(try decoder.decode(bytes))
        } catch {
            result.undecodable += 1
            if result.firstDecodingError == nil { result.firstDecodingError = error }
        }
        return true
    }
}

/// What one ``Sampler/drain(_:)`` went through.
public struct DrainResult: Hashable, Sendable {
    /// Records taken out of the buffers (decoded or not).
    public var records = 0
    /// Records that did not decode with the sampler's format.
    public var undecodable = 0
    /// The first decoding error, for the message.
    public var firstDecodingError: RecordDecodingError?
    /// Buffers whose content did not frame (the reader skipped to the head).
    public var framingProblems: [FramingProblem] = []

    public init() {}
}
