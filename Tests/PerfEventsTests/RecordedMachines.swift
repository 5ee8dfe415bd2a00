import Testing
@testable import PerfEvents

/// PMUs as sysfs describes them on machines we recorded: built by hand, or read from a recording.
enum RecordedMachines {
    static func field(_ name: String, _ word: ConfigWord, _ ranges: ClosedRange<Int>...) -> FormatField {
        FormatField(name: name, word: word, ranges: ranges)
    }

    static func alias(_ name: String, event: UInt64) -> EventAlias {
        EventAlias(name: name, terms: [EventTerm(name: "event", value: .number(event))])
    }

    /// Rockchip RK3399: four Cortex-A53 (cpus 0-3, type 7) and two Cortex-A72 (cpus 4-5, type 8), as recorded.
    static var rk3399: [PMU] {
        let formats = [field("event", .config, 0...15), field("long", .config1, 0...0), field("rdpmc", .config1, 1...1)]
        let aliases = [
            alias("cpu_cycles", event: 0x0011), alias("inst_retired", event: 0x0008),
            alias("l1d_cache_refill", event: 0x0003),
        ]
        return [
            PMU(name: "armv8_cortex_a53", type: 7, kind: .core, cpus: CPUSet(0...3), formats: formats, aliases: aliases),
            PMU(name: "armv8_cortex_a72", type: 8, kind: .core, cpus: CPUSet(4...5), formats: formats, aliases: aliases),
            PMU(name: "software", type: 1, kind: .software),
            PMU(name: "tracepoint", type: 2, kind: .tracepoint),
            PMU(name: "breakpoint", type: 5, kind: .breakpoint),
        ]
    }

    /// Intel Alder Lake: P-cores `cpu_core` (type 4, cpus 0-15), E-cores `cpu_atom` (type 10, cpus 16-27).
    static var alderLake: [PMU] {
        let formats = [
            field("event", .config, 0...7), field("umask", .config, 8...15), field("edge", .config, 18...18),
            field("inv", .config, 23...23), field("cmask", .config, 24...31),
        ]
        let topdown = EventAlias(name: "topdown-retiring", terms: [
            EventTerm(name: "event", value: .number(0)), EventTerm(name: "umask", value: .number(0x80)),
        ])
        return [
            PMU(name: "cpu_core", type: 4, kind: .core, cpus: CPUSet(0...15), formats: formats, aliases: [topdown]),
            PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet(16...27), formats: formats),
            PMU(name: "software", type: 1, kind: .software),
            PMU(name: "uncore_imc_0", type: 20, kind: .uncore, cpus: CPUSet([0]),
                formats: [field("event", .config, 0...7), field("umask", .config, 8...15)],
                aliases: [EventAlias(
                    name: "data_reads", terms: [EventTerm(name: "event", value: .number(0xff)), EventTerm(name: "umask", value: .number(0x20))],
                    scale: "6.103515625e-5", unit: "MiB")]),
            PMU(name: "uncore_imc_1", type: 21, kind: .uncore, cpus: CPUSet([0]),
                formats: [field("event", .config, 0...7), field("umask", .config, 8...15)]),
        ]
    }

    /// The `amd-epyc-pvm` recording (an AMD guest without a hardware PMU: software,
    /// tracepoint, breakpoint, uprobe and msr at type 9), as discovery reads it.
    /// A recording, not the machine the tests run on: that one is `LiveHost`.
    static func amdEpycPVM() throws -> [PMU] {
        let inventory = try PMUDiscovery(root: SysfsFixtures.root("amd-epyc-pvm")).discover()
        try #require(inventory.problems.isEmpty, "\(inventory.problems)")
        return inventory.pmus
    }

    /// A PMU with parameterised aliases and scattered fields, as some uncore and SPE PMUs have.
    static var synthetic: [PMU] {
        [
            PMU(name: "cpu", type: 4, kind: .core,
                formats: [
                    field("event", .config, 0...7), field("umask", .config, 8...15),
                    field("scatter", .config1, 0...0, 2...2, 4...4, 6...6, 8...8, 20...28),
                    field("ldlat", .config1, 0...15),
                ],
                aliases: [
                    EventAlias(name: "mem-loads", terms: [
                        EventTerm(name: "event", value: .number(0xcd)), EventTerm(name: "umask", value: .number(0x1)),
                        EventTerm(name: "ldlat", value: .parameter),
                    ]),
                    EventAlias(name: "Cycles-Upper", terms: [EventTerm(name: "event", value: .number(0x3c))]),
                ]),
        ]
    }
}
