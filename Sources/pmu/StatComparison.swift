import ArgumentParser
import CPerfEvents
import Glibc
import PerfEvents

/// `pmu stat --each-core-pmu`: the command once per core PMU, pinned to its CPUs,
/// side by side (a thin layer over ``CorePMUComparison``).
struct StatComparison {
    var inventory: PMUInventory
    var command: [String]
    var repeats: Int
    var json: Bool

    func run() throws {
        let comparison: CorePMUComparison
        do {
            comparison = try CorePMUComparison(pmus: inventory.pmus)
        } catch {
            throw CLIError(error.description)
        }
        var failure: Error? = nil
        var exitStatus: Int32 = 0
        let measurements: [CorePMUMeasurement]
        do {
            measurements = try comparison.run(repetitions: repeats, resolver: Resolver(pmus: inventory.pmus)) { _ in
                guard failure == nil else { return }
                do {
                    // Forked on the PMU's CPUs: the command inherits the placement and the counters.
                    let child = try spawnWaiting(command)
                    try release(child)
                    var raw: Int32 = 0
                    // The user's command, waited for as perf stat waits for it.
                    _ = cpe_wait_child(child.pid, &raw)
                    exitStatus = shellExitStatus(raw)
                } catch {
                    failure = error
                }
            }
        } catch {
            throw CLIError(error.description)
        }
        if let failure { throw failure }
        let table = CorePMUComparisonTable(measurements: measurements, command: command.joined(separator: " "), runs: repeats)
        if json {
            try printJSON(table.json)
        } else {
            printError(table.text)
        }
        if exitStatus != 0 { throw ExitCode(exitStatus) }
    }
}

/// The comparison as one table, a column per core PMU and the ratio of the last to the first.
struct CorePMUComparisonTable {
    var measurements: [CorePMUMeasurement]
    var command: String
    var runs: Int

    typealias Quantity = CorePMUComparison.Quantity

    /// The rows: a label, then a value per PMU (nil: none).
    private var rows: [(label: String, values: [Double?], digits: Int, unit: String)] {
        var rows: [(String, [Double?], Int, String)] = []
        rows.append(("time elapsed", measurements.map { $0.meanElapsedNanoseconds / 1e6 }, 3, "msec"))
        rows.append(("task-clock", measurements.map { $0.mean(.taskClock).map { $0 / 1e6 } }, 3, "msec"))
        for quantity in [Quantity.cycles, .instructions, .branches, .branchMisses] {
            rows.append((quantity.label, measurements.map { $0.mean(quantity) }, 0, ""))
        }
        rows.append(("GHz", measurements.map(\.gigahertz), 3, ""))
        rows.append(("insn per cycle", measurements.map(\.instructionsPerCycle), 2, ""))
        rows.append(("branch-miss %", measurements.map(\.branchMissPercent), 2, ""))
        return rows
    }

    var text: String {
        guard let first = measurements.first, let last = measurements.last else { return "" }
        let ratioHeader = "\(last.pmu.name) / \(first.pmu.name)"
        var header = ["", ""]
        header += measurements.map { $0.pmu.name + " (CPUs \($0.pmu.cpus.map { "\($0)" } ?? "all"))" }
        header.append(ratioHeader)
        var body: [[String]] = []
        for row in rows {
            var cells = [row.label, row.unit]
            for (index, value) in row.values.enumerated() {
                var cell = value.map { format($0, digits: row.digits) } ?? "<not supported>"
                if let quantity = quantity(named: row.label), runs > 1, let spread = measurements[index].spreadPercent(quantity) {
                    cell += " (+- " + fixed(spread, digits: 2) + "%)"
                }
                cells.append(cell)
            }
            if let a = row.values.first ?? nil, let b = row.values.last ?? nil, a != 0 {
                cells.append(fixed(b / a, digits: 3))
            } else {
                cells.append("-")
            }
            body.append(cells)
        }
        var lines = ["", " \(command): each core PMU's CPUs in turn\(runs > 1 ? " (\(runs) runs each)" : ""):", ""]
        lines += table(header, body).split(separator: "\n").map { "  " + $0 }
        var notes: [String] = []
        for measurement in measurements {
            for quantity in Quantity.allCases {
                if let reason = measurement.unavailable(quantity) {
                    notes.append("\(measurement.pmu.name) \(quantity.label): not supported: \(reason)")
                }
            }
        }
        if !notes.isEmpty { lines += [""] + notes.map { "  " + $0 } }
        lines.append("")
        lines.append("  events: " + measurements.map { "\($0.pmu.name) " + $0.events.joined(separator: ",") }.joined(separator: "; "))
        lines.append("")
        return lines.joined(separator: "\n")
    }

    private func quantity(named label: String) -> Quantity? {
        Quantity.allCases.first { $0.label == label }
    }

    private func format(_ value: Double, digits: Int) -> String {
        digits == 0 ? fixed(value, digits: 0) : fixed(value, digits: digits)
    }

    struct JSONPMU: Encodable {
        var pmu: String
        var type: UInt32
        var cpus: String?
        var events: [String: String]
        var elapsed_ns: Double
        @ExplicitNull var task_clock_ns: Double?
        @ExplicitNull var cycles: Double?
        @ExplicitNull var instructions: Double?
        @ExplicitNull var branches: Double?
        @ExplicitNull var branch_misses: Double?
        @ExplicitNull var ghz: Double?
        @ExplicitNull var insn_per_cycle: Double?
        @ExplicitNull var branch_miss_percent: Double?
        var not_supported: [String: String]
        var runs: [[String: UInt64?]]
    }

    struct JSONComparison: Encodable {
        var command: String
        var runs: Int
        var pmus: [JSONPMU]
        /// The last PMU's value over the first's, per row.
        var ratio: [String: Double?]
    }

    var json: JSONComparison {
        let pmus = measurements.map { m in
            JSONPMU(
                pmu: m.pmu.name, type: m.pmu.type, cpus: m.pmu.cpus.map { "\($0)" },
                events: Dictionary(uniqueKeysWithValues: zip(Quantity.allCases.map(\.label), m.events)),
                elapsed_ns: m.meanElapsedNanoseconds, task_clock_ns: m.mean(.taskClock), cycles: m.mean(.cycles),
                instructions: m.mean(.instructions), branches: m.mean(.branches), branch_misses: m.mean(.branchMisses),
                ghz: m.gigahertz, insn_per_cycle: m.instructionsPerCycle, branch_miss_percent: m.branchMissPercent,
                not_supported: Dictionary(uniqueKeysWithValues: Quantity.allCases.compactMap { q in
                    m.unavailable(q).map { (q.label, $0.description) }
                }),
                runs: m.runs.map { run in
                    var object: [String: UInt64?] = ["elapsed_ns": run.elapsedNanoseconds]
                    for (quantity, value) in zip(Quantity.allCases, run.values) { object[quantity.label] = .some(value.scaled) }
                    return object
                })
        }
        var ratio: [String: Double?] = [:]
        for row in rows {
            if let a = row.values.first ?? nil, let b = row.values.last ?? nil, a != 0 { ratio[row.label] = b / a } else { ratio[row.label] = .some(nil) }
        }
        return JSONComparison(command: command, runs: runs, pmus: pmus, ratio: ratio)
    }
}
