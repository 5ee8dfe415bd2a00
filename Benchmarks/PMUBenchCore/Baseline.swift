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

    /// Every ratio of `current` that is more than `maximumRegressionPercent`
    /// worse (higher) than the same ratio in `baseline`, one line each.
    /// Ratios present on one side only are not compared.
    public static func regressions(current: BenchReport, baseline: BenchReport,
                                   maximumRegressionPercent: Double) -> [String] {
        var byKey: [String: RatioRow] = [:]
        for row in baseline.ratios { byKey[row.key] = row }
        let limit = 1 + maximumRegressionPercent / 100
        var lines: [String] = []
        for row in current.ratios {
            guard let old = byKey[row.key] else { continue }
            let pairs: [(String, Double?, Double?)] = [
                ("Swift/C", row.swiftOverC, old.swiftOverC),
                ("Swift/floor", row.swiftOverFloor, old.swiftOverFloor),
            ]
            for (name, new, earlier) in pairs {
                guard let new, let earlier, earlier > 0 else { continue }
                if new > earlier * limit {
                    let percent = (new / earlier - 1) * 100
                    lines.append(
                        "\(row.key): \(name) p50 ratio \(format(new)) vs baseline \(format(earlier)) "
                            + "(+\(format(percent))%, limit \(format(maximumRegressionPercent))%)")
                }
            }
        }
        return lines
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
