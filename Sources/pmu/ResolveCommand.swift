import ArgumentParser
import PerfEvents

/// `pmu resolve`: what an event string becomes, PMU by PMU.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Show the perf_event_attr each event string resolves to, with its PMU and source.",
        discussion: """
            Takes perf's syntax: cycles, pmu/alias/, pmu/term=value,…/, rNNNN, subsys:tracepoint, \
            mem:ADDR[/LEN][:rwx], modifiers (:u :k :h :G :H :p …), comma lists, {a,b} groups, \
            and libpfm4's pmu::EVENT:UMASK. On a machine with several core PMUs a generic \
            hardware name becomes one event per core PMU (extended type).
            """)

    @OptionGroup var options: CommonOptions

    @Argument(help: "Event strings, e.g. 'armv8_cortex_a72/cpu_cycles/' or 'cycles,{task-clock,page-faults}'.")
    var events: [String]

    struct Row: Encodable {
        var input: String
        var event: String
        var pmu: String?
        var type: UInt32
        var config: String
        var config1: String
        var config2: String
        var config3: String
        var bp_type: UInt32?
        var exclude_user: Bool
        var exclude_kernel: Bool
        var exclude_hv: Bool
        var exclude_guest: Bool
        var exclude_host: Bool
        var precise_ip: UInt8
        var group: String?
        var source: String
        var note: String?
        /// What is opened instead where the kernel refuses the extended type.
        var fallback: Fallback?
    }

    struct Fallback: Encodable {
        var alias: String
        var type: UInt32
        var config: String
    }

    func validate() throws {
        if events.isEmpty { throw ValidationError("name at least one event, e.g. pmu resolve cycles") }
    }

    func run() throws {
        let inventory = try options.inventory()
        let resolver = Resolver(pmus: inventory.pmus, tracefs: Tracefs(root: options.root))
        var rows: [Row] = []
        for input in events {
            let groups: [ResolvedGroup]
            do {
                groups = try resolver.resolve(input)
            } catch {
                throw CLIError(error.description)
            }
            for group in groups {
                for event in group.events {
                    rows.append(Row(input, event, group: group.isGroup ? group.text : nil))
                }
            }
        }
        if options.json {
            try printJSON(rows)
            return
        }
        print(table(
            ["INPUT", "EVENT", "PMU", "TYPE", "CONFIG", "CONFIG1", "CONFIG2", "EXCLUDE", "SOURCE"],
            rows.map { row in
                [row.input, row.event, row.pmu ?? "-", String(row.type), row.config, row.config1, row.config2,
                 excludes(row), row.source]
            }))
        for row in rows {
            if let note = row.note { print("note: \(row.event): \(note)") }
        }
    }

    private func excludes(_ row: Row) -> String {
        var parts: [String] = []
        if row.exclude_user { parts.append("user") }
        if row.exclude_kernel { parts.append("kernel") }
        if row.exclude_hv { parts.append("hv") }
        if row.exclude_guest { parts.append("guest") }
        if row.exclude_host { parts.append("host") }
        return parts.isEmpty ? "-" : parts.joined(separator: ",")
    }
}

extension ResolveCommand.Row {
    init(_ input: String, _ event: ResolvedEvent, group: String?) {
        let attributes = event.attributes
        self.init(
            input: input, event: event.displayName, pmu: event.pmu.name, type: attributes.type,
            config: hex(attributes.config), config1: hex(attributes.config1),
            config2: hex(attributes.config2), config3: hex(attributes.config3),
            bp_type: attributes.type == LegacyType.breakpoint ? attributes.breakpointType : nil,
            exclude_user: attributes.excludeUser, exclude_kernel: attributes.excludeKernel,
            exclude_hv: attributes.excludeHypervisor, exclude_guest: attributes.excludeGuest,
            exclude_host: attributes.excludeHost, precise_ip: attributes.precise, group: group,
            source: event.source.label, note: event.note,
            fallback: event.ownTypeEquivalent.map {
                ResolveCommand.Fallback(alias: $0.alias, type: $0.attributes.type, config: hex($0.attributes.config))
            })
    }
}
