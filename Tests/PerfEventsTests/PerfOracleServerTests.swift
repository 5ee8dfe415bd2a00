import Foundation
import Testing
@testable import PerfEvents

/// The oracle's server (`Tests/PerfOracle/perf-oracle-server.c`: one perf process forking a
/// child per string, perf_event_open answered in-process) must answer exactly as one perf
/// process per string under strace does, the way the oracle asked before it: the same
/// attributes in the same groups, the same refusals, word for word. Asked of both perfs, for a
/// share of the hand-written cases (every eighth: every tree, perf stat and perf record, accepted and
/// refused), each alone. `PMU_ORACLE_CROSSCHECK_EVERY=1` asks every case.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PerfOracleServerTests {
    static var every: Int {
        ProcessInfo.processInfo.environment["PMU_ORACLE_CROSSCHECK_EVERY"].flatMap { Int($0) }.map { max(1, $0) } ?? 8
    }

    @Test(arguments: PerfOracle.Perf.all.map(\.series))
    func serverAnswersAsOnePerfProcessUnderStraceDoes(series: String) throws {
        guard let perf = PerfOracle.Perf.all.first(where: { $0.series == series }) else { return }
        if let reason = perf.unavailableReason {
            Issue.record("\(perf) cannot be asked here: \(reason)")
            return
        }
        if case .failure(let error) = PerfOracle.serverLibrary {
            Issue.record("the perf oracle server cannot be built: \(error)")
            return
        }
        CLI.ensureTracefs()
        let all = ConformanceCases.all.filter { $0.tree != "live" || ConformanceCases.liveApplies($0.event) }
        let cases = all.indices.filter { $0 % Self.every == 0 }.map { all[$0] }
        let (_, devices) = try Conformance.oursAndDevices(cases)
        let requests = cases.indices.map { (event: cases[$0].event, devices: devices[$0], tool: cases[$0].tool) }
        let byServer = PerfOracle.ask(requests, perf: perf, method: .server)
        let byStrace = PerfOracle.ask(requests, perf: perf, method: .strace)
        var accepted = 0
        var refused = 0
        for index in cases.indices {
            switch byStrace[index] {
            case .accepted: accepted += 1
            case .refused: refused += 1
            case .crashed: break
            }
            #expect(byServer[index] == byStrace[index], "\(cases[index]) against \(perf): the server says \(byServer[index]), strace's run says \(byStrace[index])")
        }
        print("perf oracle server against strace, \(perf): \(cases.count) cases (\(accepted) accepted, \(refused) refused by perf)")
        // A comparison of refusals alone, or of nothing, would prove little.
        #expect(accepted * 4 >= cases.count)
        #expect(refused * 20 >= cases.count)
        #expect(cases.contains { $0.tool == .record })
    }
}
