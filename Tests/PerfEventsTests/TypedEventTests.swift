import Foundation
import Testing
@testable import PerfEvents

/// A typed request (``Resolver/event(_:on:modifiers:)`` and friends) must resolve to the
/// very ``Event`` the perf string it stands for resolves to: same PMU, attributes,
/// fallback, source and text. Checked on every recorded tree, every PMU, every
/// hardware event and alias, with and without modifiers: the string path is the one
/// checked against perf (the conformance suites), so this ties the typed path to perf.
@Suite struct TypedEventTests {
    static let trees = ["alderlake", "amd-epyc-pvm", "intel-xeon-pvm", "juno", "rk3399", "x86-server"]
    static let modifierSets: [EventModifiers] = [EventModifiers(), .userOnly, .kernelOnly, .hostOnly, .guestOnly]

    func resolver(_ tree: String) throws -> Resolver {
        let pmus = try PMUDiscovery(root: SysfsFixtures.root(tree)).discover().pmus
        return Resolver(pmus: pmus, tracefs: Tracefs(root: "/nonexistent"), libpfm: nil)
    }

    /// The one event `text` resolves to, or the error it throws.
    func parsed(_ text: String, _ resolver: Resolver) -> Result<Event, ResolutionError> {
        do {
            let events = try resolver.resolve(text).flatMap(\.events)
            guard events.count == 1 else {
                return .failure(.invalidTerm(input: text, pmu: "", term: text, problem: "\(events.count) events"))
            }
            return .success(events[0])
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: trees) func hardwareOnEveryPMUIsThePerfString(tree: String) throws {
        let resolver = try resolver(tree)
        var compared = 0
        for pmu in resolver.pmus {
            for hardware in HardwareEvent.allCases {
                for modifiers in Self.modifierSets {
                    let text = pmu.name + "/" + hardware.name + "/" + modifiers.text
                    let typed = Result { () throws(ResolutionError) in try resolver.event(hardware, on: pmu, modifiers: modifiers) }
                    switch (typed, parsed(text, resolver)) {
                    case (.success(let event), .success(let expected)):
                        #expect(event == expected, "\(tree): \(text)")
                        compared += 1
                    case (.failure, .failure):
                        #expect(pmu.kind != .core, "\(tree): \(text) refused on a core PMU")
                    case (let typed, let parsed):
                        Issue.record("\(tree): \(text): typed \(typed), the string \(parsed)")
                    }
                }
            }
        }
        let cores = resolver.corePMUs.count
        #expect(compared == cores * HardwareEvent.allCases.count * Self.modifierSets.count, "\(tree)")
    }

    @Test(arguments: trees) func aliasesAndNativeEventsAreThePerfString(tree: String) throws {
        let resolver = try resolver(tree)
        for pmu in resolver.pmus {
            for alias in pmu.aliases {
                let expected = parsed(pmu.name + "/" + alias.name + "/u", resolver)
                let typed = Result { () throws(ResolutionError) in try resolver.event(alias: alias.name, on: pmu, modifiers: .userOnly) }
                switch (typed, expected) {
                case (.success(let event), .success(let expected)): #expect(event == expected, "\(tree): \(pmu.name)/\(alias.name)/u")
                case (.failure(let typed), .failure(let expected)): #expect(typed == expected)
                default: Issue.record("\(tree): \(pmu.name)/\(alias.name)/u: typed \(typed), the string \(expected)")
                }
            }
            guard pmu.isCore else { continue }
            for hardware in HardwareEvent.allCases {
                let native = try resolver.nativeEvent(hardware, on: pmu)
                if let alias = hardware.nativeAlias(on: pmu) {
                    #expect(native.attributes.type == pmu.type && native.source == .sysfsAlias(alias.name), "\(tree)")
                } else {
                    #expect(native == (try resolver.event(hardware, on: pmu)), "\(tree)")
                }
            }
        }
    }

    @Test(arguments: trees) func cacheEventsAreThePerfString(tree: String) throws {
        let resolver = try resolver(tree)
        var compared = 0
        for pmu in resolver.corePMUs {
            for cache in CacheEvent.Cache.allCases {
                for operation in CacheEvent.Operation.allCases {
                    for result in CacheEvent.Result.allCases {
                        let event = CacheEvent(cache, operation, result)
                        let text = pmu.name + "/" + event.name + "/"
                        switch (Result { () throws(ResolutionError) in try resolver.event(event, on: pmu) }, parsed(text, resolver)) {
                        case (.success(let typed), .success(let expected)):
                            #expect(typed == expected, "\(tree): \(text)")
                            #expect(typed.attributes.config & 0xffff_ffff == event.config, "\(tree): \(text)")
                            compared += 1
                        case (.failure(let typed), .failure(let expected)):
                            #expect(typed == expected, "\(tree): \(text)")  // an operation the cache lacks
                        case (let typed, let expected):
                            Issue.record("\(tree): \(text): typed \(typed), the string \(expected)")
                        }
                    }
                }
            }
        }
        #expect(compared >= resolver.corePMUs.count * 20, "\(tree)")
    }

    @Test(arguments: trees) func bareHardwareIsThePerfString(tree: String) throws {
        let resolver = try resolver(tree)
        for hardware in HardwareEvent.allCases {
            #expect(try resolver.events(hardware, modifiers: .userOnly) == resolver.resolve(hardware.name + ":u").flatMap(\.events))
        }
    }

    @Test func softwareAndBreakpointsAreThePerfString() throws {
        let resolver = try resolver("rk3399")
        for software in SoftwareEvent.allCases {
            for name in software.names {
                let expected = try #require(try resolver.resolve(name).first?.events.first)
                #expect(Event.software(software).attributes == expected.attributes, "\(name)")
                #expect(Event.software(software).pmu.name == expected.pmu.name, "\(name)")
            }
        }
        let watch = Event.breakpoint(address: 0x1000, length: 8, access: .write)
        let expected = try #require(try resolver.resolve("mem:0x1000/8:w").first?.events.first)
        #expect(watch.attributes == expected.attributes && watch.text == expected.text)
    }

    /// The one table: names, native aliases and metric roles all come from HardwareEvent.
    @Test func oneTableOfHardwareEvents() {
        for hardware in HardwareEvent.allCases {
            for name in hardware.names { #expect(GenericEvent(named: name) == .hardware(hardware.rawValue)) }
            for alias in hardware.nativeAliases { #expect(HardwareEvent(nativeAlias: alias) == hardware) }
        }
        #expect(MetricRole(hardwareID: HardwareEvent.branchMisses.rawValue) == .branchMisses)
    }

    @Test func theTypedRequestRefusesANonCorePMU() throws {
        let resolver = try resolver("rk3399")
        let software = try #require(resolver.pmus.first { $0.kind == .software })
        #expect(throws: ResolutionError.self) { try resolver.event(.cycles, on: software) }
        let core = try #require(resolver.corePMUs.first)
        #expect(throws: ResolutionError.self) { try resolver.event(alias: "no_such_alias", on: core) }
    }
}
