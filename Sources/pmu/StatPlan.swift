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

/// What `pmu stat` opens: the resolved groups as one ``EventList``.
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
        let list = EventList(groups, options: options)
        // With a waiting child the counters start at its exec (enable_on_exec).
        let enableNow = waitingChild == nil
        if enableNow { try? list.enable() }
        _ = try body()
        if enableNow { try? list.disable() }
        return list.read().map { StatResult(event: $0.event, value: $0.value, perRun: []) }
    }
}
