import PerfEvents

/// What `pmu stat` opens: the resolved groups as one ``EventList``, or one per CPU with -A.
struct StatPlan {
    var groups: [ResolvedGroup]
    var inventory: PMUInventory
    var procRoot: String
    /// -A: the CPUs to count on one by one (the target must then be CPU-wide).
    var perCPU: [Int]?

    /// Opens every counter on `target` (disabled, or enabled at the child's exec).
    /// A refused event becomes a not-supported result with the kernel's reason; the others still count.
    func open(target: CountingTarget, enableOnExec: Bool) -> StatSession {
        var options = CounterOptions(target: target)
        options.inherit = enableOnExec
        options.enableOnExec = enableOnExec
        options.startDisabled = !enableOnExec
        options.machineHasCorePMU = inventory.hasCorePMU
        options.procRoot = procRoot
        if let perCPU {
            return StatSession(lists: perCPU.map { cpu in
                var options = options
                options.target = .cpus(CPUSet([cpu]))
                return (cpu, EventList(groups, options: options))
            })
        }
        return StatSession(lists: [(nil, EventList(groups, options: options))])
    }
}

/// The open counters of one run.
struct StatSession {
    var lists: [(cpu: Int?, list: EventList)]

    func enable() { for entry in lists { try? entry.list.enable() } }
    func disable() { for entry in lists { try? entry.list.disable() } }

    /// Every event's value, event by event and, with -A, CPU by CPU within an event
    /// (perf's order). With -A a core PMU's event is shown on the CPUs it covers only.
    func read() -> [StatResult] {
        let readings = lists.map { ($0.cpu, $0.list.read()) }
        guard let first = readings.first else { return [] }
        var results: [StatResult] = []
        for index in first.1.indices {
            var row: [StatResult] = []
            for (cpu, values) in readings where index < values.count {
                row.append(StatResult(event: values[index].event, value: values[index].value, cpu: cpu))
            }
            if lists.count > 1 {
                let covered = row.filter {
                    if case .notSupported(.noCoveredCPU) = $0.value.status { return false }
                    return true
                }
                if !covered.isEmpty { row = covered }
            }
            results += row
        }
        return results
    }
}

extension StatResult {
    /// What was counted between `earlier` and `self` (same event), for -I: the
    /// count and times since the last interval. No time running in between reads
    /// as not counted, as perf prints it.
    func since(_ earlier: StatResult) -> StatResult {
        guard value.scaled != nil || { if case .notCounted = value.status { return true }; return false }() else { return self }
        var delta = self
        delta.value = CounterValue(raw: value.raw &- earlier.value.raw,
                                   timeEnabled: value.timeEnabled &- earlier.value.timeEnabled,
                                   timeRunning: value.timeRunning &- earlier.value.timeRunning)
        return delta
    }
}
