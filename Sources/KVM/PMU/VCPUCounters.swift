import PerfEvents

/// Host-side counters of one VCPU thread: cycles and instructions on the VM's PMU
/// (with guest/host variants), software events and kvm tracepoints, each counted
/// for the calling thread (the VCPU thread: `KVM_RUN` executes the guest on it).
///
/// Open it on the VCPU thread after pinning it (``PMUBinding/pinCallingThread(system:)``),
/// so that a core PMU's counters can follow the thread. Each event is a separate
/// ``Counter``: one the kernel refuses does not take the others down. An event that
/// could not be resolved or opened reads as ``CounterValue/Status/notSupported(reason:)``
/// with the reason (no core PMU, a filter the PMU cannot apply, a missing tracepoint),
/// never as a zero.
///
/// ```swift
/// try binding.pinCallingThread()
/// let counters = VCPUCounters(binding: binding, resolver: Resolver(pmus: pmus))
/// try counters.enable()
/// while case .io = try vcpu.run(before: deadline) {}
/// try counters.disable()
/// let readings = try counters.read()
/// readings[.kvmTracepoint("kvm_pio")]?.scaled      // exact: one per OUT
/// readings[.cycles(.guestOnly)]?.status            // .notSupported(reason:) without a PMU
/// ```
public final class VCPUCounters: @unchecked Sendable {
    /// One requested event: its resolution and its counter, or why there is none.
    public struct Entry: Sendable {
        /// What was asked for.
        public let event: VCPUCounterEvent
        /// The event string resolved (see ``VCPUCounterEvent/eventString(binding:)``).
        public let eventString: String
        /// The attributes opened, when resolution succeeded.
        public let attributes: EventAttributes?
        /// The open counter, nil when unavailable.
        public let counter: Counter?
        /// Why the event is not counted, nil when it is.
        public let unavailable: String?
    }

    /// The PMU binding the hardware events were opened for (nil: the host has no core PMU).
    public let binding: PMUBinding?
    /// One entry per requested event, in the order given.
    public let entries: [Entry]

    /// Resolves and opens `events` for the calling thread, disabled. Never throws: an
    /// event that cannot be counted here is kept with the reason.
    ///
    /// - Parameters:
    ///   - binding: the VM's PMU; nil on a host without a core PMU.
    ///   - resolver: the host's PMUs and tracefs.
    ///   - events: what to count (default ``VCPUCounterEvent/standard``).
    public init(binding: PMUBinding?, resolver: Resolver, events: [VCPUCounterEvent] = VCPUCounterEvent.standard,
                system: SystemCalls = .live) {
        self.binding = binding
        let hasCorePMU = !resolver.corePMUs.isEmpty
        var options = CounterOptions(target: .callingThread, machineHasCorePMU: hasCorePMU)
        options.startDisabled = true
        var entries: [Entry] = []
        for event in events {
            let text = event.eventString(binding: binding)
            let resolved: ResolvedEvent
            switch Self.resolveOne(text, resolver: resolver) {
            case .success(let one): resolved = one
            case .failure(let reason):
                entries.append(Entry(event: event, eventString: text, attributes: nil, counter: nil, unavailable: reason))
                continue
            }
            let pmu = resolved.pmu.flatMap { name in resolver.pmus.first { $0.name == name } }
            do {
                let counter = try Counter(label: text, attributes: resolved.attributes, pmu: pmu, options: options, system: system)
                entries.append(Entry(event: event, eventString: text, attributes: resolved.attributes, counter: counter, unavailable: nil))
            } catch {
                var reason = error.description
                if let note = resolved.note { reason += " (" + note + ")" }
                entries.append(Entry(event: event, eventString: text, attributes: resolved.attributes, counter: nil, unavailable: reason))
            }
        }
        self.entries = entries
    }

    private enum Resolution {
        case success(ResolvedEvent)
        case failure(String)
    }

    /// Resolves `text` to exactly one event, or says why not.
    private static func resolveOne(_ text: String, resolver: Resolver) -> Resolution {
        let groups: [ResolvedGroup]
        do {
            groups = try resolver.resolve(text)
        } catch {
            return .failure("cannot resolve \(text): " + error.description)
        }
        let events = groups.flatMap { $0.events }
        guard events.count == 1, let only = events.first else {
            let pmus = events.compactMap { $0.pmu }
            return .failure("\(text) resolves to \(events.count) events (" + pmus.joined(separator: ", ")
                + "): bind the VM to one PMU (PMUBinding) to count it on that PMU alone")
        }
        return .success(only)
    }

    /// The open counters.
    public var counters: [Counter] { entries.compactMap { $0.counter } }

    /// What the opens found that will make counts smaller than expected (a thread
    /// allowed on CPUs outside the bound PMU: pin it first).
    public var warnings: [CounterWarning] { counters.flatMap { $0.warnings } }

    /// Starts every open counter.
    public func enable() throws(CounterError) {
        for counter in counters { try counter.enable() }
    }

    /// Stops every open counter.
    public func disable() throws(CounterError) {
        for counter in counters { try counter.disable() }
    }

    /// Zeroes every open counter.
    public func reset() throws(CounterError) {
        for counter in counters { try counter.reset() }
    }

    /// One value per entry: the count, or not supported with the reason.
    public func read() throws(CounterError) -> VCPUCounterReadings {
        var readings: [VCPUCounterReadings.Reading] = []
        for entry in entries {
            let value: CounterValue
            if let counter = entry.counter {
                value = try counter.read()
            } else {
                value = CounterValue(notSupported: entry.unavailable ?? "not opened")
            }
            readings.append(VCPUCounterReadings.Reading(event: entry.event, eventString: entry.eventString, value: value))
        }
        return VCPUCounterReadings(readings: readings)
    }
}

/// The values of a ``VCPUCounters`` read, in the order of its entries.
public struct VCPUCounterReadings: Hashable, Sendable {
    /// One event's value.
    public struct Reading: Hashable, Sendable {
        public var event: VCPUCounterEvent
        /// The event string that was opened.
        public var eventString: String
        public var value: CounterValue
    }

    public var readings: [Reading]

    public init(readings: [Reading]) { self.readings = readings }

    /// The value of `event`, nil when it was not requested.
    public subscript(event: VCPUCounterEvent) -> CounterValue? {
        readings.first { $0.event == event }?.value
    }

    /// The exact count of `event` when it was counted the whole time, else nil
    /// (not requested, not supported, multiplexed or never scheduled).
    public func exactCount(_ event: VCPUCounterEvent) -> UInt64? {
        guard let value = self[event], value.status == .counted else { return nil }
        return value.raw
    }
}
