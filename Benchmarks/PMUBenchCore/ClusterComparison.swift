/// One method across the core PMUs (big and little clusters, P- and E-cores):
/// the Swift implementation's latency on one CPU of each, and each PMU's
/// ratio to the first with a bootstrap 95 % interval. The clusters are
/// measured one after the other, not interleaved, so the interval comes from
/// resampling each cluster's block medians independently.
public struct ClusterComparison: Hashable, Sendable {
    /// One core PMU's figure.
    public struct Cluster: Hashable, Sendable {
        public var pmu: String
        /// The CPU the row ran on.
        public var cpu: Int?
        public var p50: UInt64
        /// This cluster's p50 over the first cluster's, with its interval (nil for the first).
        public var ratio: RatioEstimate?
    }

    /// `read` or `exit`.
    public var table: String
    /// The read method or exit kind.
    public var method: String
    public var clusters: [Cluster]

    /// Every method measured on two or more core PMUs of `report`, in report order.
    public static func compute(_ report: BenchReport) -> [ClusterComparison] {
        let corePMUs = report.environment.pmus.filter { $0.kind == "core" }.map(\.name)
        guard corePMUs.count >= 2 else { return [] }
        var result: [ClusterComparison] = []
        var methods: [String] = []
        for row in report.readLatency where corePMUs.contains(row.pmu) && !methods.contains(row.method) {
            methods.append(row.method)
        }
        for method in methods {
            let rows = corePMUs.compactMap { pmu in
                report.readLatency.first { $0.pmu == pmu && $0.method == method && $0.implementation == .swift }
            }
            if let comparison = make(table: "read", method: method, rows: rows.map { ($0.pmu, $0.ns.p50, $0.data) }) {
                result.append(comparison)
            }
        }
        var kinds: [String] = []
        for row in report.exitLatency where corePMUs.contains(row.pmu) && !kinds.contains(row.kind) {
            kinds.append(row.kind)
        }
        for kind in kinds {
            let rows = corePMUs.compactMap { pmu in
                report.exitLatency.first { $0.pmu == pmu && $0.kind == kind && $0.implementation == .swift }
            }
            if let comparison = make(table: "exit", method: kind, rows: rows.map { ($0.pmu, $0.ns.p50, $0.data) }) {
                result.append(comparison)
            }
        }
        return result
    }

    static func make(table: String, method: String, rows: [(String, UInt64, RowData)]) -> ClusterComparison? {
        guard rows.count >= 2, let first = rows.first else { return nil }
        let clusters = rows.enumerated().map { index, row in
            Cluster(pmu: row.0, cpu: row.2.cpu, p50: row.1,
                    ratio: index == 0 ? nil : unpairedRatio(row.2.blockMedians, first.2.blockMedians, row.1, first.1))
        }
        return ClusterComparison(table: table, method: method, clusters: clusters)
    }

    /// The ratio of the medians of two sets of block medians, with a bootstrap
    /// interval resampling each set on its own; without blocks, the p50 ratio
    /// with no interval width.
    static func unpairedRatio(_ numerator: [[UInt64]], _ denominator: [[UInt64]], _ p50: UInt64,
                              _ firstP50: UInt64, resamples: Int = 2_000) -> RatioEstimate? {
        // Not `.map(Double.init)`: on UInt64 that picks Double(bitPattern:), which keeps the ratio of
        // small integers (denormals) and garbles large ones.
        let top = numerator.flatMap { $0 }.map { Double($0) }
        let bottom = denominator.flatMap { $0 }.map { Double($0) }
        guard !top.isEmpty, !bottom.isEmpty else {
            guard firstP50 > 0 else { return nil }
            let value = Double(p50) / Double(firstP50)
            return RatioEstimate(value: value, low: value, high: value, blocks: 0, repetitions: 0)
        }
        let value = PairedRatio.median(top) / PairedRatio.median(bottom)
        var generator = SeededGenerator(seed: 0xC1A5)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let a = (0..<top.count).map { _ in top[Int.random(in: 0..<top.count, using: &generator)] }
            let b = (0..<bottom.count).map { _ in bottom[Int.random(in: 0..<bottom.count, using: &generator)] }
            ratios.append(PairedRatio.median(a) / PairedRatio.median(b))
        }
        ratios.sort()
        return RatioEstimate(value: value, low: PairedRatio.quantile(sorted: ratios, 0.025),
                             high: PairedRatio.quantile(sorted: ratios, 0.975), blocks: top.count + bottom.count,
                             repetitions: numerator.count)
    }
}
