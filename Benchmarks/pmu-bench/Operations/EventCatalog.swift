// Which events pmu-bench reads on each kind of PMU.
//
// LEAD: swap `events(for:)` for the resolution layer (event strings such as
// "msr/tsc/" or "cpu_core/cycles/") once it exists; the rest only needs
// four EventSpecs per PMU.
import PerfEvents

enum EventCatalog {
    /// Up to four events to open on `pmu` (repeated when the PMU has fewer,
    /// so that groups of 2 and 4 can still be formed), or why there are none.
    static func events(for pmu: PMU, fileSystem: FileSystem) -> Result<[EventSpec], BenchFailure> {
        var events: [EventSpec] = []
        switch pmu.kind {
        case .software:
            // PERF_COUNT_SW_TASK_CLOCK, _PAGE_FAULTS, _CONTEXT_SWITCHES, _CPU_MIGRATIONS.
            for (name, config) in [("task-clock", 1), ("page-faults", 2), ("context-switches", 3), ("cpu-migrations", 4)] {
                events.append(EventSpec(name: name, attributes: EventAttributes(type: pmu.type, config: UInt64(config))))
            }
        case .tracepoint:
            let candidates = ["sched:sched_switch", "sched:sched_wakeup", "sched:sched_process_fork", "sched:sched_process_exec"]
            var problems: [String] = []
            for name in candidates {
                switch tracepointID(name, fileSystem: fileSystem) {
                case .success(let id):
                    events.append(EventSpec(name: name, attributes: EventAttributes(type: pmu.type, config: id)))
                case .failure(let failure):
                    problems.append(failure.description)
                }
            }
            if events.isEmpty { return .failure(BenchFailure(problems.first ?? "no tracepoints")) }
        case .breakpoint:
            // Write watchpoints (HW_BREAKPOINT_W, 8 bytes) on words nobody writes.
            // Named by word, not address, so that names match across runs (ASLR).
            for index in 0..<4 {
                let address = UInt64(UInt(bitPattern: watchedWords.advanced(by: index)))
                events.append(EventSpec(name: "mem:word\(index):w8", attributes: EventAttributes(
                    type: pmu.type, config1: address, config2: 8, breakpointType: 2)))
            }
        case .core:
            // Legacy hardware events with the PMU's type in the upper 32 bits
            // (the "extended type" that picks one core PMU of a hybrid machine).
            let extended: UInt64 = pmu.name == "cpu" ? 0 : UInt64(pmu.type) << 32
            for (name, config) in [("cycles", 0), ("instructions", 1), ("branches", 4), ("branch-misses", 5)] {
                events.append(EventSpec(name: name, attributes: EventAttributes(
                    type: LegacyType.hardware, config: extended | UInt64(config))))
            }
        case .uncore:
            return .failure(BenchFailure("uncore PMU: counts per CPU (pid -1), not per thread; not measured"))
        case .other:
            for alias in pmu.aliases {
                if let config = simpleConfig(alias, pmu: pmu) {
                    events.append(EventSpec(name: "\(pmu.name)/\(alias.name)/",
                                            attributes: EventAttributes(type: pmu.type, config: config)))
                }
            }
            if events.isEmpty {
                return .failure(BenchFailure(pmu.aliases.isEmpty
                    ? "no events in sysfs (\(pmu.name) needs a probe or parameters)"
                    : "no event of \(pmu.name) is a plain event=N term"))
            }
        }
        var index = 0
        while events.count < 4 {
            events.append(events[index])
            index += 1
        }
        return .success(Array(events.prefix(4)))
    }

    /// The config of an alias made of a single `event=N` term, when the PMU's
    /// `event` format is one contiguous range of `config`.
    static func simpleConfig(_ alias: EventAlias, pmu: PMU) -> UInt64? {
        guard alias.terms.count == 1, alias.terms[0].name == "event",
              case .number(let value) = alias.terms[0].value,
              let format = pmu.format(named: "event"), format.word == .config, format.ranges.count == 1,
              let range = format.ranges.first else { return nil }
        let width = range.count
        guard width == 64 || value < (UInt64(1) << UInt64(width)) else { return nil }
        return value << UInt64(range.lowerBound)
    }

    /// A tracepoint's id from tracefs (`sys:name`).
    static func tracepointID(_ name: String, fileSystem: FileSystem) -> Result<UInt64, BenchFailure> {
        let parts = name.split(separator: ":")
        guard parts.count == 2 else { return .failure(BenchFailure("tracepoint '\(name)' is not sys:name")) }
        var lastError = ""
        for root in ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"] {
            let path = "\(root)/\(parts[0])/\(parts[1])/id"
            do {
                let text = try fileSystem.readAttribute(path)
                if let id = UInt64(text) { return .success(id) }
                lastError = "\(path) holds '\(text)', not an id"
            } catch {
                lastError = error.description
            }
        }
        return .failure(BenchFailure("tracepoint \(name): \(lastError) (is tracefs mounted? mount -t tracefs nodev /sys/kernel/tracing)"))
    }

    /// Four words for the write watchpoints, allocated once and never freed.
    nonisolated(unsafe) static let watchedWords: UnsafeMutablePointer<UInt64> = {
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: 4)
        words.initialize(repeating: 0, count: 4)
        return words
    }()
}
