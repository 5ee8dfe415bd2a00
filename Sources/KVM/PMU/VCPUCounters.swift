import PerfEvents

/// Host-side counters of one VCPU thread: cycles and instructions on the VM's PMU
/// (with guest/host variants), software events and kvm tracepoints, each counted
/// for the calling thread (the VCPU thread: `KVM_RUN` executes the guest on it).
///
/// Open it on the VCPU thread after pinning it (``PMUBinding/pinCallingThread()``),
/// so that a core PMU's counters can follow the thread. Each event is a separate
/// `Counter`: one the kernel refuses does not take the others down. An event that
/// could not be resolved or opened reads as `CounterValue/Status/notSupported(reason:)`
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
        /// What was opened, in perf's syntax (``Event/text``; see ``VCPUCounterEvent/event(binding:resolver:)``).
        package let eventString: String
        /// What resolution made of it (PMU, attributes), when it resolved.
        public let resolved: Event?
        /// The open counter, nil when unavailable.
        public let counter: Counter?
        /// Why the event is not counted, nil when it is.
        public let unavailable: UnavailableReason?

        /// The attributes opened, when resolution succeeded.
        package var attributes: EventAttributes? { resolved?.attributes }
    }

    /// The PMU binding the hardware events were opened for (nil: the host has no core PMU).
    public let binding: PMUBinding?
    /// One entry per requested event, in the order given.
    public let entries: [Entry]
    /// The events that resolved, opened (in the order of ``entries``).
    package let list: EventList

    /// Resolves and opens `events` for the calling thread, disabled. Never throws: an
    /// event that cannot be counted here is kept with the reason.
    ///
    /// - Parameters:
    ///   - binding: the VM's PMU; nil on a host without a core PMU.
    ///   - resolver: the host's PMUs and tracefs.
    ///   - events: what to count (default ``VCPUCounterEvent/standard``).
    public init(binding: PMUBinding?, resolver: Resolver,
                            events: [VCPUCounterEvent] = VCPUCounterEvent.standard) {
        self.binding = binding
        var options = CounterOptions(target: .callingThread, machineHasCorePMU: !resolver.corePMUs.isEmpty)
        options.startDisabled = true
        var resolutions: [(event: VCPUCounterEvent, text: String, outcome: Result<Event, Unresolved>)] = []
        for event in events {
            do {
                let resolved = try event.event(binding: binding, resolver: resolver)
                resolutions.append((event, resolved.text, .success(resolved)))
            } catch {
                let text = event.label + (binding.map { " on " + $0.pmu.name } ?? "")
                resolutions.append((event, text, .failure(Unresolved(reason: .unresolved(input: text, error)))))
            }
        }
        var groups: [ResolvedGroup] = []
        for resolution in resolutions {
            if case .success(let resolved) = resolution.outcome {
                groups.append(ResolvedGroup(text: resolution.text, isGroup: false, events: [resolved]))
            }
        }
        let list = EventList(groups, options: options)
        var opened = list.entries.makeIterator()
        var entries: [Entry] = []
        for resolution in resolutions {
            switch resolution.outcome {
            case .failure(let unresolved):
                entries.append(Entry(event: resolution.event, eventString: resolution.text, resolved: nil,
                                     counter: nil, unavailable: unresolved.reason))
            case .success(let resolved):
                guard let entry = opened.next() else { continue }
                switch entry.member {
                case .counter(let counter):
                    entries.append(Entry(event: resolution.event, eventString: resolution.text, resolved: resolved,
                                         counter: counter, unavailable: nil))
                case .unavailable(let reason):
                    entries.append(Entry(event: resolution.event, eventString: resolution.text, resolved: resolved,
                                         counter: nil, unavailable: reason))
                case .group:
                    continue  // single events only: never a group
                }
            }
        }
        self.entries = entries
        self.list = list
    }

    /// Why a request did not resolve to exactly one event.
    private struct Unresolved: Error {
        var reason: UnavailableReason
    }

    /// The open counters.
    public var counters: [Counter] { entries.compactMap { $0.counter } }

    /// What the opens found that will make counts smaller than expected (a thread
    /// allowed on CPUs outside the bound PMU: pin it first).
    package var warnings: [CounterWarning] { list.warnings }

    /// Starts every open counter.
    public func enable() throws(CounterError) { try list.enable() }

    /// Stops every open counter.
    public func disable() throws(CounterError) { try list.disable() }

    /// Zeroes every open counter.
    public func reset() throws(CounterError) { try list.reset() }

    /// One value per entry: the count, or not supported with the reason.
    public func read() throws(CounterError) -> VCPUCounterReadings {
        var readings: [VCPUCounterReadings.Reading] = []
        for entry in entries {
            let value: CounterValue
            switch (entry.counter, entry.unavailable) {
            case (let counter?, _): value = try counter.read()
            case (nil, let reason?): value = CounterValue(unavailable: reason)
            case (nil, nil): continue  // every entry has a counter or a reason
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
        /// The event requested.
        public var event: VCPUCounterEvent
        /// The event string that was opened.
        package var eventString: String
        /// Its value, or why it has none.
        public var value: CounterValue
    }

    /// One reading per requested event, in the order of the counters' entries.
    public var readings: [Reading]

    package init(readings: [Reading]) { self.readings = readings }

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
