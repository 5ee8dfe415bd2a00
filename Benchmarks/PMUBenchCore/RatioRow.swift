/// The Swift implementation against the C reference and the system call
/// floor measured in the same interleaved blocks. Ratios, not absolute times,
/// are what baselines and gates compare: they survive a change of machine or
/// of load far better.
///
/// The main figure is the paired one (``RatioEstimate``: the median of the
/// per-block ratios with a bootstrap 95 % interval across blocks and
/// repetitions); the ratio of the two overall p50s and the timer-corrected
/// ratio sit beside it.
public struct RatioRow: Codable, Hashable, Sendable {
    /// `read` or `exit`.
    public var table: String
    public var pmu: String
    /// The event (read rows) or the CPU list (exit rows).
    public var subject: String
    /// The read method or the exit kind.
    public var method: String
    /// Swift/C, paired per block, with its interval; nil without a C row or block data.
    public var swiftOverCPaired: RatioEstimate?
    /// Swift p50 / C p50 over all samples; nil without a C row.
    public var swiftOverCP50: Double?
    /// (Swift p50 − Swift timer p50) / (C p50 − C timer p50): the ratio of the
    /// operations alone, the clock pair in every sample taken out; nil without timer rows.
    public var swiftOverCTimerCorrected: Double?
    /// Swift/floor, paired per block; nil without a floor row.
    public var swiftOverFloorPaired: RatioEstimate?
    /// Swift p50 / syscall-floor p50; nil without a floor row.
    public var swiftOverFloor: Double?

    public init(table: String, pmu: String, subject: String, method: String,
                swiftOverCPaired: RatioEstimate? = nil, swiftOverCP50: Double?, swiftOverCTimerCorrected: Double? = nil,
                swiftOverFloorPaired: RatioEstimate? = nil, swiftOverFloor: Double?) {
        self.table = table
        self.pmu = pmu
        self.subject = subject
        self.method = method
        self.swiftOverCPaired = swiftOverCPaired
        self.swiftOverCP50 = swiftOverCP50
        self.swiftOverCTimerCorrected = swiftOverCTimerCorrected
        self.swiftOverFloorPaired = swiftOverFloorPaired
        self.swiftOverFloor = swiftOverFloor
    }

    enum CodingKeys: String, CodingKey {
        case table, pmu, subject, method
        case swiftOverCPaired = "swift_over_c_paired"
        case swiftOverCP50 = "swift_over_c_p50"
        case swiftOverCTimerCorrected = "swift_over_c_timer_corrected"
        case swiftOverFloorPaired = "swift_over_floor_paired"
        case swiftOverFloor = "swift_over_floor"
    }

    /// The key a baseline is matched on.
    public var key: String { "\(table) \(pmu) \(subject) \(method)" }

    /// The Swift/C figure gates and tables use: the paired median where there
    /// are blocks, else the p50 ratio.
    public var swiftOverC: Double? { swiftOverCPaired?.value ?? swiftOverCP50 }

    /// One ratio row per Swift row that has a C or floor row beside it.
    public static func compute(readLatency: [ReadLatencyRow], exitLatency: [ExitLatencyRow],
                               timer: [TimerRow] = []) -> [RatioRow] {
        func timerP50(_ implementation: Implementation) -> UInt64? {
            timer.first { $0.implementation == implementation }?.ns.p50
        }
        var rows: [RatioRow] = []
        for swift in readLatency where swift.implementation == .swift {
            func row(_ implementation: Implementation) -> ReadLatencyRow? {
                readLatency.first {
                    $0.pmu == swift.pmu && $0.event == swift.event && $0.method == swift.method
                        && $0.implementation == implementation
                }
            }
            let c = row(.c)
            let floor = row(.syscallFloor)
            let result = RatioRow(
                table: "read", pmu: swift.pmu, subject: swift.event, method: swift.method,
                swiftOverCPaired: paired(swift.data, c?.data),
                swiftOverCP50: ratio(swift.ns.p50, c?.ns.p50),
                // A batch-timed sample carries 1/batch of a clock pair.
                swiftOverCTimerCorrected: corrected(swift.ns.p50, timerP50(.swift).map { $0 / UInt64(max(1, swift.data.batch)) },
                                                    c?.ns.p50, timerP50(.c).map { $0 / UInt64(max(1, swift.data.batch)) }),
                swiftOverFloorPaired: paired(swift.data, floor?.data),
                swiftOverFloor: ratio(swift.ns.p50, floor?.ns.p50))
            if result.swiftOverC != nil || result.swiftOverFloor != nil { rows.append(result) }
        }
        for swift in exitLatency where swift.implementation == .swift {
            func row(_ implementation: Implementation) -> ExitLatencyRow? {
                exitLatency.first { $0.pmu == swift.pmu && $0.kind == swift.kind && $0.implementation == implementation }
            }
            let c = row(.c)
            let floor = row(.syscallFloor)
            let result = RatioRow(
                table: "exit", pmu: swift.pmu, subject: swift.cpus, method: swift.kind,
                swiftOverCPaired: paired(swift.data, c?.data),
                swiftOverCP50: ratio(swift.ns.p50, c?.ns.p50),
                swiftOverCTimerCorrected: swift.data.batch == 1
                    ? corrected(swift.ns.p50, timerP50(.swift), c?.ns.p50, timerP50(.c)) : nil,
                swiftOverFloorPaired: paired(swift.data, floor?.data),
                swiftOverFloor: ratio(swift.ns.p50, floor?.ns.p50))
            if result.swiftOverC != nil || result.swiftOverFloor != nil { rows.append(result) }
        }
        return rows
    }

    /// The paired estimate of two rows' block medians; nil when either has none.
    static func paired(_ numerator: RowData, _ denominator: RowData?) -> RatioEstimate? {
        guard let denominator, !numerator.blockMedians.isEmpty, !denominator.blockMedians.isEmpty else { return nil }
        return PairedRatio.estimate(PairedRatio.blockRatios(numerator.blockMedians, denominator.blockMedians))
    }

    /// `numerator / denominator`, nil when either is missing or the denominator is 0.
    static func ratio(_ numerator: UInt64, _ denominator: UInt64?) -> Double? {
        guard let denominator, denominator > 0 else { return nil }
        return Double(numerator) / Double(denominator)
    }

    /// The ratio with each side's timer cost taken out; nil when a side would be ≤ 0.
    static func corrected(_ swift: UInt64, _ swiftTimer: UInt64?, _ c: UInt64?, _ cTimer: UInt64?) -> Double? {
        guard let swiftTimer, let c, let cTimer, swift > swiftTimer, c > cTimer else { return nil }
        return Double(swift - swiftTimer) / Double(c - cTimer)
    }
}
