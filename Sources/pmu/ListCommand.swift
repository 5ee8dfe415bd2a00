import ArgumentParser
import PerfEvents

/// `pmu list`: the PMUs sysfs publishes, with their types and CPUs.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the PMUs in sysfs: name, type, kind, CPUs, events, formats.")

    @OptionGroup var options: CommonOptions

    struct Row: Encodable {
        var name: String
        var type: UInt32
        var kind: String
        var cpus: String?
        var events: Int
        var formats: [String]
    }

    struct Listing: Encodable {
        var pmus: [Row]
        var hardwareCPUPMU: Bool
        var note: String?
    }

    func run() throws {
        let inventory = try options.inventory()
        let rows = inventory.pmus.map { pmu in
            Row(name: pmu.name, type: pmu.type, kind: pmu.kind.rawValue, cpus: pmu.cpus?.description,
                events: pmu.aliases.count, formats: pmu.formats.map { "\($0.name)=\($0.spec)" })
        }
        let note = inventory.hasCorePMU ? nil :
            "no hardware CPU PMU is present (no cpu/cpu_core/armv8_* device): hardware events such as cycles cannot be counted here; this looks like a virtual machine without a virtual PMU"
        if options.json {
            try printJSON(Listing(pmus: rows, hardwareCPUPMU: inventory.hasCorePMU, note: note))
            return
        }
        print(table(["NAME", "TYPE", "KIND", "CPUS", "EVENTS", "FORMATS"], rows.map { row in
            [row.name, String(row.type), row.kind, row.cpus ?? "all", String(row.events),
             row.formats.isEmpty ? "-" : row.formats.joined(separator: " ")]
        }))
        if let note { print("\nnote: \(note)") }
    }
}
