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
/// let sampler = try Sampler([Event(label: "sys_enter_getppid", attributes: attributes)],
///                           options: SamplingOptions(sampleType: [.tid, .time, .raw]))
/// try sampler.enable()
/// work()
/// try sampler.disable()
/// sampler.drain { record in if case .sample(let sample) = record { print(sample.tid ?? 0) } }
/// ```
public final class Sampler: @unchecked Sendable {
    /// The events, leader first.
    public let events: [Event]
    /// The options the sampler was opened with.
    public let options: SamplingOptions
    /// The `(thread, cpu)` pairs; one ring buffer each.
    package let slots: [CounterSlot]
    /// How the records of this sampler are laid out.
    package let format: SampleFormat
    /// The decoder for `format`.
    public let decoder: RecordDecoder
    /// One ring buffer per slot, on the leader's descriptors.
    package let buffers: [RingBuffer]
    /// Per event (leader first), one descriptor per slot. Owned by the sampler.
    package let descriptors: [[Int32]]
    /// What the opens found that will make samples fewer than expected.
    public let warnings: [CounterWarning]
    /// The read format the kernel took (without ``ReadFormat/lost`` before Linux 6.0).
    package let readFormat: ReadFormat
    /// Per event (leader first), the `perf_event_attr` as opened: what a perf.data file records.
    package let kernelAttributes: [KernelEventAttributes]
    /// The tracking event's descriptors, one per slot, writing into the leader's
    /// buffers (``SamplingOptions/recordTasks``); empty without it.
    package let trackingDescriptors: [Int32]
    /// The tracking event's `perf_event_attr`, when there is one.
    package let trackingAttributes: KernelEventAttributes?
    private let system: SystemCalls

