import CPerfEvents

/// The same work, run once per core PMU of a big.LITTLE (or Intel hybrid) machine,
/// pinned to that PMU's CPUs, and counted with that PMU's own events: how the big
/// cores and the little ones compare on it.
///
/// For each core PMU, and each repetition, the calling thread is moved to the PMU's
/// CPUs (`Affinity.withCallingThread(on:_:)`, the placement API: a process the work
/// starts inherits the placement), the work runs, and the thread goes back. The
/// counters are the calling thread's, inherited by the threads and processes the
/// work creates, and name the PMU explicitly: its own sysfs alias for cycles,
/// instructions, branches and branch misses (its own `type`, as every kernel
/// accepts), else the generic event on that PMU (the extended type). An event the
/// PMU cannot count reads as not supported with the reason, never as a zero.
///
/// ```swift
/// let inventory = try PMUDiscovery().discover()
/// let comparison = try CorePMUComparison(pmus: inventory.pmus)   // throws on 0 or 1 core PMU
/// let measurements = try comparison.run(repetitions: 5, resolver: Resolver(pmus: inventory.pmus)) { _ in
///     work()
/// }
/// for m in measurements { print(m.pmu.name, m.mean(.cycles) ?? 0, m.instructionsPerCycle ?? 0) }
/// ```
public struct CorePMUComparison: Sendable {
    /// What each run counts.
    public enum Quantity: Hashable, Sendable, CaseIterable {
        /// `task-clock` (software): nanoseconds the work ran on a CPU.
        case taskClock
        /// `cycles`: the PMU's cycle counter (its own alias, else `PERF_COUNT_HW_CPU_CYCLES` on it).
        case cycles
        /// `instructions`: instructions retired (`PERF_COUNT_HW_INSTRUCTIONS`).
        case instructions
        /// `branches`: branch instructions retired (`PERF_COUNT_HW_BRANCH_INSTRUCTIONS`).
        case branches
        /// `branch-misses`: mispredicted branches (`PERF_COUNT_HW_BRANCH_MISSES`).
        case branchMisses

        /// A short name for tables: `task-clock`, `cycles`, …
        public var label: String {
            switch self {
            case .taskClock: return "task-clock"
            case .cycles: return "cycles"
            case .instructions: return "instructions"
            case .branches: return "branches"
            case .branchMisses: return "branch-misses"
            }
        }

        /// The hardware event of a hardware quantity (nil for task-clock).
        package var hardware: HardwareEvent? {
            switch self {
            case .taskClock: return nil
            case .cycles: return .cycles
            case .instructions: return .instructions
            case .branches: return .branchInstructions
            case .branchMisses: return .branchMisses
            }
        }

        /// This quantity on `pmu`: its own alias when it has one, else the generic
        /// event on it (``Resolver/nativeEvent(_:on:modifiers:)``); task-clock is software.
        package func event(on pmu: PMU, resolver: Resolver) throws(ResolutionError) -> Event {
            guard let hardware else { return .software(.taskClock) }
            return try resolver.nativeEvent(hardware, on: pmu)
        }
    }

    /// The core PMUs compared, in discovery order; each covers a CPU list.
    public let pmus: [PMU]

    /// The core PMUs of `pmus` to compare; throws when there are fewer than two
    /// (nothing to compare) or one lists no CPUs (nowhere to pin).
    public init(pmus: [PMU]) throws(CorePMUComparisonError) {
        let cores = pmus.filter { $0.isCore }
        if cores.isEmpty { throw .noCorePMU }
        if cores.count == 1 { throw .oneCorePMU(cores[0].name) }
        for core in cores {
            guard let cpus = core.cpus, !cpus.isEmpty else { throw .noCPUList(core.name) }
        }
        self.pmus = cores
    }

