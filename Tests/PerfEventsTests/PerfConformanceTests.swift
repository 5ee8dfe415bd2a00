import Foundation
import Testing
@testable import PerfEvents

/// The resolver against perf 6.1's own parser, string by string, on every recorded sysfs tree
/// and on the live host (``PerfOracle`` says how perf is asked). For each case either both
/// refuse the string, or both produce the same `perf_event_attr`s in the same groups: type,
/// config…config3, bp_type, every exclude bit, precise_ip, pinned, exclusive, the sampling
/// fields (asked of perf record), aux_output, write_backward and sample_max_stack.
/// Any other outcome must be a row of ``DeliberateDifference/table``, and every row must
/// still be a difference (a row perf and we now agree on fails, so the table stays true).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PerfConformanceTests {
    @Test func everyCaseAgreesWithPerfOrIsADeliberateDifference() throws {
        if let reason = PerfOracle.unavailableReason {
            Issue.record("the perf oracle cannot run here: \(reason)")
            return
        }
        CLI.ensureTracefs()
        // The oracle is perf 6.1 (Debian moves the patch level: printed, not pinned).
        let version = try CLI.run(["--version"], executable: "/usr/bin/perf").stdout
        print("perf conformance oracle: \(version.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(version.hasPrefix("perf version 6.1."), "the deliberate differences are perf 6.1's; this is \(version)")
        let cases = ConformanceCases.all.filter { $0.tree != "live" || ConformanceCases.liveApplies($0.event) }
        // Exactly the recorded trees' cases: a filter or a table edit that drops some must fail.
        #expect(cases.filter { $0.tree != "live" }.count == Self.recordedTreeCases)
        var resolvers: [String: Resolver] = [:]
        var ours: [Result<[ResolvedGroup], ResolutionError>] = []
        var devices: [String?] = []
        for item in cases {
            let resolver = try resolvers[item.tree] ?? Self.resolver(item.tree)
            resolvers[item.tree] = resolver
            ours.append(Result { () throws(ResolutionError) in try resolver.resolve(item.event) })
            devices.append(item.tree == "live"
                ? nil : try PerfOracle.devicesCopy(of: SysfsFixtures.root(item.tree), forRecord: item.tool == .record))
        }
        let outcomes = Self.askPerf(cases, devices: devices, ours: ours)
        var report: [String: (agree: Int, deliberate: Int)] = [:]
        for (index, item) in cases.enumerated() {
            let verdict = Conformance.compare(item, perf: outcomes[index], ours: ours[index])
            let deliberate = DeliberateDifference.table.first { $0.applies(item) }
            switch (verdict, deliberate) {
            case (.agree, nil):
                report[item.tree, default: (0, 0)].agree += 1
            case (.agree, let row?):
                Issue.record("\(item): perf and the resolver agree, but the table lists it as deliberate difference '\(row.id)': drop the row")
            case (.differ(let why), nil):
                Issue.record("\(item): \(why)")
            case (.differ(let why), let row?):
                if row.expect(why) {
                    report[item.tree, default: (0, 0)].deliberate += 1
                } else {
                    Issue.record("\(item): differs otherwise than deliberate difference '\(row.id)' says: \(why)")
                }
            }
        }
        let total = report.values.reduce(0) { $0 + $1.agree + $1.deliberate }
        print("perf conformance: \(total) cases, \(cases.count) asked")
        for tree in ConformanceCases.trees {
            let counts = report[tree] ?? (0, 0)
            print("  \(tree): \(counts.agree) agree with perf, \(counts.deliberate) deliberate differences")
        }
        #expect(total == cases.count)
    }

    /// The cases of the six recorded trees (alderlake 108, amd-epyc-pvm 81, intel-xeon-pvm 84,
    /// juno 96, rk3399 95, x86-server 97): a case added or lost changes this on purpose.
    static let recordedTreeCases = 561

    /// perf's answers for every case, in order. Cases whose events we resolve onto PMUs
    /// without CPU lists (perf opens those in list order) share a perf run, up to 16 at a
    /// time, each behind a marker event of its own (a software event `1:0x7ff0NNNN`), and the
    /// blocks between two markers are that case's; if perf refuses any string of such a run,
    /// its cases are asked again one by one. Everything else runs alone.
    static func askPerf(
        _ cases: [ConformanceCase], devices: [String?], ours: [Result<[ResolvedGroup], ResolutionError>]
    ) -> [PerfOracle.Outcome] {
        var outcomes = [PerfOracle.Outcome?](repeating: nil, count: cases.count)
        var batches: [[Int]] = []
        var alone: [Int] = []
        var open: [String: [Int]] = [:]
        for index in cases.indices {
            let batchable = cases[index].tool == .stat
                && ((try? ours[index].get())?.allSatisfy { $0.events.allSatisfy { $0.cpus == nil } } ?? false)
            guard batchable else { alone.append(index); continue }
            let key = cases[index].tree
            open[key, default: []].append(index)
            if open[key]?.count == 16 { batches.append(open[key] ?? []); open[key] = nil }
        }
        batches += open.values.filter { !$0.isEmpty }
        let requests = batches.map { batch in
            (event: batch.map { "\(marker($0)),\(cases[$0].event)" }.joined(separator: ","),
             devices: devices[batch[0]], tool: PerfOracle.Tool.stat)
        } + alone.map { (event: cases[$0].event, devices: devices[$0], tool: cases[$0].tool) }
        let answers = PerfOracle.ask(requests)
        var retry: [Int] = []
        for (batch, answer) in zip(batches, answers) {
            guard case .accepted(let groups) = answer, let split = split(groups, batch) else {
                retry += batch
                continue
            }
            for (index, groups) in zip(batch, split) { outcomes[index] = .accepted(groups) }
        }
        for (index, answer) in zip(alone, answers.dropFirst(batches.count)) { outcomes[index] = answer }
        let again = PerfOracle.ask(retry.map { (event: cases[$0].event, devices: devices[$0], tool: cases[$0].tool) })
        print("perf runs: \(requests.count + retry.count) for \(cases.count) cases (\(batches.count) shared by"
            + " \(batches.reduce(0) { $0 + $1.count }) cases, \(retry.count) of them asked again alone)")
        for (index, answer) in zip(retry, again) { outcomes[index] = answer }
        return outcomes.map { $0 ?? .refused("not asked") }
    }

    /// The marker event before case `index` in a shared perf run.
    static func marker(_ index: Int) -> String { "1:0x\(String(0x7ff0_0000 + index, radix: 16))" }

    /// The groups perf opened in a shared run, case by case, or nil when the markers are not
    /// all there, in order.
    static func split(_ groups: [[PerfOracle.Attributes]], _ batch: [Int]) -> [[[PerfOracle.Attributes]]]? {
        var result: [[[PerfOracle.Attributes]]] = []
        for group in groups {
            if group.count == 1, group[0]["type"] == 1, let config = group[0]["config"], config >> 20 == 0x7ff {
                guard result.count < batch.count, config == UInt64(0x7ff0_0000 + batch[result.count]) else { return nil }
                result.append([])
                continue
            }
            guard !result.isEmpty else { return nil }
            result[result.count - 1].append(group)
        }
        return result.count == batch.count ? result : nil
    }

    static func resolver(_ tree: String) throws -> Resolver {
        let root = tree == "live" ? "/sys" : SysfsFixtures.root(tree)
        let inventory = try PMUDiscovery(root: root).discover()
        return Resolver(pmus: inventory.pmus, tracefs: Tracefs(root: "/sys"), libpfm: nil)
    }

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

/// How one case's two answers compare.
enum Conformance {
    enum Verdict: Equatable {
        case agree
        case differ(Difference)
    }

    /// What kind of difference: who refused, or which attributes.
    enum Difference: Equatable, CustomStringConvertible {
        case perfRefusedWeAccepted(perf: String)
        case weRefusedPerfAccepted(ours: String)
        case attributes(perf: String, ours: String)

        var description: String {
            switch self {
            case .perfRefusedWeAccepted(let perf): return "perf refuses it (\(perf)), the resolver accepts it"
            case .weRefusedPerfAccepted(let ours): return "the resolver refuses it (\(ours)), perf accepts it"
            case .attributes(let perf, let ours): return "perf: \(perf)\n  ours: \(ours)"
            }
        }
    }

    /// The fields compared. perf stat's own (size, disabled, inherit, read_format, …) are not
    /// the event string's; the sampling fields only where the string sets them (perf record
    /// has its own default frequency).
    static let fields = [
        "type", "config", "config1", "config2", "config3", "bp_type", "exclude_user", "exclude_kernel", "exclude_hv",
        "exclude_guest", "exclude_host", "exclude_idle", "precise_ip", "pinned", "exclusive", "aux_output",
        "write_backward", "sample_max_stack",
    ]

    static func compare(
        _ item: ConformanceCase, perf: PerfOracle.Outcome, ours: Result<[ResolvedGroup], ResolutionError>
    ) -> Verdict {
        switch (perf, ours) {
        case (.refused, .failure):
            return .agree
        case (.refused(let message), .success):
            return .differ(.perfRefusedWeAccepted(perf: message))
        case (.accepted, .failure(let error)):
            return .differ(.weRefusedPerfAccepted(ours: error.description))
        case (.accepted(var perfGroups), .success(let groups)):
            // perf record adds its own tracking event (software dummy, sample_period 1) on some machines.
            if item.tool == .record && !item.event.contains("dummy") {
                perfGroups.removeAll { $0.count == 1 && $0[0]["type"] == 1 && $0[0]["config"] == 9 }
            }
            let sampling = item.event.contains("period=") || item.event.contains("freq=")
            let touchesGuest = Self.touchesGuest(item.event)
            var keys = fields
            if sampling { keys += ["sample_period", "freq"] }
            if !touchesGuest { keys.removeAll { $0 == "exclude_guest" } }
            let theirs = canonical(perfGroups.map { $0.map { $0.filter { keys.contains($0.key) } } })
            let mine = canonical(ourGroups(groups).map { $0.map { $0.filter { keys.contains($0.key) } } })
            // (canonical() keeps identical groups once: perf opens an uncore event once per CPU of its cpumask.)
            return theirs == mine ? .agree : .differ(.attributes(perf: theirs, ours: mine))
        }
    }

    /// Whether the string's modifiers say anything about guest or host (G, H, or p, which
    /// implies exclude_guest): otherwise perf 6.1's default `exclude_guest` is not compared.
    static func touchesGuest(_ event: String) -> Bool {
        guard let list = try? EventParser.parse(event) else { return false }
        return list.groups.contains { group in
            ([group.modifiers] + group.members.map(\.modifiers)).contains { $0.guest || $0.host || $0.precise > 0 }
        }
    }

    /// Our groups as perf would print them: a `{…}` group is one group, every other event its own.
    static func ourGroups(_ groups: [ResolvedGroup]) -> [[PerfOracle.Attributes]] {
        var result: [[PerfOracle.Attributes]] = []
        for group in groups {
            let events = group.events.map(attributes)
            if group.isGroup {
                result.append(events)
            } else {
                result.append(contentsOf: events.map { [$0] })
            }
        }
        var unique: [[PerfOracle.Attributes]] = []
        for group in result where !unique.contains(group) { unique.append(group) }
        return unique
    }

    /// One resolved event as perf prints its attributes (zero fields left out).
    static func attributes(_ event: ResolvedEvent) -> PerfOracle.Attributes {
        let a = event.attributes
        var fields: PerfOracle.Attributes = [
            "type": UInt64(a.type), "config": a.config, "config1": a.config1, "config2": a.config2,
            "config3": a.config3, "bp_type": UInt64(a.breakpointType),
            "exclude_user": a.excludeUser ? 1 : 0, "exclude_kernel": a.excludeKernel ? 1 : 0,
            "exclude_hv": a.excludeHypervisor ? 1 : 0, "exclude_guest": a.excludeGuest ? 1 : 0,
            "exclude_host": a.excludeHost ? 1 : 0, "exclude_idle": a.excludeIdle ? 1 : 0,
            "precise_ip": UInt64(a.precise), "pinned": a.pinned ? 1 : 0, "exclusive": a.exclusive ? 1 : 0,
        ]
        if let sampling = a.sampling {
            fields["sample_period"] = sampling.value
            fields["freq"] = sampling.isFrequency ? 1 : 0
        }
        // The typed non-format terms that are perf_event_attr fields when perf record opens the event.
        fields["aux_output"] = event.settings.auxOutput ? 1 : 0
        fields["write_backward"] = event.settings.overwrite == true ? 1 : 0
        // perf record writes max-stack only while call chains are on (not with call-graph=no).
        fields["sample_max_stack"] = event.settings.callGraph == "no" ? 0 : event.settings.maxStack ?? 0
        return fields.filter { $0.value != 0 }
    }

    /// A sorted, printable form: groups in any order (perf orders by CPU and PMU), members in order.
    static func canonical(_ groups: [[PerfOracle.Attributes]]) -> String {
        var unique: [[PerfOracle.Attributes]] = []
        for group in groups where !unique.contains(group) { unique.append(group) }
        return unique.map { group in
            "{" + group.map { fields in
                fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(String($0.value, radix: 16))" }.joined(separator: " ")
            }.joined(separator: "; ") + "}"
        }.sorted().joined(separator: ", ")
    }
}
