/// The Swift implementation's p50 relative to the C reference and to the raw
/// system call floor measured in the same interleaved blocks. Ratios, not
/// absolute times, are what baselines and gates compare: they survive a
/// change of machine or of load far better.
public struct RatioRow: Codable, Hashable, Sendable {
    /// `read` or `exit`.
    public var table: String
    public var pmu: String
    /// The event (read rows) or the CPU list (exit rows).
    public var subject: String
    /// The read method or the exit kind.
    public var method: String
    /// Swift p50 / C p50; nil without a C row.
    public var swiftOverC: Double?
    /// Swift p50 / syscall-floor p50; nil without a floor row.
    public var swiftOverFloor: Double?

    public init(table: String, pmu: String, subject: String, method: String,
                swiftOverC: Double?, swiftOverFloor: Double?) {
        self.table = table
        self.pmu = pmu
        self.subject = subject
        self.method = method
        self.swiftOverC = swiftOverC
        self.swiftOverFloor = swiftOverFloor
    }

    enum CodingKeys: String, CodingKey {
        case table, pmu, subject, method
        case swiftOverC = "swift_over_c"
        case swiftOverFloor = "swift_over_floor"
    }

    /// The key a baseline is matched on.
    public var key: String { "\(table) \(pmu) \(subject) \(method)" }

    /// One ratio row per Swift row that has a C or floor row beside it.
    public static func compute(readLatency: [ReadLatencyRow], exitLatency: [ExitLatencyRow]) -> [RatioRow] {
        var rows: [RatioRow] = []
        for swift in readLatency where swift.implementation == .swift {
            func p50(_ implementation: Implementation) -> UInt64? {
                readLatency.first {
                    $0.pmu == swift.pmu && $0.event == swift.event && $0.method == swift.method
                        && $0.implementation == implementation
                }?.ns.p50
            }
            let row = RatioRow(
                table: "read", pmu: swift.pmu, subject: swift.event, method: swift.method,
                swiftOverC: ratio(swift.ns.p50, p50(.c)), swiftOverFloor: ratio(swift.ns.p50, p50(.syscallFloor)))
            if row.swiftOverC != nil || row.swiftOverFloor != nil { rows.append(row) }
        }
        for swift in exitLatency where swift.implementation == .swift {
            func p50(_ implementation: Implementation) -> UInt64? {
                exitLatency.first {
                    $0.pmu == swift.pmu && $0.kind == swift.kind && $0.implementation == implementation
                }?.ns.p50
            }
            let row = RatioRow(
                table: "exit", pmu: swift.pmu, subject: swift.cpus, method: swift.kind,
                swiftOverC: ratio(swift.ns.p50, p50(.c)), swiftOverFloor: ratio(swift.ns.p50, p50(.syscallFloor)))
            if row.swiftOverC != nil || row.swiftOverFloor != nil { rows.append(row) }
        }
        return rows
    }

    /// `numerator / denominator`, nil when either is missing or the denominator is 0.
    static func ratio(_ numerator: UInt64, _ denominator: UInt64?) -> Double? {
        guard let denominator, denominator > 0 else { return nil }
        return Double(numerator) / Double(denominator)
    }
}