    /// Runs `work` `repetitions` times on each PMU's CPUs, counting it. Repetitions are
    /// the outer loop (every PMU once, then every PMU again, …), so a slow drift of the
    /// machine (frequency, temperature, other load) falls on each PMU alike instead of on
    /// whichever ran last. `work` gets the PMU it runs for.
    public func run(repetitions: Int, resolver: Resolver, work: (PMU) -> Void) throws(CorePMUComparisonError) -> [CorePMUMeasurement] {
        guard repetitions > 0 else { throw .noRepetitions(repetitions) }
        // Every PMU's events, resolved and opened (disabled) once.
        var lists: [(list: EventList, unresolved: [Quantity: UnavailableReason], labels: [String])] = []
        for pmu in pmus {
            var groups: [ResolvedGroup] = []
            var unresolved: [Quantity: UnavailableReason] = [:]
            var labels: [String] = []
            for quantity in Quantity.allCases {
                do {
                    let event = try quantity.event(on: pmu, resolver: resolver)
                    groups.append(ResolvedGroup(text: event.text, isGroup: false, events: [event]))
                    labels.append(event.text)
                } catch {
                    unresolved[quantity] = .unresolved(input: "\(quantity.label) on \(pmu.name)", error)
                    labels.append("\(quantity.label) on \(pmu.name)")
                }
            }
            var options = CounterOptions(target: .callingThread, machineHasCorePMU: true)
            options.inherit = true
            options.startDisabled = true
            lists.append((EventList(groups, options: options), unresolved, labels))
        }
        var runs = [[CorePMUMeasurement.Run]](repeating: [], count: pmus.count)
        for _ in 0..<repetitions {
            for (index, pmu) in pmus.enumerated() {
                let list = lists[index].list
                try? list.reset()
                let elapsed: UInt64
                do {
                    elapsed = try Affinity.withCallingThread(on: pmu) {
                        try? list.enable()
                        let start = cpe_monotonic_ns()
                        work(pmu)
                        let end = cpe_monotonic_ns()
                        try? list.disable()
                        return end &- start
                    }
                } catch {
                    throw .pinFailed(pmu: pmu.name, error)
                }
                let readings = list.read()
                var values: [CounterValue] = []
                var next = readings.makeIterator()
                for quantity in Quantity.allCases {
                    if let reason = lists[index].unresolved[quantity] {
                        values.append(CounterValue(unavailable: reason))
                    } else {
                        values.append(next.next()?.value ?? CounterValue(unavailable: .severalPMUs(input: quantity.label, pmus: [])))
                    }
                }
                runs[index].append(CorePMUMeasurement.Run(elapsedNanoseconds: elapsed, values: values))
            }
        }
        return pmus.enumerated().map { index, pmu in
            CorePMUMeasurement(pmu: pmu, events: lists[index].labels, runs: runs[index])
        }
    }
}

/// What ``CorePMUComparison`` measured on one core PMU.
public struct CorePMUMeasurement: Sendable {
    /// One repetition: its wall time and a value per ``CorePMUComparison/Quantity`` (in `allCases` order).
    public struct Run: Sendable {
        /// The run's wall-clock time, in nanoseconds.
        public var elapsedNanoseconds: UInt64
        /// One value per quantity, in `CorePMUComparison.Quantity.allCases` order.
        public var values: [CounterValue]

        package init(elapsedNanoseconds: UInt64, values: [CounterValue]) {
            self.elapsedNanoseconds = elapsedNanoseconds
            self.values = values
        }
    }

    /// The core PMU the work was pinned to and counted on.
    public var pmu: PMU
    /// What was counted for each quantity, in perf's syntax (`armv8_cortex_a72/cpu_cycles/`, …).
    public var events: [String]
    /// The repetitions, in the order they ran.
    public var runs: [Run]

    package init(pmu: PMU, events: [String], runs: [Run]) {
        self.pmu = pmu
        self.events = events
        self.runs = runs
    }

    private func index(_ quantity: CorePMUComparison.Quantity) -> Int {
        CorePMUComparison.Quantity.allCases.firstIndex(of: quantity) ?? 0
    }

    /// Each run's value of `quantity`.
    public func values(_ quantity: CorePMUComparison.Quantity) -> [CounterValue] {
        let at = index(quantity)
        return runs.map { at < $0.values.count ? $0.values[at] : CounterValue(unavailable: .severalPMUs(input: quantity.label, pmus: [])) }
    }

