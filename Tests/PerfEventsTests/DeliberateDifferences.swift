@testable import PerfEvents

/// Where the resolver deliberately does not do what perf 6.1 does: upstream perf changed
/// since (the version that changed it is given), or the library is stricter than perf on
/// purpose. README.md has the same table.
struct DeliberateDifference: Sendable {
    /// A short name, for test messages.
    var id: String
    /// What perf 6.1 does.
    var perf61: String
    /// What the resolver does.
    var ours: String
    /// The perf version that does what we do, or why we differ.
    var since: String
    /// The cases it covers; nil for a rule the comparison itself applies (to every case).
    var cases: (@Sendable (ConformanceCase) -> Bool)?
    /// Which way the difference must go.
    var direction: @Sendable (Conformance.Difference) -> Bool = { _ in true }

    /// The whole class, for generated strings (``GeneratedConformanceTests``): nil where the
    /// class is just ``cases``. A generated string of the class that agrees with perf is no
    /// error (a hand-written case must still differ).
    var generated: (@Sendable (ConformanceCase) -> Bool)? = nil

    func applies(_ item: ConformanceCase) -> Bool { cases?(item) ?? false }
    func explains(_ item: ConformanceCase) -> Bool { generated?(item) ?? applies(item) }
    func expect(_ difference: Conformance.Difference) -> Bool { direction(difference) }

    static let heterogeneousARM: Set<String> = ["juno", "rk3399"]

    /// Whether `event` names a generic hardware or cache event, or a raw one, outside `pmu/…/`
    /// (what perf 6.5 opens on every core PMU of a heterogeneous machine).
    static func namesGenericOrRaw(_ event: String) -> Bool {
        guard let list = try? EventParser.parse(event) else { return false }
        return list.groups.flatMap(\.members).contains { member in
            switch member.kind {
            case .raw: return true
            case .name(let name):
                return EventStringGenerator.hardware.contains(name)
                    || EventStringGenerator.caches.contains { name == $0 || name.hasPrefix($0 + "-") }
            default: return false
            }
        }
    }

    /// Whether `event` has a `{…}` group with a bare name (a generic event or an alias) in it.
    static func groupsABareName(_ event: String) -> Bool {
        guard let list = try? EventParser.parse(event) else { return false }
        return list.groups.contains { group in
            group.isGroup && group.members.contains { if case .name = $0.kind { return true } else { return false } }
        }
    }

    /// Whether `event` has a `{…}` group with `D` or `e`, on the group or on a member.
    static func pinsAGroup(_ event: String) -> Bool {
        guard let list = try? EventParser.parse(event) else { return false }
        return list.groups.contains { group in
            group.isGroup && ([group.modifiers] + group.members.map(\.modifiers)).contains { $0.pinned || $0.exclusive }
        }
    }

    /// The breakpoint lengths `event` asks for.
    static func breakpointLengths(_ event: String) -> [UInt64] {
        guard let list = try? EventParser.parse(event) else { return [] }
        return list.groups.flatMap(\.members).compactMap { member in
            if case .breakpoint(_, let length?, _) = member.kind { return length }
            return nil
        }
    }

