import Foundation
import Testing
@testable import PerfEvents

/// The resolver against perf's own parser, string by string, on every recorded sysfs tree
/// and on the live host (``PerfOracle`` says how perf is asked), for each perf the oracle has:
/// Debian's 6.1 and bookworm-backports' 6.12. For each case either both refuse the string
/// (for the same class of reason), or both produce the same `perf_event_attr`s in the same
/// groups: type, config…config3, bp_type, every exclude bit, precise_ip, pinned, exclusive, the
/// sampling fields (asked of perf record), aux_output, write_backward and sample_max_stack.
/// Any other outcome must be a row of ``DeliberateDifference/table`` that holds for that perf,
/// and every row must still be a difference there (a row perf and we now agree on fails, so
/// the table stays true); a row that does not hold for a perf (upstream changed to do what we
/// do) is checked as agreement with it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PerfConformanceTests {
    @Test(arguments: PerfOracle.Perf.all.map(\.series))
    func everyCaseAgreesWithPerfOrIsADeliberateDifference(series: String) throws {
        guard let perf = PerfOracle.Perf.all.first(where: { $0.series == series }) else { return }
        if let reason = perf.unavailableReason {
            Issue.record("\(perf) cannot be asked here: \(reason)")
            return
        }
        CLI.ensureTracefs()
        print("perf conformance oracle: \(perf.version) (\(perf.executable))")
        let cases = ConformanceCases.all.filter { $0.tree != "live" || ConformanceCases.liveApplies($0.event) }
        // Exactly the recorded trees' cases: a filter or a table edit that drops some must fail.
        #expect(cases.filter { $0.tree != "live" }.count == Self.recordedTreeCases)
        let (ours, devices) = try Conformance.oursAndDevices(cases)
        let outcomes = Conformance.askPerf(cases, devices: devices, ours: ours, perf: perf)
        var report: [String: (agree: Int, deliberate: Int, sinceChanged: Int)] = [:]
        for (index, item) in cases.enumerated() {
            let verdict = Conformance.compare(item, perf: outcomes[index], ours: ours[index], oracle: perf)
            let row = DeliberateDifference.table.first { $0.applies(item) }
            switch (verdict, row) {
            case (.agree, nil):
                report[item.tree, default: (0, 0, 0)].agree += 1
            case (.agree, let row?) where row.holds(for: perf):
                Issue.record("\(item): \(perf) and the resolver agree, but the table lists it as deliberate difference '\(row.id)' for \(perf): drop \(perf.series) from the row")
            case (.agree, _?):
                report[item.tree, default: (0, 0, 0)].sinceChanged += 1
            case (.differ(let why), nil):
                Issue.record("\(item) against \(perf): \(why)")
            case (.differ(let why), let row?) where !row.holds(for: perf):
                Issue.record("\(item): deliberate difference '\(row.id)' says \(perf) does what we do (\(row.since)), but: \(why)")
            case (.differ(let why), let row?):
                if row.describes(item, perf: outcomes[index], why, oracle: perf) {
                    report[item.tree, default: (0, 0, 0)].deliberate += 1
                } else {
                    Issue.record("\(item) against \(perf): differs otherwise than deliberate difference '\(row.id)' says: \(why)")
                }
            }
        }
        let total = report.values.reduce(0) { $0 + $1.agree + $1.deliberate + $1.sinceChanged }
        print("perf conformance against \(perf): \(total) cases, \(cases.count) asked")
        for tree in ConformanceCases.trees {
            let counts = report[tree] ?? (0, 0, 0)
            print("  \(tree): \(counts.agree) agree with \(perf), \(counts.deliberate) deliberate differences,"
                + " \(counts.sinceChanged) agreements where an older perf differs")
        }
        #expect(total == cases.count)
    }

    /// The cases of the six recorded trees (alderlake 108, amd-epyc-pvm 81, intel-xeon-pvm 84,
    /// juno 96, rk3399 95, x86-server 97): a case added or lost changes this on purpose.
    static let recordedTreeCases = 561

    /// The oracle's own parsing, on text perf printed (no perf needed).
    @Test func oracleReadsPerfOutput() {
        let output = """
            ------------------------------------------------------------
            perf_event_attr:
              type                             5
              size                             128
              bp_type                          2
              { bp_addr, config1 }             0x1000
              { bp_len, config2 }              0x8
            ------------------------------------------------------------
            sys_perf_event_open: pid 1  cpu -1  group_fd -1  flags 0x8 = 3
            ------------------------------------------------------------
            perf_event_attr:
              type                             1
              config                           0x3
              { sample_period, sample_freq }   4000
              freq                             1
            ------------------------------------------------------------
            sys_perf_event_open: pid 1  cpu -1  group_fd 3  flags 0x8 = 3
            sys_perf_event_open: pid 1  cpu 1  group_fd 3  flags 0x8 = 3
            """
        guard case .accepted(let groups) = PerfOracle.parse(output) else {
            Issue.record("not read as accepted")
            return
        }
        #expect(groups.count == 1)
        #expect(groups.first?.count == 2)
        #expect(groups.first?.first?["config1"] == 0x1000)
        #expect(groups.first?.first?["config2"] == 8)
        #expect(groups.first?.last?["sample_period"] == 4000)
        guard case .refused(let message) = PerfOracle.parse("event syntax error: 'CYCLES'\n   \\___ parser error\n") else {
            Issue.record("not read as refused")
            return
        }
        #expect(message.contains("parser error"))
    }
}
