import ArgumentParser
import Foundation
import PMUBenchCore

/// `pmu-bench compare A.json B.json`: every ratio row of two reports side by
/// side, with each run's interval and whether the change is significant.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two pmu-bench --json reports row by row.",
        discussion: """
            For each ratio row present in both reports: the Swift/C ratio and its 95% interval in \
            each, the change in percent, the Mann-Whitney U test's p-value on the two runs' \
            per-block ratios, and a verdict: improved, regressed or unchanged (p < 0.05).
            """)

    @Argument(help: "The earlier report (pmu-bench --json).")
    var baseline: String

    @Argument(help: "The later report.")
    var current: String

    @Flag(help: "Exit non-zero when a row regressed significantly by more than --max-regression percent.")
    var check = false

    @Option(help: "With --check: the largest significant regression allowed, in percent.")
    var maxRegression: Double = 5

    func validate() throws {
        guard maxRegression >= 0, maxRegression.isFinite else {
            throw ValidationError("--max-regression \(maxRegression): must be a percentage ≥ 0")
        }
    }

    func run() throws {
        let earlier: BenchReport
        let later: BenchReport
        do {
            earlier = try Baseline.load(baseline)
            later = try Baseline.load(current)
        } catch {
            throw ValidationError(error.description)
        }
        let comparisons = Baseline.compare(current: later, baseline: earlier)
        print(CompareRenderer.render(comparisons, baseline: earlier, current: later), terminator: "")
        if check {
            let failures = Baseline.regressions(current: later, baseline: earlier, maximumRegressionPercent: maxRegression)
            for failure in failures { FileHandle.standardError.write(Data("check failed: \(failure)\n".utf8)) }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
