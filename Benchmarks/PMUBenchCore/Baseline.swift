import Foundation

/// Why a baseline (or any report file) could not be used.
public enum BaselineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not a pmu-bench JSON report.
    case notAReport(path: String, reason: String)
    /// The file is a report of another schema.
    case wrongSchema(path: String, found: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read baseline '\(path)': \(reason); pass a file written by `pmu-bench --json`"
        case .notAReport(let path, let reason):
            return "baseline '\(path)' is not a pmu-bench JSON report (\(reason)); pass a file written by `pmu-bench --json`"
        case .wrongSchema(let path, let found):
            return "baseline '\(path)' has schema '\(found)' but this pmu-bench reads '\(BenchReport.schemaVersion)'; "
                + "record a new baseline with `pmu-bench --json`"
        }
    }
}

/// Reading reports back and comparing a run's ratios with an earlier one.
public enum Baseline {
    /// Decodes a report, checking the schema before anything else so that an
    /// old or foreign file says so instead of failing on some missing key.
    public static func decode(_ data: Data, path: String) throws(BaselineError) -> BenchReport {
        struct SchemaOnly: Decodable { var schema: String? }
        let schema: SchemaOnly
        do {
            schema = try JSONDecoder().decode(SchemaOnly.self, from: data)
        } catch {
            throw .notAReport(path: path, reason: "not a JSON object")
        }
        guard let found = schema.schema else {
            throw .notAReport(path: path, reason: "no \"schema\" key")
        }
        guard found == BenchReport.schemaVersion else {
            throw .wrongSchema(path: path, found: found)
        }
        do {
            return try JSONDecoder().decode(BenchReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .notAReport(path: path, reason: "missing \(describe(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .notAReport(path: path, reason: "wrong type at \(describe(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .notAReport(path: path, reason: "null at \(describe(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .notAReport(path: path, reason: "bad value at \(describe(context.codingPath))")
        } catch {
            throw .notAReport(path: path, reason: "undecodable")
        }
    }

    /// Reads and decodes the report at `path`.
    public static func load(_ path: String) throws(BaselineError) -> BenchReport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            var trimmed = Substring(reason)
            while trimmed.last == "." { trimmed = trimmed.dropLast() }
            throw .unreadable(path: path, reason: String(trimmed))
        }
        return try decode(data, path: path)
    }

    /// Every ratio row of `current` set against the same row of `baseline`
    /// (rows present on one side only are left out), with a verdict from the
    /// Mann–Whitney U test on the two runs' paired per-block Swift/C ratios.
    public static func compare(current: BenchReport, baseline: BenchReport,
                               significance: Double = 0.05) -> [RatioComparison] {
        var earlier: [String: [Double]] = [:]
        var earlierValue: [String: Double] = [:]
        for row in baseline.ratios {
            earlier[row.key] = baseline.blockRatios(for: row)
            earlierValue[row.key] = row.swiftOverC
        }
        var comparisons: [RatioComparison] = []
        for row in current.ratios {
            guard let old = earlierValue[row.key], let new = row.swiftOverC else { continue }
            let p = MannWhitney.pValue(current.blockRatios(for: row), earlier[row.key] ?? [])
            comparisons.append(RatioComparison(key: row.key, baseline: old, current: new, pValue: p,
                                               significance: significance))
        }
        return comparisons
    }

    /// The rows of `current` that regressed against `baseline`: significantly
    /// (Mann–Whitney U, p < 0.05) and by more than `maximumRegressionPercent`.
    /// Without block data on either side (p unknown), the change alone decides.
    public static func regressions(current: BenchReport, baseline: BenchReport,
                                   maximumRegressionPercent: Double) -> [String] {
        compare(current: current, baseline: baseline).compactMap { comparison in
            guard comparison.verdict != .improved, comparison.verdict != .unchanged || comparison.pValue == nil,
                  comparison.changePercent > maximumRegressionPercent else { return nil }
            return "\(comparison.key): Swift/C \(format(comparison.current)) vs baseline \(format(comparison.baseline)) "
                + "(+\(format(comparison.changePercent))%, limit \(format(maximumRegressionPercent))%"
                + (comparison.pValue.map { ", Mann-Whitney p = \(formatP($0))" } ?? ", no block data to test") + ")"
        }
    }

    private static func describe(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

extension BenchReport {
    /// The report as pretty-printed JSON with stable key order.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// One row's Swift/C ratio in two runs and what the difference means.
public struct RatioComparison: Hashable, Sendable {
    public enum Verdict: String, Hashable, Sendable {
        case improved, regressed, unchanged
    }

    public var key: String
    public var baseline: Double
    public var current: Double
    /// The Mann–Whitney U test's two-sided p-value on the per-block ratios; nil
    /// when a side has fewer than two blocks.
    public var pValue: Double?
    /// Significantly lower, significantly higher, or not distinguishable.
    public var verdict: Verdict

    public init(key: String, baseline: Double, current: Double, pValue: Double?, significance: Double) {
        self.key = key
        self.baseline = baseline
        self.current = current
        self.pValue = pValue
        if let pValue, pValue < significance {
            verdict = current > baseline ? .regressed : current < baseline ? .improved : .unchanged
        } else {
            verdict = .unchanged
        }
    }

    /// The change of the ratio in percent (positive: slower).
    public var changePercent: Double { baseline > 0 ? (current / baseline - 1) * 100 : 0 }
}

extension BenchReport {
    /// The paired per-block Swift/C ratios behind `row` (every repetition's blocks).
    public func blockRatios(for row: RatioRow) -> [Double] {
        func data(_ implementation: Implementation) -> RowData? {
            if row.table == "read" {
                return readLatency.first {
                    $0.pmu == row.pmu && $0.event == row.subject && $0.method == row.method && $0.implementation == implementation
                }?.data
            }
            return exitLatency.first {
                $0.pmu == row.pmu && $0.cpus == row.subject && $0.kind == row.method && $0.implementation == implementation
            }?.data
        }
        guard let swift = data(.swift), let c = data(.c) else { return [] }
        return PairedRatio.blockRatios(swift.blockMedians, c.blockMedians).flatMap { $0 }
    }
}

/// A p-value in words a reader can scan: three decimals, or `< 0.001`.
func formatP(_ p: Double) -> String {
    if p < 0.001 { return "< 0.001" }
    let thousandths = Int((p * 1000).rounded())
    let text = String(thousandths)
    return "0." + String(repeating: "0", count: max(0, 3 - text.count)) + text
}
