import CPerfEvents
import Testing
@testable import PerfEvents

/// Kernels whose PMU driver predates the extended type (arm64 6.1: ENOENT for
/// `type 0, config = pmu << 32 | id`) still count a generic event on the right
/// PMU: its own sysfs alias, opened with its own type.
@Suite(.timeLimit(.minutes(5))) struct OwnTypeFallbackTests {
    func resolve(_ text: String, on pmus: [PMU]) throws -> [Event] {
        try Resolver(pmus: pmus, tracefs: Tracefs(root: "/nonexistent"), libpfm: nil).resolve(text).flatMap { $0.events }
    }

    @Test func bigLittleCyclesCarryEachPMUsOwnAlias() throws {
        let events = try resolve("cycles:u", on: RecordedMachines.rk3399)
        #expect(events.map { $0.fallback?.alias } == ["cpu_cycles", "cpu_cycles"])
        let fallbacks = events.compactMap { $0.fallbackEvent?.attributes }
        #expect(fallbacks.map { $0.type } == [7, 8])
        #expect(fallbacks.map { $0.config } == [0x11, 0x11])
        // The modifiers stay: only the type and config words change.
        #expect(fallbacks.allSatisfy { $0.excludeKernel && $0.excludeHypervisor && !$0.excludeUser })
    }

    @Test func alderLakeUsesTheHybridAliasNames() throws {
        // The recorded Alder Lake tree: cpu_core and cpu_atom publish events/instructions (event=0xc0).
        let pmus = try PMUDiscovery(root: SysfsFixtures.root("alderlake")).discover().pmus
        let events = try resolve("instructions", on: pmus)
        #expect(events.map { $0.fallback?.alias } == ["instructions", "instructions"])
        #expect(events.compactMap { $0.fallbackEvent?.attributes }.map { $0.type }.sorted() == [4, 10])
        #expect(events.compactMap { $0.fallbackEvent?.attributes }.allSatisfy { $0.config == 0xc0 })
    }

    @Test func noFallbackWithoutHybridOrAlias() throws {
        // One core PMU: the plain legacy id needs no extended type.
        let single = RecordedMachines.rk3399.filter { $0.name != "armv8_cortex_a72" }
        #expect(try resolve("cycles", on: single).allSatisfy { $0.fallback == nil })
        // Cache events have no alias to fall back to.
        #expect(try resolve("L1-dcache-load-misses", on: RecordedMachines.rk3399).allSatisfy { $0.fallbackEvent?.attributes == nil })
    }

    @Test func refusedExtendedTypeOpensTheOwnTypeAlias() throws {
        let calls = Recorder<[OpenCall]>([])
        // An arm64 kernel before 6.6: ENOENT for any extended-type hardware event, as the
        // recorded RK3399 answered perf's `type=PERF_TYPE_HARDWARE, config=0x7<<32|0`.
        let system = mockKernel(openResult: { call in
            call.type == 0 && call.config >> 32 != 0 ? -Errno.noSuchFileOrDirectory.rawValue : 1000
        }, calls: calls)
        let pmus = RecordedMachines.rk3399
        let resolved = try #require(try resolve("cycles", on: pmus).first)
        let counter = try system.installed { () throws(CounterError) in try Counter(resolved) }
        #expect(calls.current.map { $0.type } == [0, 7])
        #expect(calls.current.last?.config == 0x11)
        #expect(counter.attributes.type == 7)
        #expect(counter.warnings.contains { warning in
            if case .extendedTypeRefused(let pmu, let errno, 7, 0x11) = warning { return pmu == "armv8_cortex_a53" && errno == .noSuchFileOrDirectory }
            return false
        })
    }

    @Test func otherRefusalsAreNotMaskedByTheFallback() throws {
        let calls = Recorder<[OpenCall]>([])
        let system = mockKernel(openResult: { _ in -Errno.permissionDenied.rawValue }, calls: calls)
        let resolved = try #require(try resolve("cycles", on: RecordedMachines.rk3399).first)
        #expect(throws: CounterError.self) { try system.installed { () throws(CounterError) in try Counter(resolved) } }
        #expect(calls.current.count == 1)
    }
}
