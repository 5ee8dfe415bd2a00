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
        // The fields below appear only when set (not zero), as perf prints perf_event_attr.
        var exclude_idle: Bool?
        var pinned: Bool?
        var exclusive: Bool?
        var sample_period: UInt64?
        var sample_freq: UInt64?
        var freq: Bool?
        /// The `name=` label.
        var name: String?
        /// The modifiers with no perf_event_attr bit of their own here (P, S, W).
        var modifiers: String?
        /// perf's non-format terms that were given (call-graph, inherit, …).
        var settings: Settings?
        var group: String?
        var source: String
        var note: String?
        var warnings: [String]?
        /// What is opened instead where the kernel refuses the extended type.
        var fallback: Fallback?
    }

    struct Settings: Encodable {
        var call_graph: String?
        var stack_size: UInt64?
        var max_stack: UInt64?
        var inherit: Bool?
        var overwrite: Bool?
        var percore: Bool?
        var metric_id: String?
        var aux_output: Bool?
        var aux_sample_size: UInt64?
        var time: Bool?
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
            if let flags = flags(row) { print("flags: \(row.event): \(flags)") }
            if let note = row.note { print("note: \(row.event): \(note)") }
            for warning in row.warnings ?? [] { print("warning: \(row.event): \(warning)") }
        }
    }

    /// The attribute fields the table has no column for, when any is set.
    private func flags(_ row: Row) -> String? {
        var parts: [String] = []
        if row.config3 != "0x0" { parts.append("config3=\(row.config3)") }
        if let bpType = row.bp_type { parts.append("bp_type=\(bpType)") }
        if row.precise_ip > 0 { parts.append("precise_ip=\(row.precise_ip)") }
        if row.exclude_idle == true { parts.append("exclude_idle") }
        if row.pinned == true { parts.append("pinned") }
        if row.exclusive == true { parts.append("exclusive") }
        if let period = row.sample_period { parts.append("sample_period=\(period)") }
        if let frequency = row.sample_freq { parts.append("sample_freq=\(frequency) freq") }
        if let modifiers = row.modifiers { parts.append("modifiers=\(modifiers)") }
        if let name = row.name { parts.append("name=\(name)") }
        if let settings = row.settings {
            if let value = settings.call_graph { parts.append("call-graph=\(value)") }
            if let value = settings.stack_size { parts.append("stack-size=\(value)") }
            if let value = settings.max_stack { parts.append("max-stack=\(value)") }
            if let value = settings.inherit { parts.append(value ? "inherit" : "no-inherit") }
            if let value = settings.overwrite { parts.append(value ? "overwrite" : "no-overwrite") }
            if settings.percore == true { parts.append("percore") }
            if let value = settings.metric_id { parts.append("metric-id=\(value)") }
            if settings.aux_output == true { parts.append("aux-output") }
            if let value = settings.aux_sample_size { parts.append("aux-sample-size=\(value)") }
            if let value = settings.time { parts.append(value ? "time" : "time=0") }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    private func excludes(_ row: Row) -> String {
        var parts: [String] = []
        if row.exclude_user { parts.append("user") }
        if row.exclude_kernel { parts.append("kernel") }
        if row.exclude_hv { parts.append("hv") }
        if row.exclude_guest { parts.append("guest") }
        if row.exclude_host { parts.append("host") }
        if row.exclude_idle == true { parts.append("idle") }
        return parts.isEmpty ? "-" : parts.joined(separator: ",")
    }
}

extension ResolveCommand.Row {
    init(_ input: String, _ event: Event, group: String?) {
        let attributes = event.attributes
        self.init(
            input: input, event: event.label, pmu: event.pmu.name, type: attributes.type,
            config: hex(attributes.config), config1: hex(attributes.config1),
            config2: hex(attributes.config2), config3: hex(attributes.config3),
            bp_type: attributes.type == LegacyType.breakpoint ? attributes.breakpointType : nil,
            exclude_user: attributes.excludeUser, exclude_kernel: attributes.excludeKernel,
            exclude_hv: attributes.excludeHypervisor, exclude_guest: attributes.excludeGuest,
            exclude_host: attributes.excludeHost, precise_ip: attributes.precise,
            exclude_idle: attributes.excludeIdle ? true : nil, pinned: attributes.pinned ? true : nil,
            exclusive: attributes.exclusive ? true : nil,
            sample_period: attributes.sampling.flatMap { $0.isFrequency ? nil : $0.value },
            sample_freq: attributes.sampling.flatMap { $0.isFrequency ? $0.value : nil },
            freq: attributes.sampling?.isFrequency == true ? true : nil,
            name: event.name, modifiers: Self.unencodedModifiers(event.modifiers),
            settings: Self.settings(event.settings), group: group,
            source: event.source.label, note: event.note, warnings: event.warnings.isEmpty ? nil : event.warnings,
            fallback: event.fallback.map {
                ResolveCommand.Fallback(alias: $0.alias, type: $0.attributes.type, config: hex($0.attributes.config))
            })
    }
}

extension ResolveCommand.Row {
    /// `P`, `S`, `W`: modifiers kept on the event with no perf_event_attr bit set at resolution.
    static func unencodedModifiers(_ modifiers: EventModifiers) -> String? {
        var letters = ""
        if modifiers.preciseMax { letters += "P" }
        if modifiers.sampleRead { letters += "S" }
        if modifiers.weak { letters += "W" }
        return letters.isEmpty ? nil : letters
    }

    static func settings(_ settings: EventSettings) -> ResolveCommand.Settings? {
        guard !settings.isEmpty else { return nil }
        return ResolveCommand.Settings(
            call_graph: settings.callGraph, stack_size: settings.stackSize, max_stack: settings.maxStack,
            inherit: settings.inherit, overwrite: settings.overwrite, percore: settings.perCore ? true : nil,
            metric_id: settings.metricID, aux_output: settings.auxOutput ? true : nil,
            aux_sample_size: settings.auxSampleSize, time: settings.sampleTime)
    }
}
