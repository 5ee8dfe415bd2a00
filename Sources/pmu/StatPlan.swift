import PerfEvents

/// One counted event of `pmu stat`.
struct StatResult {
    var event: ResolvedEvent
    var value: CounterValue
    /// The scaled count of each run (nil where it did not count), for the spread over -r runs.
    var perRun: [UInt64?]

    /// The mean over several runs of the same plan: raw counts and times averaged
    /// (so scaling and status come out as for one run), statuses kept when refused.
    static func mean(of runs: [[StatResult]]) -> [StatResult] {
        guard let first = runs.first else { return [] }
        return first.indices.map { index in
            let values = runs.map { $0[index].value }
            var result = first[index]
            result.perRun = values.map { $0.scaled }
            if case .notSupported = values[0].status { return result }
            let count = UInt64(values.count)
            let raw = values.reduce(UInt64(0)) { $0 &+ $1.raw } / count
            let enabled = values.reduce(UInt64(0)) { $0 &+ $1.timeEnabled } / count
            let running = values.reduce(UInt64(0)) { $0 &+ $1.timeRunning } / count
            result.value = CounterValue(raw: raw, timeEnabled: enabled, timeRunning: running)
            return result
        }
    }
}

/// What `pmu stat` opens: each resolved group as a perf group, other events alone.
struct StatPlan {
    var groups: [ResolvedGroup]
    var inventory: PMUInventory
    var procRoot: String

    /// Opens every counter on `target`, runs `body` (which lets a waiting child exec
    /// and waits for it, or sleeps), and reads. A refused event becomes a
    /// not-supported result with the kernel's reason; the others still count.
    func count(
        target: CountingTarget, waitingChild: WaitingChild?, during body: () throws -> Int32
    ) throws -> [StatResult] {
        var options = CounterOptions(target: target)
        options.inherit = waitingChild != nil
        options.enableOnExec = waitingChild != nil
        options.machineHasCorePMU = inventory.hasCorePMU
        options.procRoot = procRoot

        enum Opened {
            case single(Counter)
            case group(CounterGroup)
            case refused(CounterError)
            case unavailable(String)
        }
        var opened: [(events: [ResolvedEvent], counters: Opened)] = []
        for group in groups {
            let events = group.events.map { event in
                CounterEvent(event, pmu: event.pmu.flatMap { try? inventory.pmu(named: $0) })
            }
            // CPU-wide on a core PMU of a heterogeneous machine: only the CPUs it covers.
            var options = options
            if target.isCPUWide, let pmu = events.compactMap({ $0.pmu }).first(where: { $0.kind == .core }),
               let pmuCPUs = pmu.cpus {
                let asked = CPUSet(target.cpus.map(Int.init))
                let covered = asked.intersection(pmuCPUs)
                if covered.isEmpty {
                    opened.append((group.events, .unavailable(
                        "\(pmu.name) covers CPUs \(pmuCPUs), none of the CPUs counted (\(asked))")))
                    continue
                }
                options.target = .cpus(covered)
            }
            if group.isGroup && events.count > 1 {
                do {
                    opened.append((group.events, .group(try CounterGroup(events, options: options))))
                } catch {
                    opened.append((group.events, .refused(error)))
                }
            } else {
                for (index, event) in events.enumerated() {
                    do {
                        opened.append(([group.events[index]], .single(try Counter(event, options: options))))
                    } catch {
                        opened.append(([group.events[index]], .refused(error)))
                    }
                }
            }
        }
        let enableNow = waitingChild == nil
        if enableNow {
            for entry in opened {
                switch entry.counters {
                case .single(let counter): try? counter.enable()
                case .group(let group): try? group.enable()
                case .refused, .unavailable: break
                }
            }
        }
        _ = try body()
        var results: [StatResult] = []
        for entry in opened {
            switch entry.counters {
            case .single(let counter):
                if enableNow { try? counter.disable() }
                let value: CounterValue
                do { value = try counter.read() } catch { value = CounterValue(notSupported: "read failed: \(error.description)") }
                results.append(StatResult(event: entry.events[0], value: value, perRun: []))
            case .group(let group):
                if enableNow { try? group.disable() }
                let values: [CounterValue]
                do { values = try group.read() } catch {
                    values = entry.events.map { _ in CounterValue(notSupported: "read failed: \(error.description)") }
                }
                for (event, value) in zip(entry.events, values) {
                    results.append(StatResult(event: event, value: value, perRun: []))
                }
            case .refused(let error):
                for event in entry.events {
                    results.append(StatResult(event: event, value: CounterValue(notSupported: error), perRun: []))
                }
            case .unavailable(let reason):
                for event in entry.events {
                    results.append(StatResult(event: event, value: CounterValue(notSupported: reason), perRun: []))
                }
            }
        }
        return results
    }
}
