/// The events of one measurement, opened: libperf's evlist in this library's words.
///
/// Resolved groups go in (``Resolver/resolve(_:)``), open counters come out: a
/// `{…}` group becomes one ``CounterGroup``, every other event a ``Counter`` of its
/// own, each on the PMU resolution chose (``Event/pmu``). On a CPU-wide
/// target a core PMU's events open only on the CPUs that PMU covers (one rule:
/// the target's CPUs ∩ the PMU's). An event the kernel refuses, or whose PMU covers
/// none of the target's CPUs, stays in the list with its typed reason and reads as
/// ``CounterValue/Status/notSupported(reason:)``: nothing is dropped and nothing
/// reads as a silent zero.
///
/// ```swift
/// let groups = try Resolver(pmus: inventory.pmus).resolve("task-clock,{cycles,instructions}")
/// let list = EventList(groups, options: CounterOptions(target: .callingThread))
/// try list.enable()
/// work()
/// try list.disable()
/// for reading in list.read() { print(reading.event.label, reading.value.scaled ?? 0, reading.value.status) }
/// ```
public final class EventList: @unchecked Sendable {
    /// What one entry holds: open counters, or why there are none.
    package enum Member: Sendable {
        /// One event, opened alone.
        case counter(Counter)
        /// A perf group, opened together (leader first).
        case group(CounterGroup)
        /// Not opened: the reason applies to every event of the entry.
        case unavailable(UnavailableReason)
    }

    /// One event, or one group, and what became of it.
    package struct Entry: Sendable {
        /// The events, in order (one for a single event, the members for a group).
        package let events: [Event]
        /// The open counter or group, or the reason there is none.
        package let member: Member
    }

    /// The entries, in the order of the groups and events given.
    package let entries: [Entry]
    /// The options every counter was opened with (before narrowing a CPU-wide
    /// target to a core PMU's CPUs).
    public let options: CounterOptions

    /// Opens every event of `groups` on the options' target. Never throws: a
    /// refusal is kept in its entry.
    public init(_ groups: [ResolvedGroup], options: CounterOptions = CounterOptions()) {
        var entries: [Entry] = []
        for group in groups {
            if group.isGroup && group.events.count > 1 {
                var options = options
                if let reason = Self.narrow(&options, for: group.events) {
                    entries.append(Entry(events: group.events, member: .unavailable(reason)))
                    continue
                }
                do {
                    let opened = try CounterGroup(group.events, options: options)
                    entries.append(Entry(events: group.events, member: .group(opened)))
                } catch {
                    entries.append(Entry(events: group.events, member: .unavailable(.refused(error))))
                }
                continue
            }
            // Not a group: each event opens alone, on its own PMU's CPUs.
            for resolved in group.events {
                var options = options
                if let reason = Self.narrow(&options, for: [resolved]) {
                    entries.append(Entry(events: [resolved], member: .unavailable(reason)))
                    continue
                }
                do {
                    entries.append(Entry(events: [resolved],
                                         member: .counter(try Counter(resolved, options: options))))
                } catch {
                    entries.append(Entry(events: [resolved], member: .unavailable(.refused(error))))
                }
            }
        }
        self.entries = entries
        self.options = options
    }

    /// On a CPU-wide target, a core PMU with a CPU list counts on the target's CPUs
    /// it covers; nil when that leaves some, else why none.
    static func narrow(_ options: inout CounterOptions, for events: [Event]) -> UnavailableReason? {
        guard options.target.isCPUWide,
              let pmu = events.lazy.compactMap({ $0.pmu.value }).first(where: { $0.isCore }),
              let pmuCPUs = pmu.cpus
        else { return nil }
        let asked = CPUSet(options.target.cpus.map(Int.init))
        let covered = asked.intersection(pmuCPUs)
        if covered.isEmpty { return .noCoveredCPU(pmu: pmu.name, pmuCPUs: pmuCPUs, counted: asked) }
        options.target = .cpus(covered)
        return nil
    }

    /// Every event, in entry order (what ``read()`` returns values for).
    public var events: [Event] { entries.flatMap { $0.events } }

    /// The counters opened alone.
    package var counters: [Counter] {
        entries.compactMap { entry in if case .counter(let counter) = entry.member { return counter } else { return nil } }
    }

    /// The groups opened.
    package var groups: [CounterGroup] {
        entries.compactMap { entry in if case .group(let group) = entry.member { return group } else { return nil } }
    }

    /// What the opens found that will make counts smaller than expected.
    public var warnings: [CounterWarning] { counters.flatMap { $0.warnings } + groups.flatMap { $0.warnings } }

    /// Starts every open counter and group.
    public func enable() throws(CounterError) {
        for counter in counters { try counter.enable() }
        for group in groups { try group.enable() }
    }

    /// Stops every open counter and group.
    public func disable() throws(CounterError) {
        for counter in counters { try counter.disable() }
        for group in groups { try group.disable() }
    }

    /// Zeroes every open counter and group.
    public func reset() throws(CounterError) {
        for counter in counters { try counter.reset() }
        for group in groups { try group.reset() }
    }

    /// One value per event, in ``events`` order. Never throws: a read that fails
    /// is a not-supported value with the reason, like a refused open.
    public func read() -> [EventReading] {
        var readings: [EventReading] = []
        readings.reserveCapacity(entries.count)
        for entry in entries {
            switch entry.member {
            case .counter(let counter):
                let value: CounterValue
                do { value = try counter.read() } catch { value = CounterValue(unavailable: .readFailed(error)) }
                readings.append(EventReading(event: entry.events[0], value: value))
            case .group(let group):
                let values: [CounterValue]
                do { values = try group.read() } catch {
                    values = entry.events.map { _ in CounterValue(unavailable: .readFailed(error)) }
                }
                for (event, value) in zip(entry.events, values) { readings.append(EventReading(event: event, value: value)) }
            case .unavailable(let reason):
                for event in entry.events { readings.append(EventReading(event: event, value: CounterValue(unavailable: reason))) }
            }
        }
        return readings
    }
}

/// One event's value from an ``EventList`` read.
public struct EventReading: Hashable, Sendable {
    /// The event as resolved (its PMU, attributes and display name).
    public var event: Event
    /// The event's value, or why it has none.
    public var value: CounterValue

    package init(event: Event, value: CounterValue) {
        self.event = event
        self.value = value
    }
}
