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
        // Ctrl-C (or SIGTERM) stops the command and the comparison, and what was counted
        // is printed, as `pmu stat` does: the signals are taken with sigtimedwait.
        StopSignals.block()
        var failure: Error? = nil
        var exitStatus: Int32 = 0
        var interruption: CorePMUComparisonTable.Interruption? = nil
        var completed: [String: Int] = [:]
        var measurements: [CorePMUMeasurement]
        do {
            measurements = try comparison.run(repetitions: repeats, resolver: Resolver(pmus: inventory.pmus)) { pmu in
                guard failure == nil, interruption == nil else { return }
                do {
                    // Forked on the PMU's CPUs: the command inherits the placement and the counters.
                    let child = try spawnWaiting(command)
                    try release(child)
                    // The user's command, waited for as perf stat waits for it.
                    let outcome = StopSignals.wait(child: child.pid, until: nil, interval: nil,
                                                   start: cpe_monotonic_raw_ns()) { _ in }
                    if let status = outcome.status { exitStatus = status }
                    if let signal = outcome.signal {
                        interruption = .init(signal: signal, pmu: pmu.name, run: (completed[pmu.name] ?? 0) + 1)
                    } else {
                        completed[pmu.name, default: 0] += 1
                    }
                } catch {
                    failure = error
                }
            }
        } catch {
            throw CLIError(error.description)
        }
        if let failure { throw failure }
        // After a stop only the runs that finished count: the comparison went on through
        // the remaining PMUs and repetitions without running the command.
        var notRun: [String] = []
        if interruption != nil {
            measurements = measurements.compactMap { measurement in
                let runs = completed[measurement.pmu.name] ?? 0
                guard runs > 0 else {
                    notRun.append(measurement.pmu.name)
                    return nil
                }
                var kept = measurement
                kept.runs = Array(measurement.runs.prefix(runs))
                return kept
            }
        }
        let table = CorePMUComparisonTable(measurements: measurements, command: command.joined(separator: " "), runs: repeats,
                                           interruption: interruption, notRun: notRun)
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
    /// A stop signal that ended the comparison early.
    struct Interruption: Equatable {
        var signal: Int32
        /// The PMU whose run it stopped, and which run (1-based); that run is left out.
        var pmu: String
        var run: Int
    }

    var measurements: [CorePMUMeasurement]
    var command: String
    /// The runs asked for on each PMU.
    var runs: Int
    var interruption: Interruption? = nil
    /// PMUs the interruption came before.
    var notRun: [String] = []

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

    /// What the interruption left out, in words; nil without one.
    var interruptionNote: String? {
        guard let interruption else { return nil }
        let name = interruption.signal == SIGINT ? "SIGINT" : interruption.signal == SIGTERM ? "SIGTERM" : "signal \(interruption.signal)"
        var note = "interrupted by \(name) during run \(interruption.run) of \(runs) on \(interruption.pmu); that run is left out"
        if !notRun.isEmpty { note += "; not run: " + notRun.joined(separator: ", ") }
        let counts = measurements.map { "\($0.pmu.name) \($0.runs.count)" }
        if !counts.isEmpty { note += "; runs kept: " + counts.joined(separator: ", ") }
        return note
    }

    var text: String {
        guard let first = measurements.first, let last = measurements.last else {
            return interruptionNote.map { "\n \(command): \($0); nothing was counted to the end\n" } ?? ""
        }
        let ratioHeader = "\(last.pmu.name) / \(first.pmu.name)"
        var header = ["", ""]
        header += measurements.map { $0.pmu.name + " (CPUs \($0.pmu.cpus.map { "\($0)" } ?? "all"))" }
        // The ratio needs two columns (an interrupted comparison may have kept one).
        let compares = measurements.count > 1
        if compares { header.append(ratioHeader) }
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
            if compares {
                if let a = row.values.first ?? nil, let b = row.values.last ?? nil, a != 0 {
                    cells.append(fixed(b / a, digits: 3))
                } else {
                    cells.append("-")
                }
            }
            body.append(cells)
        }
        var lines = ["", " \(command): each core PMU's CPUs in turn\(runs > 1 ? " (\(runs) runs each)" : ""):", ""]
        if let note = interruptionNote { lines += ["  " + note, ""] }
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
        /// SIGINT or SIGTERM when one stopped the comparison (only finished runs are kept).
        var interrupted_by_signal: Int32?
        var interruption: String?
        var pmus: [JSONPMU]
        /// The last PMU's value over the first's, per row (empty with fewer than two PMUs).
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
        for row in rows where measurements.count > 1 {
            if let a = row.values.first ?? nil, let b = row.values.last ?? nil, a != 0 { ratio[row.label] = b / a } else { ratio[row.label] = .some(nil) }
        }
        return JSONComparison(command: command, runs: runs, interrupted_by_signal: interruption?.signal,
                              interruption: interruptionNote, pmus: pmus, ratio: ratio)
    }
}
