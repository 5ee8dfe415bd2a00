import Foundation
import Testing
@testable import PerfEvents

/// Generated event strings (``EventStringGenerator``) against perf 6.1, on every recorded
/// tree and on the live host, compared as ``PerfConformanceTests`` compares its hand-written
/// cases (``Conformance/compare(_:perf:ours:)``). A difference must be explained by a row of
/// ``DeliberateDifference/table`` (its class, ``DeliberateDifference/explains(_:)``) that holds
/// for that perf; any other fails, with the seed that reproduces it. There is no table of
/// known-but-open differences: one is fixed, or becomes a deliberate row naming its perf change.
///
/// `PMU_CONFORMANCE_SEED` (decimal or `0x…`) replaces the fixed seed, `PMU_CONFORMANCE_GENERATED`
/// the number of strings in all (`make fuzz` asks for many more), `PMU_CONFORMANCE_ASK_ALL=1`
/// asks perf 6.12 every string.
// A generous limit: make fuzz asks ten times as many strings as make test.
@Suite(.serialized, .timeLimit(.minutes(60)))
struct GeneratedConformanceTests {
    /// The seed `make test` uses, so that every run asks the same strings.
    static let defaultSeed: UInt64 = 0x2023_0023
    /// Strings in all, across the recorded trees and the live host.
    static let defaultCount = 5_040