    /// The mean scaled count of `quantity`, nil when some run has no count.
    public func mean(_ quantity: CorePMUComparison.Quantity) -> Double? {
        let counts = values(quantity).map { $0.scaled }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else { return nil }
        return counts.reduce(0.0) { $0 + Double($1 ?? 0) } / Double(counts.count)
    }

    /// Why `quantity` has no count, when a run has none.
    public func unavailable(_ quantity: CorePMUComparison.Quantity) -> UnavailableReason? {
        for value in values(quantity) {
            if case .notSupported(let reason) = value.status { return reason }
        }
        return nil
    }

    /// The standard deviation of the mean of `quantity` over the mean, in percent (perf's `+-`).
    public func spreadPercent(_ quantity: CorePMUComparison.Quantity) -> Double? {
        guard let mean = mean(quantity), mean > 0, runs.count > 1 else { return nil }
        let counts = values(quantity).map { Double($0.scaled ?? 0) }
        let variance = counts.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(counts.count - 1)
        return (variance / Double(counts.count)).squareRoot() / mean * 100
    }

    /// The mean wall time of a run, nanoseconds.
    public var meanElapsedNanoseconds: Double {
        runs.isEmpty ? 0 : runs.reduce(0.0) { $0 + Double($1.elapsedNanoseconds) } / Double(runs.count)
    }

    /// The derived values, with the rules of `DerivedMetrics` (all on this PMU).
    public func metric(_ quantity: CorePMUComparison.Quantity) -> DerivedMetric? {
        let inputs = CorePMUComparison.Quantity.allCases.map { quantity in
            DerivedMetrics.Input(role: quantity.role, pmu: quantity == .taskClock ? nil : pmu.name, count: mean(quantity))
        }
        return DerivedMetrics.metric(for: inputs[index(quantity)], among: inputs, elapsedNanoseconds: meanElapsedNanoseconds)
    }

    /// Instructions per cycle (both on this PMU), nil without both counts.
    package var instructionsPerCycle: Double? { metric(.instructions)?.value }
    /// Branch misses per branch, percent.
    package var branchMissPercent: Double? { metric(.branchMisses)?.value }
    /// Cycles per task-clock nanosecond.
    package var gigahertz: Double? { metric(.cycles)?.value }
}

extension CorePMUComparison.Quantity {
    var role: MetricRole {
        switch self {
        case .taskClock: return .taskClock
        case .cycles: return .cycles
        case .instructions: return .instructions
        case .branches: return .branches
        case .branchMisses: return .branchMisses
        }
    }
}

/// Why there is nothing to compare, or the work could not be placed.
public enum CorePMUComparisonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No hardware CPU PMU in sysfs (a VM without a virtual PMU, for instance).
    case noCorePMU
    /// One core PMU: every CPU is of one kind.
    case oneCorePMU(String)
    /// A core PMU without a `cpus` list: there is no knowing where to pin.
    case noCPUList(String)
    /// Fewer than one repetition asked for.
    case noRepetitions(Int)
    /// The thread could not be moved to the PMU's CPUs.
    case pinFailed(pmu: String, SystemError)

    public var description: String {
        switch self {
        case .noCorePMU:
            return "cannot compare core PMUs: this machine has no hardware CPU PMU in sysfs (no cpu, cpu_core/cpu_atom or armv8_* device),"
                + " as in a virtual machine without a virtual PMU"
        case .oneCorePMU(let name):
            return "cannot compare core PMUs: this machine has one, \(name), so every CPU is of the same kind;"
                + " the comparison needs a big.LITTLE or hybrid machine (two core PMUs)"
        case .noCPUList(let name):
            return "cannot compare core PMUs: \(name) lists no CPUs in sysfs, so there is nowhere to pin the work"
        case .noRepetitions(let count):
            return "the comparison needs at least one repetition, not \(count)"
        case .pinFailed(let pmu, let error):
            return "cannot pin the work to \(pmu)'s CPUs: " + error.description
        }
    }
}
