/// What a counted event is to the metrics `perf stat` prints beside counts.
package enum MetricRole: Hashable, Sendable {
    /// `task-clock`: nanoseconds the counted tasks ran.
    case taskClock
    /// `cpu-clock`: nanoseconds of CPU time (what perf counts with `-a`).
    case cpuClock
    /// CPU cycles (generic, extended-type, or the PMU's own alias).
    case cycles
    /// Instructions retired.
    case instructions
    /// Branch instructions.
    case branches
    /// Mispredicted branches.
    case branchMisses
    /// Anything else: only a rate per second is derived from it.
    case other

    /// The role of `event`: a software clock, or one of the generic hardware events
    /// whatever way resolution chose to name it (legacy type 0, extended type
    /// `pmu << 32 | id`, or the core PMU's own sysfs alias).
    package init(_ event: Event) {
        let attributes = event.attributes
        switch attributes.type {
        case LegacyType.software:
            switch attributes.config {
            case 0: self = .cpuClock
            case 1: self = .taskClock
            default: self = .other
            }
        case LegacyType.hardware:
            self = MetricRole(hardwareID: attributes.config & 0xffff_ffff)
        default:
            if case .sysfsAlias(let alias) = event.source, let pmu = event.pmu.value, pmu.isCore,
               let hardware = HardwareEvent(nativeAlias: alias) {
                self = MetricRole(hardwareID: hardware.rawValue)
            } else {
                self = .other
            }
        }
    }

    /// The role of `PERF_COUNT_HW_*` id `id`.
    package init(hardwareID id: UInt64) {
        switch id {
        case 0: self = .cycles
        case 1: self = .instructions
        case 4: self = .branches
        case 5: self = .branchMisses
        default: self = .other
        }
    }

    /// Whether this is a software clock (its count is nanoseconds).
    package var isClock: Bool { self == .taskClock || self == .cpuClock }
}

/// A value derived from counts, as `perf stat` prints it after `#`:
/// `0.116 CPUs utilized`, `3.012 GHz`, `1.45 insn per cycle`, `2.31% of all branches`, `2.259 K/sec`.
public struct DerivedMetric: Hashable, Sendable {
    /// What was derived.
    public enum Kind: Hashable, Sendable {
        /// Clock nanoseconds over elapsed nanoseconds.
        case cpusUtilized
        /// Cycles per clock nanosecond.
        case gigahertz
        /// Instructions per cycle, both on the same PMU.
        case instructionsPerCycle
        /// Branch misses per branch in percent, both on the same PMU.
        case branchMissPercent
        /// Count per second of clock time; ``DerivedMetric/value`` is already divided
        /// by the unit's prefix (K, M, G).
        case rate
    }

    /// Which ratio this is.
    public var kind: Kind
    /// The number printed (for ``Kind/rate`` after the K/M/G prefix).
    public var value: Double
    /// perf's unit text: `CPUs utilized`, `GHz`, `insn per cycle`, `of all branches`, `/sec`, `K.sec`, `M.sec`, `G.sec`.
    public var unit: String

    package init(kind: Kind, value: Double, unit: String) {
        self.kind = kind
        self.value = value
        self.unit = unit
    }

    /// A count per second with perf's prefix: above 1e9 `G.sec`, 1e6 `M.sec`, 1e3 `K.sec`.
    package static func rate(perSecond: Double) -> DerivedMetric {
        if perSecond > 1e9 { return DerivedMetric(kind: .rate, value: perSecond / 1e9, unit: "G/sec") }
        if perSecond > 1e6 { return DerivedMetric(kind: .rate, value: perSecond / 1e6, unit: "M/sec") }
        if perSecond > 1e3 { return DerivedMetric(kind: .rate, value: perSecond / 1e3, unit: "K/sec") }
        return DerivedMetric(kind: .rate, value: perSecond, unit: "/sec")
    }
}

