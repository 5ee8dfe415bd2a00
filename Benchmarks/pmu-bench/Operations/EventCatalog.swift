// Which events pmu-bench reads on each kind of PMU, asked of the library by value
// (the PMU from discovery, hardware and software events by case, tracepoint names,
// breakpoint addresses from the bench's own variables): no event text is built
// and parsed back.
import PerfEvents
import PMUBenchCore

enum EventCatalog {
    /// Up to four events to open on `pmu` (fewer are repeated so that groups of 2
    /// and 4 can still be formed), or why there are none.
    static func events(for pmu: PMU, resolver: Resolver) -> Result<[EventSpec], BenchFailure> {
        var events: [EventSpec] = []
        var problems: [BenchFailure] = []
        func add(_ make: () throws(ResolutionError) -> Event) {
            guard events.count < 4 else { return }
            do {
                let event = try make()
                if let problem = typeProblem(event, pmu: pmu) {
                    // Resolution and discovery disagree: the benchmark's (or the library's) fault.
                    problems.append(BenchFailure(problem))
                } else {
                    events.append(EventSpec(event: event))
                }
            } catch {
                problems.append(BenchFailure(error.description, condition: HostCondition.of(error)))
            }
        }
        switch pmu.kind {
        case .software:
            for software in [SoftwareEvent.taskClock, .pageFaults, .contextSwitches, .cpuMigrations] {
                add { .software(software) }
            }
        case .tracepoint:
            for (subsystem, name) in [("syscalls", "sys_enter_getppid"), ("sched", "sched_switch"),
                                      ("sched", "sched_wakeup"), ("sched", "sched_process_fork")] {
                add { () throws(ResolutionError) in try resolver.event(tracepoint: subsystem, name) }
            }
        case .breakpoint:
            // Write watchpoints (8 bytes) on words of this program nobody writes.
            // Named by word, not address, so that names match across runs (ASLR).
            for index in 0..<watchedWordCount {
                var watchpoint = Event.breakpoint(
                    address: UInt64(UInt(bitPattern: watchedWords.advanced(by: index))), length: 8, access: .write)
                watchpoint.name = "mem:watched[\(index)]:w"
                add { watchpoint }
            }
        case .core:
            // This core PMU's cycles etc. (`pmu/cycles/`): with several core PMUs
            // (hybrid, big.LITTLE) the extended type (PMU type << 32).
            for hardware in [HardwareEvent.cycles, .instructions, .branchInstructions, .branchMisses] {
                add { () throws(ResolutionError) in try resolver.event(hardware, on: pmu) }
            }
        case .uncore:
            return .failure(BenchFailure("uncore PMU: counts per CPU (pid -1), not per thread; not measured",
                                         condition: .pmuCountsPerCPUOnly))
        case .other:
            if pmu.aliases.isEmpty {
                return .failure(BenchFailure("no events in sysfs (\(pmu.name) needs a probe or parameters)",
                                             condition: .pmuNeedsParameters))
            }
            for alias in pmu.aliases {
                add { () throws(ResolutionError) in try resolver.event(alias: alias.name, on: pmu) }
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
    static func typeProblem(_ event: Event, pmu: PMU) -> String? {
        if pmu.isCore {
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
