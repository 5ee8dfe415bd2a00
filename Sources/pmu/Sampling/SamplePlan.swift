import Glibc
import PerfEvents

/// One sampler to open: a single event, or a group sampled on its leader.
struct SamplePlan {
    var events: [Event]
    /// The tracepoint's field layout, when the leader is one (nil when tracefs has no format for it).
    var tracepoint: TracepointFormat?

    init(events: [Event], tracefs: Tracefs) {
        self.events = events
        if let name = tracepointName {
            tracepoint = try? TracepointFormat(subsystem: name.subsystem, event: name.event, tracefs: tracefs)
        }
    }

    var label: String { events.map(\.label).joined(separator: ",") }
    var pmuName: String { events.first?.pmu.name ?? "legacy" }

    /// Opens the sampler on `child` (not yet exec'ed), per CPU of the leader's PMU.
    func open(child: Int32, online: CPUSet, pages: Int, interval: (Event) -> SamplingInterval,
              machineHasCorePMU: Bool) throws(SamplingError) -> Sampler {
        var counterEvents = events
        counterEvents[0].attributes.sampling = interval(events[0])
        let cpus = self.cpus(online: online)
        // IDENTIFIER says which event wrote a record (ID would repeat it): 8 bytes less a record, more in the buffer.
        var sampleType: SampleType = [.identifier, .ip, .tid, .time, .cpu, .period]
        if events[0].attributes.type == LegacyType.tracepoint { sampleType.insert(.raw) }
        if events[0].attributes.type == LegacyType.breakpoint { sampleType.insert(.addr) }
        // An inherited event needs a buffer per CPU: the kernel maps none for a task on any CPU.
        let options = SamplingOptions(
            // Woken when an eighth of the buffer is written (perf record: half): a reader held up
            // on a busy machine then still has 7/8 of the buffer before the kernel must drop.
            target: .threads([child], on: cpus), sampleType: sampleType, wakeup: .bytes(Self.watermark(pages: pages)),
            sampleIDAll: true, recordTasks: true, dataPages: pages, inherit: true, enableOnExec: true,
            machineHasCorePMU: machineHasCorePMU)
        return try Sampler(counterEvents, options: options)
    }

    /// The wakeup watermark for `pages` data pages: an eighth of the buffer, at least 8 bytes.
    static func watermark(pages: Int) -> UInt32 {
        UInt32(clamping: max(8, pages * Int(getpagesize()) / 8))
    }

    /// The CPUs to open on: the online ones, those of the leader's PMU for a core PMU.
    func cpus(online: CPUSet) -> CPUSet {
        if let pmu = events[0].pmu.value, pmu.isCore, let pmuCPUs = pmu.cpus { return online.intersection(pmuCPUs) }
        return online
    }

    /// Whether every occurrence of the leader is a sample, so that the kernel's
    /// count must equal received plus lost; nil when it is, else why not.
    ///
    /// A tracepoint or a software event other than the two clocks, sampled by
    /// period with PERF_SAMPLE_PERIOD, is sampled on every occurrence whatever
    /// the period (the kernel's perf_swevent_event hands each one over, its
    /// period in the sample); the clocks and hardware events sample every N.
    func whyNotEveryOccurrence(_ interval: SamplingInterval) -> String? {
        let attributes = events[0].attributes
        if interval.isFrequency { return "sampled at a frequency, not on every occurrence" }
        if attributes.type == LegacyType.tracepoint { return nil }
        if attributes.type == LegacyType.software && attributes.config > 1 { return nil }
        return "a sample every \(interval.value) of \(events[0].label), not every occurrence"
    }

    /// A counting event on the leader, on the same threads and CPUs, inherited
    /// and enabled at exec like the sampler: the kernel's own count to check
    /// the samples against.
    func openCounter(child: Int32, online: CPUSet, machineHasCorePMU: Bool) throws(CounterError) -> Counter {
        var event = events[0]
        event.attributes.sampling = nil
        let options = CounterOptions(target: .threads([child], on: cpus(online: online)), inherit: true, enableOnExec: true,
                                     requestLostCount: false, machineHasCorePMU: machineHasCorePMU)
        return try Counter(event, options: options)
    }

    /// The leader as a tracepoint (subsystem, event), when it is one.
    var tracepointName: TracingData.Tracepoint? {
        guard let leader = events.first, case .tracepoint = leader.source else { return nil }
        let name = leader.label
        guard let colon = name.firstIndex(of: ":") else { return nil }
        return TracingData.Tracepoint(subsystem: String(name[..<colon]), event: String(name[name.index(after: colon)...]))
    }
}
