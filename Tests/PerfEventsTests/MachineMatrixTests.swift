import Foundation
import Testing
@testable import PerfEvents

/// Discovery and resolution on every recorded tree and on the live host, each checked
/// against what that tree's own files say (read plainly by ``SysfsTree``): no expected
/// value is written down, so a new host of any kind is checked the same way.
@Suite(.timeLimit(.minutes(5)))
struct MachineMatrixTests {
    private func inventory(_ tree: SysfsTree) throws -> PMUInventory {
        try PMUDiscovery(root: tree.root).discover()
    }

    private func resolver(_ tree: SysfsTree) throws -> Resolver {
        Resolver(pmus: try inventory(tree).pmus, tracefs: Tracefs(root: tree.root), libpfm: nil)
    }

    @Test(arguments: SysfsTree.all)
    func discoveryReadsWhatTheFilesSay(_ tree: SysfsTree) throws {
        let inventory = try inventory(tree)
        let devices = try tree.devices()
        #expect(inventory.problems.isEmpty, "\(inventory.problems)")
        #expect(inventory.devicesPath == tree.devicesPath)
        // Every directory, in the order the library promises (type, then name).
        #expect(inventory.pmus.map(\.name) == devices.map(\.name))
        for device in devices {
            let pmu = try inventory.pmu(named: device.name)
            #expect(pmu.type == device.type, "type of \(device.name)")
            #expect(pmu.kind.rawValue == device.kind, "kind of \(device.name)")
            #expect(pmu.cpus.map { Set($0) } == device.cpus, "CPUs of \(device.name)")
            #expect(Set(pmu.formats.map(\.name)) == Set(device.formats.keys), "formats of \(device.name)")
            for field in pmu.formats {
                let format = try #require(device.formats[field.name])
                #expect(field.word.name == format.word && field.mask == format.mask, "\(device.name)/format/\(field.name)")
            }
            #expect(pmu.aliases.map(\.name) == device.aliases.map(\.name).sorted(), "aliases of \(device.name)")
            for alias in device.aliases {
                let found = try #require(pmu.alias(named: alias.name))
                #expect(found.terms.map { SysfsTree.Term($0) } == alias.terms, "\(device.name)/events/\(alias.name)")
                #expect(found.scale == alias.scale && found.unit == alias.unit, "\(device.name)/events/\(alias.name)")
            }
        }
        let cores = devices.filter { $0.kind == "core" }
        #expect(inventory.hasCorePMU == !cores.isEmpty)
        #expect(inventory.corePMUs.map(\.name) == cores.map(\.name))
    }

    @Test(arguments: SysfsTree.all)
    func eachAliasResolvesToWhatItsTextSays(_ tree: SysfsTree) throws {
        let resolver = try resolver(tree)
        for device in try tree.devices() {
            for alias in device.aliases {
                let input = "\(device.name)/\(alias.name)/"
                switch SysfsTree.expected(alias, on: device) {
                case .attributes(let type, let words):
                    let events = try resolver.resolve(input).flatMap(\.events)
                    try #require(events.count == 1, "\(input): \(events)")
                    let attributes = events[0].attributes
                    #expect(attributes.type == type, "\(input)")
                    #expect([attributes.config, attributes.config1, attributes.config2, attributes.config3]
                            == SysfsTree.words.map { words[$0] ?? 0 }, "\(input): \(attributes)")
                    #expect(events[0].pmu.name == device.name)
                    #expect(events[0].source == .sysfsAlias(alias.name))
                    #expect(events[0].scale == alias.scale && events[0].unit == alias.unit, "\(input)")
                case .refused(let term):
                    #expect(throws: ResolutionError.self, "\(input) needs '\(term)'") { try resolver.resolve(input) }
                }
            }
        }
    }

    /// `msr/tsc/` takes the type of the tree's own msr directory (9 on one host of this
    /// project's kind, 10 on another); a tree without msr refuses it, naming the PMU.
    @Test(arguments: SysfsTree.all)
    func msrTimeStampCounterTakesTheTreesMSRType(_ tree: SysfsTree) throws {
        let resolver = try resolver(tree)
        let devices = try tree.devices()
        if let msr = devices.first(where: { $0.name == "msr" }), let tsc = msr.alias("tsc") {
            guard case .attributes(let type, let words) = SysfsTree.expected(tsc, on: msr) else {
                Issue.record("\(tree.name): msr/events/tsc does not pack through msr/format")
                return
            }
            for input in ["msr/tsc/", "tsc"] {
                let events = try resolver.resolve(input).flatMap(\.events)
                #expect(events.map(\.attributes) == [EventAttributes(type: type, config: words["config"] ?? 0)], "\(input)")
                #expect(events.map(\.pmu.name) == ["msr"])
            }
        } else {
            #expect(throws: ResolutionError.self, "\(tree.name) has no msr/events/tsc") { try resolver.resolve("msr/tsc/") }
        }
    }

    /// `cycles`: the legacy event with no core PMU (and a note), the plain id on the one
    /// core PMU, or one extended-type event per core PMU (`type << 32`) on hybrid trees.
    @Test(arguments: SysfsTree.all)
    func genericCyclesFollowTheTreesCorePMUs(_ tree: SysfsTree) throws {
        let cores = try tree.coreDevices()
        let events = try resolver(tree).resolve("cycles").flatMap(\.events)
        switch cores.count {
        case 0:
            #expect(events.map(\.attributes) == [EventAttributes(type: LegacyType.hardware, config: 0)])
            #expect(events.map(\.pmu) == [.noCorePMU])
            #expect(events.first?.note?.contains("no core PMU") == true)
        case 1:
            #expect(events.map(\.attributes) == [EventAttributes(type: LegacyType.hardware, config: 0)])
            #expect(events.map(\.pmu.name) == cores.map { $0.name as String? })
        default:
            #expect(events.map(\.attributes) == cores.map { EventAttributes(type: LegacyType.hardware, config: UInt64($0.type) << 32) })
            #expect(events.map(\.pmu.name) == cores.map { $0.name as String? })
            #expect(events.map { $0.cpus.map { Set($0) } } == cores.map(\.cpus))
        }
    }
}

extension SysfsTree.Term {
    /// The library's term, for comparison with the plain reading.
    init(_ term: EventTerm) {
        switch term.value {
        case .number(let value): self.init(name: term.name, value: .number(value))
        case .implicit: self.init(name: term.name, value: .implicit)
        case .parameter: self.init(name: term.name, value: .parameter)
        case .text(let text): self.init(name: term.name, value: .text(text))
        }
    }
}
