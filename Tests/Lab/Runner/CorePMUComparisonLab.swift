import PerfEvents

/// The big/little comparison through the library's own API (``CorePMUComparison``):
/// the same loop on each core PMU's CPUs in turn, counted with that PMU's own events.
/// Prints one `compare` fact per PMU (checked by check-lab.py's `compare_core_pmus`)
/// and the table a user would read.
extension Lab {
    static let comparisonRuns = 3

    func showCorePMUComparison() {
        let comparison: CorePMUComparison
        do {
            comparison = try CorePMUComparison(pmus: pmus)
        } catch {
            Out.error("compare", msg: error.description)
            return
        }
        // Where the work actually ran, per PMU: the thread's CPUs inside the work.
        var placements: [String: String] = [:]
        let measurements: [CorePMUMeasurement]
        do {
            measurements = try comparison.run(repetitions: Self.comparisonRuns, resolver: resolver) { pmu in
                placements[pmu.name] = Out.cpus(try? Affinity.current())
                comparisonWork()
            }
        } catch {
            Out.error("compare", msg: error.description)
            return
        }
        typealias Quantity = CorePMUComparison.Quantity
        for measurement in measurements {
            var fields: [(String, String)] = [
                ("pmu", measurement.pmu.name), ("type", "\(measurement.pmu.type)"),
                ("cpus", Out.cpus(measurement.pmu.cpus)), ("work_cpus", placements[measurement.pmu.name] ?? "-"),
                ("runs", "\(measurement.runs.count)"), ("elapsed_ns", "\(UInt64(measurement.meanElapsedNanoseconds))"),
            ]
            var reasons: [String] = []
            for quantity in Quantity.allCases {
                fields.append((quantity.label, measurement.mean(quantity).map { "\(UInt64($0))" } ?? "none"))
                if let reason = measurement.unavailable(quantity) { reasons.append(quantity.label + ": " + reason.description) }
            }
            fields.append(("ipc_milli", measurement.instructionsPerCycle.map { "\(UInt64($0 * 1000))" } ?? "none"))
            Out.fact("compare", fields, msg: (measurement.events + reasons).joined(separator: " "))
        }
        // The table, as `pmu stat --each-core-pmu` prints it (column per PMU, ratio last/first).
        guard let first = measurements.first, let last = measurements.last else { return }
        var rows: [[String]] = [["", first.pmu.name, last.pmu.name, "\(last.pmu.name)/\(first.pmu.name)"]]
        func row(_ label: String, _ value: (CorePMUMeasurement) -> Double?, scale: Double, digits: Int) {
            let a = value(first), b = value(last)
            let ratio: String
            if let a, let b, a != 0 { ratio = decimal(b / a, digits: 3) } else { ratio = "-" }
            rows.append([label, a.map { decimal($0 * scale, digits: digits) } ?? "<not supported>",
                         b.map { decimal($0 * scale, digits: digits) } ?? "<not supported>", ratio])
        }
        row("time elapsed (ms)", { $0.meanElapsedNanoseconds }, scale: 1e-6, digits: 3)
        row("task-clock (ms)", { $0.mean(.taskClock) }, scale: 1e-6, digits: 3)
        for quantity in [Quantity.cycles, .instructions, .branches, .branchMisses] {
            row(quantity.label, { $0.mean(quantity) }, scale: 1, digits: 0)
        }
        row("insn per cycle", { $0.instructionsPerCycle }, scale: 1, digits: 2)
        row("branch-miss %", { $0.branchMissPercent }, scale: 1, digits: 2)
        var widths = [Int](repeating: 0, count: 4)
        for cells in rows { for (index, cell) in cells.enumerated() { widths[index] = max(widths[index], cell.count) } }
        Out.line("compare-table: the same loop, \(Self.comparisonRuns) runs on each core PMU's CPUs (means)")
        for cells in rows {
            var text = "compare-table: "
            for (index, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                text += index == 0 ? cell + padding : "  " + padding + cell
            }
            Out.line(text)
        }
    }

    /// Arithmetic and a few system calls: the same instructions wherever it runs.
    func comparisonWork() {
        var x: UInt64 = 1
        for i in 0..<300_000 {
            x = x &* 6364136223846793005 &+ UInt64(i)
            if x & 0xff == 0 { x ^= 0x5555 }
        }
        if x == 42 { Out.line("unreachable") }
    }
}

/// `value` with `digits` decimals (Embedded: no Foundation formatting).
private func decimal(_ value: Double, digits: Int) -> String {
    var scale: Double = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = UInt64((value < 0 ? -value : value) * scale + 0.5)
    let divisor = UInt64(scale)
    var text = "\(scaled / divisor)"
    if digits > 0 {
        var fraction = "\(scaled % divisor)"
        while fraction.count < digits { fraction = "0" + fraction }
        text += "." + fraction
    }
    return value < 0 ? "-" + text : text
}
