import Foundation
@testable import PerfEvents

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
        /// Both refuse it, for reasons of another ``RefusalClass``.
        case refusalClass(perf: String, ours: String)
        /// perf crashed: nothing to compare.
        case perfCrashed(String)

        var description: String {
            switch self {
            case .perfRefusedWeAccepted(let perf): return "perf refuses it (\(perf)), the resolver accepts it"
            case .weRefusedPerfAccepted(let ours): return "the resolver refuses it (\(ours)), perf accepts it"
            case .attributes(let perf, let ours): return "perf: \(perf)\n  ours: \(ours)"
            case .refusalClass(let perf, let ours): return "both refuse it, for other reasons: perf: \(perf)\n  ours: \(ours)"
            case .perfCrashed(let line): return "perf crashed (\(line))"
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
        _ item: ConformanceCase, perf: PerfOracle.Outcome, ours: Result<[ResolvedGroup], ResolutionError>,
        oracle: PerfOracle.Perf = .debian, refusalClasses: Bool = true
    ) -> Verdict {
        switch (perf, ours) {
        case (.crashed(let line), _):
            return .differ(.perfCrashed(line))
        case (.refused(let message), .failure(let error)):
            if !refusalClasses || RefusalClass.agree(perf: message, ours: error, series: oracle.series) { return .agree }
            let theirs = RefusalClass(perf: message).map(\.description) ?? "unclassified"
            return .differ(.refusalClass(perf: "[\(theirs)] \(message)", ours: "[\(RefusalClass(error))] \(error)"))
        case (.refused(let message), .success):
            return .differ(.perfRefusedWeAccepted(perf: message))
        case (.accepted, .failure(let error)):
            return .differ(.weRefusedPerfAccepted(ours: error.description))
        case (.accepted(let perfGroups), .success(let groups)):
            let keys = comparedFields(item, oracle: oracle)
            let theirs = canonicalPerf(item, perfGroups, oracle: oracle)
            let ours = ourGroups(groups, record: item.tool == .record)
            let mine = canonical(ours.map { $0.map { $0.filter { keys.contains($0.key) } } })
            // (canonical() keeps identical groups once: perf opens an uncore event once per CPU of its cpumask.)
            return theirs == mine ? .agree : .differ(.attributes(perf: theirs, ours: mine))
        }
    }

    /// The fields compared for `item`: the sampling fields only where the string sets them,
    /// exclude_guest only where its modifiers touch it, none that `oracle` does not print.
    static func comparedFields(_ item: ConformanceCase, oracle: PerfOracle.Perf) -> [String] {
        var keys = fields.filter { !oracle.unprintedFields.contains($0) }
        if item.event.contains("period=") || item.event.contains("freq=") { keys += ["sample_period", "freq"] }
        if !touchesGuest(item.event) { keys.removeAll { $0 == "exclude_guest" } }
        return keys
    }

    /// perf's groups as compared: its own tracking event left out, only ``comparedFields(_:oracle:)``.
    static func canonicalPerf(_ item: ConformanceCase, _ groups: [[PerfOracle.Attributes]], oracle: PerfOracle.Perf) -> String {
        var groups = groups
        // perf record adds its own tracking event (software dummy, sample_period 1) on some machines
        // (one the string names, as dummy or 1:9, stays).
        let namesDummy = item.event.contains("dummy") || members(item.event).contains {
            if case .numeric(1, 9) = $0.kind { return true } else { return false }
        }
        if item.tool == .record && !namesDummy {
            groups.removeAll { $0.count == 1 && $0[0]["type"] == 1 && $0[0]["config"] == 9 }
        }
        let keys = comparedFields(item, oracle: oracle)
        return canonical(groups.map { $0.map { $0.filter { keys.contains($0.key) } } })
    }

    /// The events of `event`, every group's members in order (none when it does not parse).
    static func members(_ event: String) -> [EventSyntax] {
        (try? EventParser.parse(event))?.groups.flatMap(\.members) ?? []
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
    static func ourGroups(_ groups: [ResolvedGroup], record: Bool = false) -> [[PerfOracle.Attributes]] {
        var result: [[PerfOracle.Attributes]] = []
        for group in groups {
            let groupModifiers = group.isGroup
                ? (try? EventParser.parse(group.text))?.groups.first.map(\.modifiers) : nil
            // perf record samples a group whose leader reads its members (S) through the leader
            // only: the members get no default sampling (evsel__config).
            let leaderReads = group.isGroup
                && (groupModifiers?.sampleRead == true || group.events.first?.modifiers.sampleRead == true)
            let events = group.events.enumerated().map { index, event in
                var fields = attributes(event, groupModifiers: groupModifiers)
                if record { perfRecordDefaults(event, &fields, followsReadingLeader: leaderReads && index > 0) }
                if record && leaderReads && index > 0 && event.modifiers.preciseMax { fields["precise_ip"] = 3 }
                return fields
            }
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
    static func attributes(_ event: Event, groupModifiers: EventModifiers? = nil) -> PerfOracle.Attributes {
        let a = event.attributes
        var fields: PerfOracle.Attributes = [
            "type": UInt64(a.type), "config": a.config, "config1": a.config1, "config2": a.config2,
            "config3": a.config3, "bp_type": UInt64(a.breakpointType),
            "exclude_user": a.excludeUser ? 1 : 0, "exclude_kernel": a.excludeKernel ? 1 : 0,
            "exclude_hv": a.excludeHypervisor ? 1 : 0, "exclude_guest": a.excludeGuest ? 1 : 0,
            "exclude_host": a.excludeHost ? 1 : 0, "exclude_idle": a.excludeIdle ? 1 : 0,
            "precise_ip": UInt64(a.precise), "pinned": a.pinned ? 1 : 0, "exclusive": a.exclusive ? 1 : 0,
        ]
        // The deliberate difference 'default exclude_guest', applied per event as perf 6.1 does.
        fields["exclude_guest"] = perf61ExcludeGuest(event, groupModifiers: groupModifiers) ? 1 : 0
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

    /// What perf record itself adds to an event: its default sampling where the string sets
    /// none (period 1 on a tracepoint, breakpoint or bpf-output, otherwise -F 4000), and `precise_ip` 3 for `P` (perf
    /// record starts from the highest and lowers it when the open fails; the oracle's opens
    /// never fail).
    /// A member of a group whose leader reads it (`S`) gets no default frequency (its period of
    /// 1, set when a tracepoint or breakpoint is parsed, stays).
    static func perfRecordDefaults(_ event: Event, _ fields: inout PerfOracle.Attributes, followsReadingLeader: Bool = false) {
        if event.attributes.sampling == nil {
            // Period 1 where perf's evsel says so: tracepoints, breakpoints and bpf-output.
            let periodOne: Bool
            switch event.source {
            case .tracepoint, .breakpoint: periodOne = true
            default: periodOne = event.attributes.type == 1 && event.attributes.config == 10
            }
            if periodOne {
                fields["sample_period"] = 1
            } else if !followsReadingLeader {
                fields["sample_period"] = 4000
                fields["freq"] = 1
            }
        }
        if event.modifiers.preciseMax { fields["precise_ip"] = 3 }
    }

    /// perf 6.1's `exclude_guest` for one event (get_event_modifier, event_attr_init): set by
    /// default when the event has no modifiers; a modifier list recomputes it (`u`, `p` and `H`
    /// set it unless an earlier `G`/`H` decided, `G` clears it, the other letters leave it
    /// clear); a group's list starts from the member's value.
    static func perf61ExcludeGuest(_ event: Event, groupModifiers: EventModifiers?) -> Bool {
        let own = (try? EventParser.parse(event.text))?.groups.first?.members.first?.modifiers ?? event.modifiers
        func apply(_ modifiers: EventModifiers, start: Bool, decided: Bool) -> Bool {
            if decided { return modifiers.guest ? false : start }
            if modifiers.guest { return false }
            if modifiers.host || modifiers.user || modifiers.precise > 0 { return true }
            return start
        }
        var excludeGuest = own.isEmpty ? true : apply(own, start: false, decided: false)
        if let group = groupModifiers, !group.isEmpty {
            excludeGuest = apply(group, start: excludeGuest, decided: own.guest || own.host)
        }
        return excludeGuest
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

extension Conformance {
    /// Our resolver's answer for every case (one resolver per tree) and the sysfs copy perf
    /// is shown for it (nil: the live host's own).
    static func oursAndDevices(_ cases: [ConformanceCase]) throws
        -> (ours: [Result<[ResolvedGroup], ResolutionError>], devices: [String?]) {
        var resolvers: [String: Resolver] = [:]
        var ours: [Result<[ResolvedGroup], ResolutionError>] = []
        var devices: [String?] = []
        for item in cases {
            let resolver = try resolvers[item.tree] ?? Conformance.resolver(item.tree)
            resolvers[item.tree] = resolver
            ours.append(Result { () throws(ResolutionError) in try resolver.resolve(item.event) })
            devices.append(item.tree == "live"
                ? nil : try PerfOracle.devicesCopy(of: SysfsFixtures.root(item.tree), forRecord: item.tool == .record))
        }
        return (ours, devices)
    }

    /// perf's answers for every case, in order. Cases whose events we resolve onto PMUs
    /// without CPU lists or onto core PMUs (perf opens those per thread, in list order) share a perf run, up to `batchSize`
    /// at a time, each behind a marker event of its own (a software event `1:0x7ff0NNNN`), and
    /// the blocks between two markers are that case's; if perf refuses any string of such a
    /// run, its cases are halved and asked again, down to one case alone. Everything else runs
    /// alone.
    static func askPerf(
        _ cases: [ConformanceCase], devices: [String?], ours: [Result<[ResolvedGroup], ResolutionError>],
        batchSize: Int = 16, perf: PerfOracle.Perf = .debian
    ) -> [PerfOracle.Outcome] {
        var outcomes = [PerfOracle.Outcome?](repeating: nil, count: cases.count)
        var batches: [[Int]] = []
        var alone: [Int] = []
        var open: [String: [Int]] = [:]
        for index in cases.indices {
            // Core PMUs with a `cpus` list (hybrid, big.LITTLE) open per thread (cpu -1) too.
            // perf 6.12 moves slots and topdown events to the front of the list (Intel's topdown
            // ordering), away from their marker: those run alone.
            let reordered = cases[index].event.contains("slots") || cases[index].event.contains("topdown")
            let batchable = cases[index].tool == .stat && !reordered
                && ((try? ours[index].get())?.allSatisfy {
                    $0.events.allSatisfy { $0.cpus == nil || $0.pmu.value?.isCore == true }
                } ?? false)
            guard batchable else { alone.append(index); continue }
            let key = cases[index].tree
            open[key, default: []].append(index)
            if open[key]?.count == batchSize { batches.append(open[key] ?? []); open[key] = nil }
        }
        batches += open.keys.sorted().compactMap { open[$0] }.filter { !$0.isEmpty }
        var runs = 0
        let shared = batches.reduce(0) { $0 + $1.count }
        var halved = 0
        while !batches.isEmpty || !alone.isEmpty {
            let requests = batches.map { batch in
                (event: batch.map { "\(marker($0)),\(cases[$0].event)" }.joined(separator: ","),
                 devices: devices[batch[0]], tool: PerfOracle.Tool.stat)
            } + alone.map { (event: cases[$0].event, devices: devices[$0], tool: cases[$0].tool) }
            runs += requests.count
            let answers = PerfOracle.ask(requests, perf: perf)
            var again: [[Int]] = []
            var againAlone: [Int] = []
            for (batch, answer) in zip(batches, answers) {
                guard case .accepted(let groups) = answer, let split = split(groups, batch) else {
                    if batch.count > 1 {
                        halved += 1
                        again += [Array(batch.prefix(batch.count / 2)), Array(batch.dropFirst(batch.count / 2))]
                    } else {
                        againAlone += batch
                    }
                    continue
                }
                for (index, groups) in zip(batch, split) { outcomes[index] = .accepted(groups) }
            }
            for (index, answer) in zip(alone, answers.dropFirst(batches.count)) { outcomes[index] = answer }
            batches = again
            alone = againAlone
        }
        print("\(perf) runs: \(runs) for \(cases.count) cases (\(shared) in shared runs of up to \(batchSize);"
            + " \(halved) shared runs refused and halved)")
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

}