    static let table: [DeliberateDifference] = [
        DeliberateDifference(
            id: "default exclude_guest",
            perf61: "sets exclude_guest on every event without G/H modifiers",
            ours: "leaves exclude_guest clear unless a modifier (H, G, p) sets it",
            since: "perf 6.13 stopped setting it by default (35c8d21371e9)",
            cases: nil),
        DeliberateDifference(
            id: "generic and raw events on heterogeneous arm64",
            perf61: "cycles, cache names and rNNNN on a big.LITTLE machine: one event, legacy type 0/3/4; an alias both clusters have, inside {…}: one group holding both PMUs' events",
            ours: "one event per core PMU: extended type (PMU type << 32 | id) for generic and cache events, the PMU's own type for raw events",
            since: "perf 6.5 (82fe2e45cdb0: events on every core PMU wherever the kernel takes the extended type; arm_pmu does from Linux 6.6, 5c816728651a)",
            cases: { item in
                heterogeneousARM.contains(item.tree)
                    && ["cycles", "instructions:u", "branch-misses:k", "L1-dcache-load-misses", "dTLB-stores",
                        "LLC-loads", "r00c0", "r1a:u", "r1a/freq=50/"].contains(item.event)
            },
            direction: { if case .attributes = $0 { return true } else { return false } },
            generated: { item in
                // Also an alias both clusters have inside a group: one group per core PMU here.
                heterogeneousARM.contains(item.tree) && (namesGenericOrRaw(item.event) || groupsABareName(item.event))
            }),
        DeliberateDifference(
            id: "generic name inside pmu/…/",
            perf61: "refuses cpu/cycles/ (unknown term) except on Intel hybrid PMUs",
            ours: "takes a generic hardware name on any core PMU: that PMU's event",
            since: "perf 6.5 (5ea8f2ccffb2: legacy event names as terms of any core PMU)",
            cases: { item in ["cpu/cycles/", "armv8_cortex_a72/cycles/"].contains(item.event) },
            direction: { if case .perfRefusedWeAccepted = $0 { return true } else { return false } },
            generated: { item in
                guard let list = try? EventParser.parse(item.event) else { return false }
                return list.groups.flatMap(\.members).contains { member in
                    guard case .pmu(_, let terms) = member.kind else { return false }
                    return terms.contains { EventStringGenerator.hardware.contains($0.name) }
                }
            }),
        DeliberateDifference(
            id: "config3=",
            perf61: "refuses config3= (unknown term)",
            ours: "sets attr.config3",
            since: "perf 6.4 (config3 term; the kernel field came in 6.3, 09519ec3b19e)",
            cases: { item in item.event.contains("config3=") },
            direction: { if case .perfRefusedWeAccepted = $0 { return true } else { return false } }),
        DeliberateDifference(
            id: "breakpoint length",
            perf61: "passes any mem:ADDR/LEN length to the kernel, which refuses what the architecture cannot watch",
            ours: "refuses up front what the tree's architecture refuses (x86: 1, 2, 4, 8; arm64: 1 to 8)",
            since: "not a perf change: the kernel's rule, checked early, naming the architecture",
            cases: { item in
                item.event == "mem:0x1000/16:w" || (item.event == "mem:0x1000/3" && !heterogeneousARM.contains(item.tree))
            },
            direction: { if case .weRefusedPerfAccepted = $0 { return true } else { return false } },
            generated: { item in
                let architecture: MachineArchitecture = heterogeneousARM.contains(item.tree) ? .arm64 : .x86
                return breakpointLengths(item.event).contains { architecture.breakpointLengthProblem($0) != nil }
            }),
        DeliberateDifference(
            id: "execute breakpoint that also reads or writes",
            perf61: "passes mem:ADDR:rwx (bp_type 7, or 5, 6) to the kernel, which refuses it",
            ours: "refuses it up front: an execute breakpoint cannot also watch reads or writes",
            since: "not a perf change: the kernel's rule (arch_build_bp_info takes X alone), checked early",
            cases: { _ in false },  // found by the generated strings; no hand-written case
            direction: { if case .weRefusedPerfAccepted = $0 { return true } else { return false } },
            generated: { item in
                item.event.split(separator: ",").contains { piece in
                    guard let start = piece.range(of: "mem:") else { return false }
                    return piece[start.lowerBound...].split(separator: ":").dropFirst(2).contains { field in
                        let access = field.filter { $0 != "}" && $0 != "{" }
                        return access.allSatisfy { "rwx".contains($0) } && access.contains("x") && access.count > 1
                    }
                }
            }),
        DeliberateDifference(
            id: "hybrid event named on the other PMU",
            perf61: "cpu_atom/slots/ (an alias only cpu_core has) opens cpu_core's slots: type 4, config 0x400",
            ours: "refuses it: cpu_atom has no term or alias 'slots'",
            since: "perf 6.5 (hybrid rework, \"Remove now unused hybrid logic\": pmu/…/ parsed against that PMU only); counting on a PMU other than the one named is the silent error this library exists to prevent",
            cases: { item in item.tree == "alderlake" && item.event == "cpu_atom/slots/" },
            direction: { if case .weRefusedPerfAccepted = $0 { return true } else { return false } }),
        DeliberateDifference(
            id: "D or e on a group member",
            perf61: "sets pinned or exclusive on every member the modifier reaches ({a,b:D}, {a,b}:e), which the kernel refuses",
            ours: "sets them on the group's leader only",
            since: "not a perf change: the kernel's rule (perf_event_open: \"Only a group leader can be exclusive or pinned\")",
            cases: { _ in false },  // found by the generated strings; no hand-written case
            direction: { if case .attributes = $0 { return true } else { return false } },
            generated: { item in pinsAGroup(item.event) }),
        DeliberateDifference(
            id: "unbalanced '{'",
            perf61: "reads '{cs' (and '}cs') as cs (its lexer drops the lone brace)",
            ours: "refuses it: unbalanced '{'",
            since: "not a perf change: a typo perf silently reinterprets",
            cases: { item in item.event == "{cs" },
            direction: { if case .weRefusedPerfAccepted = $0 { return true } else { return false } },
            generated: { item in
                // '}cs' too: perf's lexer drops a lone brace of either kind.
                item.event.filter { $0 == "{" }.count != item.event.filter { $0 == "}" }.count
            }),
    ]
}