    /// Opens `events` (the first samples, the others are read with it) on the options' target.
    public init(_ events: [Event], options: SamplingOptions = SamplingOptions()) throws(SamplingError) {
        let system = SystemCalls.current
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
        // PERF_FORMAT_LOST (6.0+): the samples the kernel dropped, read at the end; older
        // kernels refuse the bit and the opener drops it (``lostCountIsKnown`` then says so).
        var readFormat = ReadFormat.counting.union(.lost)
        if isGroup { readFormat.insert(.group) }

        let counterOptions = options.counting
        var leaderFlags = counterOptions.flags(for: first, isLeader: true)
        if options.sampleIDAll { leaderFlags.insert(.sampleIDAll) }
        if options.overwrite { leaderFlags.insert(.writeBackward) }
        let wakeupWord: UInt32
        switch options.wakeup {
        case .events(let count): wakeupWord = count
        case .bytes(let bytes):
            wakeupWord = bytes
            leaderFlags.insert(.watermark)
        }

        var opened: [[Int32]] = []
        var openedEvents: [Event] = []
        var warnings: [CounterWarning] = []
        var attributes: [KernelEventAttributes] = []
        func closeAll() {
            for descriptors in opened.reversed() { for descriptor in descriptors { _ = system.close(descriptor) } }
        }
        do {
            let leader = try DescriptorOpener(options: counterOptions, system: system, sampleType: sampleType,
                                              wakeup: wakeupWord)
                .open(first, flags: leaderFlags, readFormat: readFormat, leaders: nil)
            opened.append(leader.descriptors)
            openedEvents.append(leader.event)
            warnings += leader.warnings
            readFormat = leader.readFormat
            attributes.append(leader.attributes)
            for member in events.dropFirst() {
                var counting = member
                counting.attributes.sampling = nil
                let opening = try DescriptorOpener(options: counterOptions, system: system)
                    .open(counting, flags: counterOptions.flags(for: counting, isLeader: false), readFormat: readFormat,
                          leaders: leader.descriptors)
                opened.append(opening.descriptors)
                openedEvents.append(opening.event)
                warnings += opening.warnings
                attributes.append(opening.attributes)
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
        // COMM, FORK, EXIT and MMAP2 come from a tracking event of their own (a dummy
        // software event, as perf record's tracking event) that writes into the
        // leader's buffers: the leader's lost count is then samples only.
        var tracking: (descriptors: [Int32], attributes: KernelEventAttributes)?
        if options.recordTasks {
            let dummy = Event.software(.dummy)
            var flags = counterOptions.flags(for: dummy, isLeader: true)
            flags.formUnion([.comm, .commExec, .task, .mmap, .mmap2])
            if options.sampleIDAll { flags.insert(.sampleIDAll) }
            if options.overwrite { flags.insert(.writeBackward) }
            do throws(CounterError) {
                let opening = try DescriptorOpener(options: counterOptions, system: system, sampleType: sampleType)
                    .open(dummy, flags: flags, readFormat: .counting, leaders: nil)
                tracking = (opening.descriptors, opening.attributes)
                let ioctl = system.ioctl
                for (descriptor, output) in zip(opening.descriptors, opened[0]) {
                    let result = retryingInterrupts { ioctl(descriptor, cpe_PERF_EVENT_IOC_SET_OUTPUT, UInt64(UInt32(bitPattern: output))) }
                    if result < 0 {
                        throw CounterError(operation: .open, errno: Errno(rawValue: -result), label: "dummy",
                                           attributes: dummy.attributes,
                                           message: "the tracking event cannot write into the sampler's buffer (PERF_EVENT_IOC_SET_OUTPUT)")
                    }
                }
            } catch {
                for descriptor in tracking?.descriptors ?? [] { _ = system.close(descriptor) }
                buffers.removeAll()
                closeAll()
                throw .open(error)
            }
        }
        self.events = openedEvents
        self.options = options
        self.slots = options.counting.target.slots
        self.format = SampleFormat(sampleType: sampleType, readFormat: readFormat, sampleIDAll: options.sampleIDAll)
        self.decoder = RecordDecoder(format: format)
        self.buffers = buffers
        self.descriptors = opened
        self.warnings = warnings
        self.readFormat = readFormat
        self.kernelAttributes = attributes
        self.trackingDescriptors = tracking?.descriptors ?? []
        self.trackingAttributes = tracking?.attributes
        self.system = system
    }

    deinit {
        for descriptor in trackingDescriptors { _ = system.close(descriptor) }
        for descriptors in descriptors.reversed() { for descriptor in descriptors { _ = system.close(descriptor) } }
    }

    /// Starts sampling (the whole group) on every slot.
    public func enable() throws(SamplingError) { try control(cpe_PERF_EVENT_IOC_ENABLE, .enable) }
    /// Stops sampling on every slot; what was written stays in the buffers.
    public func disable() throws(SamplingError) { try control(cpe_PERF_EVENT_IOC_DISABLE, .disable) }

    private func control(_ request: UInt64, _ operation: CounterError.Operation) throws(SamplingError) {
        let argument: UInt64 = descriptors.count > 1 ? cpe_PERF_IOC_FLAG_GROUP : 0
        if let errno = DescriptorOpener.control(descriptors[0], request: request, argument: argument, system: system) {
            throw .open(CounterError(operation: operation, errno: errno, label: events[0].label,
                                     attributes: events[0].attributes, message: "the kernel refused (\(errno.summary))"))
        }
        if let errno = DescriptorOpener.control(trackingDescriptors, request: request, argument: 0, system: system) {
            throw .open(CounterError(operation: operation, errno: errno, label: "dummy",
                                     attributes: nil, message: "the kernel refused the tracking event (\(errno.summary))"))
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

    /// Copies out every record written since the last drain in every buffer,
    /// undecoded, back to back in `bytes`, freeing the space at once: the fast
    /// half of a reader that formats later (`perf record`'s way: take the bytes
    /// first, never make the kernel wait on formatting). Decode them later with
    /// ``decoder``, record by record (each header says its size). Returns the
    /// bytes copied and the buffers that had overrun (skipped to their head).
    @discardableResult
    public func copyRecords(appendingTo bytes: inout [UInt8]) -> (bytes: Int, problems: [FramingProblem]) {
        var total = 0
        var problems: [FramingProblem] = []
        for buffer in buffers {
            switch buffer.copyOut(appendingTo: &bytes) {
            case .success(let count): total += count
            case .failure(let problem): problems.append(problem)
            }
        }
        return (total, problems)
    }

    /// Waits, up to `milliseconds`, until any buffer of any of `samplers` reaches
    /// its wakeup point or hangs up: one `poll` over every leader descriptor, so a
    /// busy event never waits behind a quiet one. Returns whether one is ready.
    public static func wait(_ samplers: [Sampler], milliseconds: Int32) throws(SamplingError) -> Bool {
        guard let system = samplers.first?.system else { return false }
        let outcome = system.poll(samplers.flatMap { $0.descriptors[0] }, max(0, milliseconds))
        if outcome.ready < 0 {
            if outcome.ready == -Errno.interrupted.rawValue { return false }
            throw .pollFailed(errno: Errno(rawValue: -outcome.ready))
        }
        return outcome.ready > 0
    }

    /// Whether ``counts()`` reports the samples the kernel dropped (`PERF_FORMAT_LOST`, Linux 6.0+).
    public var lostCountIsKnown: Bool { readFormat.contains(.lost) }

    /// The leader's own count and the samples the kernel could not write,
    /// summed over every slot, read with `read(2)` (children included once they
    /// exited). `lost` is nil on kernels before 6.0. Read it at the end: it
    /// holds the samples lost after the last LOST record too, which the kernel
    /// only reports in a record once it next writes to that buffer.
    public func counts() throws(SamplingError) -> SamplerCounts {
        let size = readFormat.bufferSize(events: events.count)
        var buffer = [UInt8](repeating: 0, count: size)
        var total = SamplerCounts(events: 0, lost: lostCountIsKnown ? 0 : nil)
        let read = system.read
        let label = events[0].label
        for descriptor in descriptors[0] {
            let got = buffer.withUnsafeMutableBytes { bytes in retryingInterrupts { read(descriptor, bytes) } }
            if got < 0 { throw .readFailed(label: label, errno: Errno(rawValue: Int32(truncatingIfNeeded: -got)), bytes: 0) }
            if got < size { throw .readFailed(label: label, errno: nil, bytes: got) }
            buffer.withUnsafeBytes { bytes in
                let value: UInt64
                var lost: UInt64?
                if readFormat.contains(.group) {
                    let layout = GroupReadLayout(readFormat)
                    value = bytes.loadUnaligned(fromByteOffset: layout.header, as: UInt64.self)
                    if layout.lostOffset >= 0 {
                        lost = bytes.loadUnaligned(fromByteOffset: layout.header + layout.lostOffset, as: UInt64.self)
                    }
                } else {
                    let count = SingleReadLayout(readFormat).decode(bytes)
                    value = count.value
                    lost = count.lost
                }
                total.events &+= value
                if let lost { total.lost = (total.lost ?? 0) &+ lost }
            }
        }
        return total
    }

    /// Per event (leader first, then the tracking event when there is one), the
    /// kernel's id of each slot's descriptor (`PERF_EVENT_IOC_ID`): what records
    /// carry in `id`/`identifier`, and what a perf.data file lists per attribute.
    package func identifiers() throws(SamplingError) -> [[UInt64]] {
        let ioctl = system.ioctl
        var all: [[UInt64]] = []
        let lists = trackingDescriptors.isEmpty ? descriptors : descriptors + [trackingDescriptors]
        for (index, descriptors) in lists.enumerated() {
            var ids: [UInt64] = []
            for descriptor in descriptors {
                var id: UInt64 = 0
                let result = withUnsafeMutablePointer(to: &id) { pointer in
                    let address = UInt64(UInt(bitPattern: pointer))
                    return retryingInterrupts { ioctl(descriptor, cpe_PERF_EVENT_IOC_ID, address) }
                }
                if result < 0 {
                    throw .identifierFailed(label: index < events.count ? events[index].label : "dummy", errno: Errno(rawValue: -result))
                }
                ids.append(id)
            }
            all.append(ids)
        }
        return all
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

    package init() {}
}

/// What a sampler's leader counted, over every slot.
public struct SamplerCounts: Hashable, Sendable {
    /// Every time the event occurred (a tracepoint's hits; at period 1, one sample each).
    public var events: UInt64
    /// Records the kernel could not write for want of space (`PERF_FORMAT_LOST`);
    /// nil before Linux 6.0.
    public var lost: UInt64?

    package init(events: UInt64, lost: UInt64?) {
        self.events = events
        self.lost = lost
    }
}
