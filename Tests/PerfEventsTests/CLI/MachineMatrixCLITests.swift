import Foundation
import Testing

/// `pmu list`, `pmu events` and `pmu resolve` on every recorded tree (with
/// `--sysfs-root`) and on the live host (no option: `/sys`), each checked against
/// what that tree's own files say, read plainly by ``SysfsTree``.
@Suite(.timeLimit(.minutes(2)))
struct MachineMatrixCLITests {
    private func run(_ command: String, _ tree: SysfsTree, _ arguments: [String]) throws -> CLIResult {
        try CLI.run([command] + tree.cliArguments + arguments)
    }

    @Test(arguments: SysfsTree.all)
    func listShowsEveryPMUWithWhatItsFilesSay(_ tree: SysfsTree) throws {
        let devices = try tree.devices()
        let result = try run("list", tree, ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let rows = try #require(object["pmus"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == devices.map(\.name))
        for device in devices {
            let row = try #require(rows.first { $0["name"] as? String == device.name })
            #expect(row["type"] as? Int == Int(device.type), "type of \(device.name)")
            #expect(row["kind"] as? String == device.kind, "kind of \(device.name)")
            #expect((row["cpus"] as? String).flatMap(SysfsTree.cpuList) == device.cpus, "CPUs of \(device.name)")
            #expect(row["events"] as? Int == device.aliases.count, "events of \(device.name)")
            let formats = (row["formats"] as? [String] ?? []).map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            #expect(Set(formats.compactMap(\.first)) == Set(device.formats.keys), "formats of \(device.name)")
            for pair in formats where pair.count == 2 {
                #expect(SysfsTree.format(pair[1]) == device.formats[pair[0]], "\(device.name)/format/\(pair[0])")
            }
        }
        let hasCore = devices.contains { $0.kind == "core" }
        #expect(object["hardwareCPUPMU"] as? Bool == hasCore)
        #expect(((object["note"] as? String)?.contains("no hardware CPU PMU") ?? false) == !hasCore)

        // The table: one row per directory, NAME and TYPE as the files say.
        let text = try run("list", tree, [])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        for device in devices {
            #expect(lines.contains { $0.count >= 2 && $0[0] == device.name && $0[1] == String(device.type) },
                    "\(device.name) \(device.type) in:\n\(text.stdout)")
        }
        #expect(text.stdout.contains("no hardware CPU PMU is present") == !hasCore)
    }

    @Test(arguments: SysfsTree.all)
    func eventsListsEachAliasFile(_ tree: SysfsTree) throws {
        for device in try tree.devices() {
            let result = try run("events", tree, ["--json", "--no-libpfm", device.name])
            #expect(result.status == 0, "\(device.name): \(result.stderr)")
            let entries = try #require(try result.json() as? [[String: Any]], "\(device.name): \(result.stdout)")
            let sysfs = entries.filter { $0["source"] as? String == "sysfs" }
            #expect(Set(sysfs.compactMap { $0["name"] as? String }) == Set(device.aliases.map { "\(device.name)/\($0.name)/" }))
            for alias in device.aliases {
                let entry = try #require(sysfs.first { $0["name"] as? String == "\(device.name)/\(alias.name)/" })
                let terms = SysfsTree.terms(entry["terms"] as? String ?? "")
                #expect(terms == alias.terms, "\(device.name)/events/\(alias.name)")
                #expect(entry["unit"] as? String == alias.unit && entry["scale"] as? String == alias.scale)
            }
        }
    }

    @Test(arguments: SysfsTree.all)
    func resolveGivesEachAliasTheConfigItsTextSays(_ tree: SysfsTree) throws {
        for device in try tree.devices() {
            for alias in device.aliases {
                let input = "\(device.name)/\(alias.name)/"
                let result = try run("resolve", tree, ["--json", input])
                switch SysfsTree.expected(alias, on: device) {
                case .attributes(let type, let words):
                    #expect(result.status == 0, "\(input): \(result.stderr)")
                    let rows = try #require(try result.json() as? [[String: Any]], "\(input): \(result.stdout)")
                    try #require(rows.count == 1, "\(input): \(rows)")
                    #expect(rows[0]["type"] as? Int == Int(type), "\(input)")
                    #expect(rows[0]["pmu"] as? String == device.name)
                    for word in SysfsTree.words {
                        #expect(rows[0][word] as? String == "0x" + String(words[word] ?? 0, radix: 16), "\(input) \(word)")
                    }
                    #expect(rows[0]["source"] as? String == "sysfs alias \(alias.name)", "\(input)")
                case .refused(let term):
                    #expect(result.status != 0, "\(input) resolved although '\(term)' cannot be packed")
                    #expect(result.stderr.contains(term), "\(input): \(result.stderr)")
                }
            }
        }
    }

    /// `msr/tsc/` shows the type of the tree's msr directory; without msr it is an error naming it.
    @Test(arguments: SysfsTree.all)
    func resolveMSRTimeStampCounter(_ tree: SysfsTree) throws {
        let devices = try tree.devices()
        let result = try run("resolve", tree, ["--json", "msr/tsc/"])
        if let msr = devices.first(where: { $0.name == "msr" }), msr.alias("tsc") != nil {
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try #require(try result.json() as? [[String: Any]])
            #expect(rows.map { $0["type"] as? Int } == [Int(msr.type)])
            #expect(rows.map { $0["pmu"] as? String } == ["msr"])
        } else {
            #expect(result.status != 0)
            #expect(result.stderr.contains("msr"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    /// `cycles` per the tree's core PMUs: none (legacy type 0, no PMU), one (type 0 on it),
    /// several (one extended-type row per core PMU: `type << 32`).
    @Test(arguments: SysfsTree.all)
    func resolveCyclesFollowsTheTreesCorePMUs(_ tree: SysfsTree) throws {
        let cores = try tree.coreDevices()
        let result = try run("resolve", tree, ["--json", "cycles"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json() as? [[String: Any]])
        #expect(rows.allSatisfy { $0["type"] as? Int == 0 }, "\(rows)")
        switch cores.count {
        case 0:
            #expect(rows.count == 1)
            #expect(rows.first?["pmu"] == nil || rows.first?["pmu"] is NSNull)
            #expect(rows.first?["config"] as? String == "0x0")
        case 1:
            #expect(rows.map { $0["pmu"] as? String } == [cores[0].name as String?])
            #expect(rows.first?["config"] as? String == "0x0")
        default:
            #expect(rows.map { $0["pmu"] as? String } == cores.map { $0.name as String? })
            #expect(rows.map { $0["config"] as? String } == cores.map { "0x" + String(UInt64($0.type) << 32, radix: 16) as String? })
        }
    }
}