    static var seed: UInt64 {
        guard let text = ProcessInfo.processInfo.environment["PMU_CONFORMANCE_SEED"] else { return defaultSeed }
        return text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) ?? defaultSeed : UInt64(text) ?? defaultSeed
    }

    /// Whether perf 6.12 is asked every string (`PMU_CONFORMANCE_ASK_ALL=1`), not only those
    /// perf 6.1 answers otherwise or that fall in a 6.1-only row's class.
    static var askAll: Bool { ProcessInfo.processInfo.environment["PMU_CONFORMANCE_ASK_ALL"] == "1" }

    static var count: Int {
        ProcessInfo.processInfo.environment["PMU_CONFORMANCE_GENERATED"].flatMap { Int($0) } ?? defaultCount
    }

    /// Each tree's own seed: the run's seed and the tree's name.
    static func seed(_ seed: UInt64, tree: String) -> UInt64 {
        tree.utf8.reduce(seed ^ 0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Generates `perTree` strings for `tree`.
    static func cases(tree: String, seed: UInt64, perTree: Int) -> [ConformanceCase] {
        let root = tree == "live" ? "/sys" : SysfsFixtures.root(tree)
        let vocabulary = EventStringGenerator.Vocabulary.read(sysfsRoot: root, seed: seed)
        var generator = EventStringGenerator(seed: Self.seed(seed, tree: tree), vocabulary: vocabulary)
        return (0..<perTree).map { _ in
            let (event, tool) = generator.next()
            return ConformanceCase(tree: tree, event: event, tool: tool)
        }
    }

    @Test func generatedStringsAgreeWithPerfOrAreExplained() throws {
        if let reason = PerfOracle.Perf.debian.unavailableReason {
            Issue.record("the perf oracle cannot run here: \(reason)")
            return
        }
        CLI.ensureTracefs()
        let started = Date()
        let seed = Self.seed
        let trees = ConformanceCases.trees
        let perTree = (Self.count + trees.count - 1) / trees.count
        print("generated conformance: seed 0x\(String(seed, radix: 16)) (PMU_CONFORMANCE_SEED), \(perTree) strings per tree")
        let cases = trees.flatMap { Self.cases(tree: $0, seed: seed, perTree: perTree) }
        let (ours, devices) = try Conformance.oursAndDevices(cases)
        let outcomes = Conformance.askPerf(cases, devices: devices, ours: ours, batchSize: 64)
        // Two refusals agree whatever their reasons here: a generated string often has several
        // faults, and perf and the resolver report the first each meets (the hand-written cases,
        // one fault each, compare the refusal class).
        let verdicts = cases.indices.map {
            Conformance.compare(cases[$0], perf: outcomes[$0], ours: ours[$0], refusalClasses: false)
        }
        // The strings perf 6.1 answers otherwise than we do are asked of perf 6.12 too: where it
        // agrees with us, upstream changed to what we do; where it differs, a row must hold for it.
        // So are the strings that agree with 6.1 in the class of a row that holds for 6.1 only
        // (6.12 does what we do there): agreeing with 6.1 on them is the old behaviour coming
        // back (the legacy type on a big.LITTLE machine), and 6.12 must agree.
        let backports = PerfOracle.Perf.backports
        let sixOneOnly = DeliberateDifference.table.filter { $0.holds(for: .debian) && !$0.holds(for: backports) }
        // `make fuzz` (PMU_CONFORMANCE_ASK_ALL=1) asks perf 6.12 every string: its own changes
        // are found there whatever perf 6.1 said.
        let differing = cases.indices.filter { index in
            Self.askAll || verdicts[index] != .agree || sixOneOnly.contains { $0.explains(cases[index]) }
        }
        var backportOutcomes: [Int: PerfOracle.Outcome] = [:]
        if let reason = backports.unavailableReason {
            Issue.record("\(backports) cannot be asked here: \(reason)")
        } else {
            let answers = Conformance.askPerf(
                differing.map { cases[$0] }, devices: differing.map { devices[$0] }, ours: differing.map { ours[$0] },
                batchSize: 64, perf: backports)
            for (index, answer) in zip(differing, answers) { backportOutcomes[index] = answer }
        }
        var report: [String: (agree: Int, deliberate: Int, upstream: Int, unexplained: Int)] = [:]
        var unexplained: [String] = []
        var byRow: [String: Int] = [:]
        for (index, item) in cases.enumerated() {
            guard case .differ(let why) = verdicts[index] else {
                // Agreeing with 6.1 in a 6.1-only row's class: 6.12 must agree too (or a row
                // that holds for 6.12 explain it).
                if let answer = backportOutcomes[index],
                    case .differ(let whyThere) = Conformance.compare(
                        item, perf: answer, ours: ours[index], oracle: backports, refusalClasses: false),
                    whyThere != .perfCrashed(answer.crashLine ?? "") {
                    if let row = DeliberateDifference.explaining(item, whyThere, perf: backports, outcome: answer) {
                        report[item.tree, default: (0, 0, 0, 0)].deliberate += 1
                        byRow["perf 6.12: " + row, default: 0] += 1
                    } else {
                        report[item.tree, default: (0, 0, 0, 0)].unexplained += 1
                        unexplained.append("\(item) agrees with perf 6.1, but against \(backports): \(whyThere)")
                    }
                } else {
                    report[item.tree, default: (0, 0, 0, 0)].agree += 1
                }
                continue
            }
            if case .perfCrashed = why {
                // No answer to compare (counted, and a crash of perf 6.1 on most strings would
                // fail the count below).
                byRow["perf 6.1 crashed: not compared", default: 0] += 1
                continue
            }
            let deliberate = DeliberateDifference.explaining(item, why, perf: .debian, outcome: outcomes[index])
            // perf 6.12's answer: agreement, or a difference some row holds for.
            var backportExplained = true
            if let answer = backportOutcomes[index],
                case .differ(let whyThere) = Conformance.compare(
                    item, perf: answer, ours: ours[index], oracle: backports, refusalClasses: false),
                whyThere != .perfCrashed(answer.crashLine ?? "") {
                let row = DeliberateDifference.explaining(item, whyThere, perf: backports, outcome: answer)
                backportExplained = row != nil
                if let row { byRow["perf 6.12: " + row, default: 0] += 1 }
                if !backportExplained { unexplained.append("\(item) against \(backports): \(whyThere)") }
            } else if deliberate == nil {
                report[item.tree, default: (0, 0, 0, 0)].upstream += 1
                byRow["perf 6.12 agrees", default: 0] += 1
                continue
            }
            if let row = deliberate {
                report[item.tree, default: (0, 0, 0, 0)].deliberate += 1
                byRow[row, default: 0] += 1
            } else {
                report[item.tree, default: (0, 0, 0, 0)].unexplained += 1
                unexplained.append("\(item): \(why)")
            }
            if !backportExplained && deliberate != nil {
                report[item.tree, default: (0, 0, 0, 0)].unexplained += 1
            }
        }
        for line in unexplained.prefix(40) {
            Issue.record("seed 0x\(String(seed, radix: 16)): \(line)")
        }
        if unexplained.count > 40 {
            Issue.record("seed 0x\(String(seed, radix: 16)): \(unexplained.count - 40) more unexplained differences")
        }
        let log = "/tmp/perf-oracle-\(getpid())/generated-differences.txt"
        try? unexplained.joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)
        print("generated conformance: \(cases.count) strings, seed 0x\(String(seed, radix: 16)),"
            + " \(String(format: "%.1f", Date().timeIntervalSince(started))) s; unexplained differences listed in \(log)")
        for tree in trees {
            let counts = report[tree] ?? (0, 0, 0, 0)
            print("  \(tree): \(counts.agree) agree, \(counts.deliberate) deliberate,"
                + " \(counts.upstream) where perf 6.12 agrees, \(counts.unexplained) unexplained")
        }
        for (row, count) in byRow.sorted(by: { $0.key < $1.key }) { print("  \(row): \(count)") }
        #expect(cases.count >= Self.count)
        // The oracle answered: a perf that crashes on more than one string in a hundred is broken here.
        #expect((byRow["perf 6.1 crashed: not compared"] ?? 0) * 100 <= cases.count)
    }

    /// The generator is deterministic: the same seed gives the same strings.
    @Test func sameSeedSameStrings() {
        let first = Self.cases(tree: "x86-server", seed: 42, perTree: 50).map(\.event)
        let second = Self.cases(tree: "x86-server", seed: 42, perTree: 50).map(\.event)
        let other = Self.cases(tree: "x86-server", seed: 43, perTree: 50).map(\.event)
        #expect(first == second)
        #expect(first != other)
    }
}
