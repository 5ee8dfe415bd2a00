// Which events pmu-bench reads on each kind of PMU, as event strings the
// library's Resolver turns into attributes (types from discovery, tracepoint
// ids from tracefs, breakpoint addresses from the bench's own variables).
import PerfEvents
import PMUBenchCore

enum EventCatalog {
    /// The event strings read on `pmu` (four where the PMU has them; fewer are
    /// repeated so that groups of 2 and 4 can still be formed), or why none.
    static func eventStrings(for pmu: PMU) -> Result<[(name: String, text: String)], BenchFailure> {
        switch pmu.kind {
        case .software:
            return .success(["task-clock", "page-faults", "context-switches", "cpu-migrations"].map { ($0, $0) })
        case .tracepoint:
            return .success(["syscalls:sys_enter_getppid", "sched:sched_switch", "sched:sched_wakeup",
                             "sched:sched_process_fork"].map { ($0, $0) })
        case .breakpoint:
            // Write watchpoints (8 bytes) on words of this program nobody writes.
            // Named by word, not address, so that names match across runs (ASLR).
            return .success((0..<watchedWordCount).map { index in
                let address = UInt(bitPattern: watchedWords.advanced(by: index))
                return ("mem:watched[\(index)]:w", "mem:0x\(String(address, radix: 16))/8:w")
            })
        case .core:
            // `pmu/generic/`: this core PMU's cycles etc. With several core PMUs
            // (hybrid, big.LITTLE) the Resolver uses the extended type (PMU type << 32).
            return .success(["cycles", "instructions", "branches", "branch-misses"].map {
                ("\(pmu.name)/\($0)/", "\(pmu.name)/\($0)/")
            })
        case .uncore:
            return .failure(BenchFailure("uncore PMU: counts per CPU (pid -1), not per thread; not measured",
                                         condition: .pmuCountsPerCPUOnly))
        case .other:
            if pmu.aliases.isEmpty {
                return .failure(BenchFailure("no events in sysfs (\(pmu.name) needs a probe or parameters)",
                                             condition: .pmuNeedsParameters))
            }
            return .success(pmu.aliases.map { ("\(pmu.name)/\($0.name)/", "\(pmu.name)/\($0.name)/") })
        }
    }

    /// Up to four resolved events to open on `pmu`, or why there are none.
    static func events(for pmu: PMU, resolver: Resolver) -> Result<[EventSpec], BenchFailure> {
        let strings: [(name: String, text: String)]
        switch eventStrings(for: pmu) {
        case .success(let found): strings = found
        case .failure(let failure): return .failure(failure)
        }
        var events: [EventSpec] = []
        var problems: [BenchFailure] = []
        for (name, text) in strings where events.count < 4 {
            let resolved: [ResolvedEvent]
            do {
                resolved = try resolver.resolve(text).flatMap(\.events)
            } catch {
                problems.append(BenchFailure(error.description, condition: HostCondition.of(error)))
                continue
            }
            for event in resolved where events.count < 4 {
                if let problem = typeProblem(event, pmu: pmu) {
                    // Resolution and discovery disagree: the benchmark's (or the library's) fault.
                    problems.append(BenchFailure(problem))
                    continue
                }
                events.append(EventSpec(name: name, attributes: event.attributes, pmu: pmu))
            }
        }
        guard !events.isEmpty else {
            return .failure(problems.first ?? BenchFailure("no event of \(pmu.name) resolved"))
        }
        var index = 0
        while events.count < 4 {
            events.append(events[index])
            index += 1
        }
        return .success(events)
    }

    /// Why a resolved event does not belong to `pmu` as discovery describes it, or nil.
    /// Hardware events of a core PMU use the legacy type 0 (with the PMU's type in
    /// config's upper half on hybrid machines); everything else uses the PMU's own type.
    static func typeProblem(_ event: ResolvedEvent, pmu: PMU) -> String? {
        if pmu.kind == .core {
            guard event.pmu.name == pmu.name else {
                return "\(event.text) resolved to PMU \(event.pmu.name ?? "none (no core PMU)"), not \(pmu.name)"
            }
            let extended = UInt32(truncatingIfNeeded: event.attributes.config >> 32)
            if event.attributes.type == LegacyType.hardware || event.attributes.type == LegacyType.hardwareCache {
                return extended == 0 || extended == pmu.type ? nil
                    : "\(event.text) carries extended type \(extended), discovery says \(pmu.name) is type \(pmu.type)"
            }
        }
        guard event.attributes.type == pmu.type else {
            return "\(event.text) resolved to type \(event.attributes.type), discovery says \(pmu.name) is type \(pmu.type)"
        }
        return nil
    }

    /// A tracepoint (`sys:name`) as the Resolver reads it from tracefs.
    static func tracepoint(_ name: String, resolver: Resolver) -> Result<ResolvedGroup, BenchFailure> {
        do {
            guard let group = try resolver.resolve(name).first, group.events.count == 1,
                  group.events[0].attributes.type == LegacyType.tracepoint else {
                return .failure(BenchFailure("\(name) did not resolve to a tracepoint"))
            }
            return .success(group)
        } catch {
            return .failure(BenchFailure("\(error.description) (is tracefs mounted? mount -t tracefs nodev /sys/kernel/tracing)",
                                         condition: HostCondition.of(error)))
        }
    }

    static let watchedWordCount = 4

    /// The words the write watchpoints watch, allocated once and never freed or written.
    nonisolated(unsafe) static let watchedWords: UnsafeMutablePointer<UInt64> = {
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: watchedWordCount)
        words.initialize(repeating: 0, count: watchedWordCount)
        return words
    }()
}