/// perf stat's derived values, from counts alone (no kernel): pure, so the rules
/// can be tested on their own.
///
/// - a clock (`task-clock`, `cpu-clock`): CPUs utilized = clock ns ÷ elapsed ns;
/// - cycles: GHz = cycles ÷ clock ns;
/// - instructions: insn per cycle, with the cycles **of the same PMU**;
/// - branch-misses: percent of the branches **of the same PMU**;
/// - anything else (branches, context-switches, tracepoints, …): a rate per second
///   of clock time, when a clock was counted.
///
/// A ratio is formed only between events of the same PMU (on a big.LITTLE or hybrid
/// machine the `cpu_atom` instructions never divide by the `cpu_core` cycles) and of
/// the same CPU (with per-CPU output), and never from an input that has no count:
/// such a metric is nil, not a zero.
package enum DerivedMetrics {
    /// One event's count, as the metrics see it.
    package struct Input: Hashable, Sendable {
        package var role: MetricRole
        /// The PMU the event counted on (nil: none, as for a generic event on a machine without a core PMU).
        package var pmu: String?
        /// The CPU of a per-CPU count, nil for a total.
        package var cpu: Int?
        /// The (scaled) count, nil when there is none (not counted, not supported).
        package var count: Double?

        package init(role: MetricRole, pmu: String?, cpu: Int? = nil, count: Double?) {
            self.role = role
            self.pmu = pmu
            self.cpu = cpu
            self.count = count
        }

        /// `reading`'s event and scaled count.
        package init(_ reading: EventReading, cpu: Int? = nil) {
            self.init(role: MetricRole(reading.event), pmu: reading.event.pmu.name, cpu: cpu,
                      count: reading.value.scaled.map { Double($0) })
        }
    }

    /// The metric of each input, in order (nil: perf prints none for it).
    ///
    /// - Parameter elapsedNanoseconds: the wall time the counts cover (the run, or one interval).
    package static func compute(_ inputs: [Input], elapsedNanoseconds: Double) -> [DerivedMetric?] {
        inputs.map { metric(for: $0, among: inputs, elapsedNanoseconds: elapsedNanoseconds) }
    }

    /// The metric of `input` given the other counts.
    package static func metric(for input: Input, among inputs: [Input], elapsedNanoseconds: Double) -> DerivedMetric? {
        guard let count = input.count else { return nil }
        // The clock of the same CPU (a clock is software: it counts on every core PMU's CPUs).
        let clockInputs = inputs.filter { $0.role.isClock && $0.cpu == input.cpu }
        let clock: Double? = clockInputs.isEmpty ? nil : clockInputs.compactMap { $0.count }.first
        func samePMU(_ role: MetricRole) -> Double? {
            inputs.first { $0.role == role && $0.pmu == input.pmu && $0.cpu == input.cpu && $0.count != nil }?.count
        }
        switch input.role {
        case .taskClock, .cpuClock:
            guard elapsedNanoseconds > 0 else { return nil }
            return DerivedMetric(kind: .cpusUtilized, value: count / elapsedNanoseconds, unit: "CPUs utilized")
        case .cycles:
            guard let clock, clock > 0 else { return nil }
            return DerivedMetric(kind: .gigahertz, value: count / clock, unit: "GHz")
        case .instructions:
            guard let cycles = samePMU(.cycles), cycles > 0 else { return nil }
            return DerivedMetric(kind: .instructionsPerCycle, value: count / cycles, unit: "insn per cycle")
        case .branchMisses:
            guard let branches = samePMU(.branches), branches > 0 else { return nil }
            return DerivedMetric(kind: .branchMissPercent, value: count / branches * 100, unit: "of all branches")
        case .branches, .other:
            // perf: a rate once a clock was counted (0 /sec when the clock read 0).
            guard !clockInputs.isEmpty else { return nil }
            guard let clock else { return nil }
            return DerivedMetric.rate(perSecond: clock > 0 ? count * 1e9 / clock : 0)
        }
    }
}
