import CPerfEvents
import Testing
@testable import PerfEvents

/// The big/little comparison: placement per PMU, each PMU's own events, and why a
/// machine without two core PMUs cannot compare.
@Suite(.timeLimit(.minutes(5))) struct CorePMUComparisonTests {
    @Test func needsTwoCorePMUsWithCPULists() throws {
        #expect(throws: CorePMUComparisonError.noCorePMU) {
            try CorePMUComparison(pmus: [PMU(name: "software", type: 1, kind: .software)])
        }
        #expect(throws: CorePMUComparisonError.oneCorePMU("cpu")) {
            try CorePMUComparison(pmus: [PMU(name: "cpu", type: 4, kind: .core)])
        }
        #expect(throws: CorePMUComparisonError.noCPUList("cpu_atom")) {
            try CorePMUComparison(pmus: [PMU(name: "cpu_core", type: 4, kind: .core, cpus: CPUSet(0...3)),
                                         PMU(name: "cpu_atom", type: 10, kind: .core)])
        }
        #expect(CorePMUComparisonError.oneCorePMU("cpu").description.contains("two core PMUs"))
        #expect(try CorePMUComparison(pmus: RecordedMachines.alderLake).pmus.map(\.name) == ["cpu_core", "cpu_atom"])
    }

    /// This host's own verdict, read from its sysfs now.
    @Test func liveHostVerdictMatchesItsSysfs() throws {
        let cores = try SysfsTree.live.coreDevices()
        let inventory = try PMUDiscovery().discover()
        if cores.count < 2 {
            #expect(throws: CorePMUComparisonError.self) { try CorePMUComparison(pmus: inventory.pmus) }
        } else {
            #expect(try CorePMUComparison(pmus: inventory.pmus).pmus.count == cores.count)
        }
    }

    /// On the recorded rk3399 (a kernel that refuses its hardware events here): the PMUs
    /// in turn within each repetition, pinned to their CPUs for each run, their own aliases
    /// where they have them, task-clock counted, the hardware values not supported with the reason.
    @Test func eachPMUInTurnPinnedWithItsOwnEvents() throws {
        let pins = Recorder<[CPUSet]>([])
        let opened = Recorder<[(UInt32, UInt64)]>([])
        var system = SystemMock()
        system.getAffinity = { _ in .success(CPUSet(0...5).mask) }
        system.setAffinity = { _, mask in pins.update { $0.append(CPUSet(mask: mask)) }; return 0 }
        let live = SystemMock()
        system.perfEventOpen = { attr, pid, cpu, group, flags in
            opened.update { $0.append((attr.pointee.type, attr.pointee.config)) }
            return attr.pointee.type == LegacyType.software ? live.perfEventOpen(attr, pid, cpu, group, flags) : -Errno.noSuchFileOrDirectory.rawValue
        }
        let pmus = RecordedMachines.rk3399
        let comparison = try CorePMUComparison(pmus: pmus)
        var ran: [String] = []
        let measurements = try system.installed { try comparison.run(repetitions: 2, resolver: Resolver(pmus: pmus)) { pmu in
            ran.append(pmu.name)
            var x: UInt64 = 1
            for i in 0..<200_000 { x = x &* 6364136223846793005 &+ UInt64(i) }
            #expect(x != 0)
        } }
        // Repetitions are the outer loop: each PMU once, then each again.
        #expect(ran == ["armv8_cortex_a53", "armv8_cortex_a72", "armv8_cortex_a53", "armv8_cortex_a72"])
        // Pinned, then back, around every repetition.
        #expect(pins.current == [CPUSet(0...3), CPUSet(0...5), CPUSet(4...5), CPUSet(0...5),
                                 CPUSet(0...3), CPUSet(0...5), CPUSet(4...5), CPUSet(0...5)])
        #expect(measurements.map(\.events) == [
            ["task-clock", "armv8_cortex_a53/cpu_cycles/", "armv8_cortex_a53/inst_retired/",
             "armv8_cortex_a53/branches/", "armv8_cortex_a53/branch-misses/"],
            ["task-clock", "armv8_cortex_a72/cpu_cycles/", "armv8_cortex_a72/inst_retired/",
             "armv8_cortex_a72/branches/", "armv8_cortex_a72/branch-misses/"],
        ])
        // The PMU's own type and raw config for its aliases.
        #expect(opened.current.contains { $0 == (8, 0x11) } && opened.current.contains { $0 == (8, 0x08) })
        for measurement in measurements {
            #expect(measurement.runs.count == 2)
            #expect((measurement.mean(.taskClock) ?? 0) > 0)
            #expect(measurement.mean(.cycles) == nil)
            #expect(measurement.unavailable(.cycles)?.description.isEmpty == false)
            #expect(measurement.instructionsPerCycle == nil && measurement.gigahertz == nil)
            #expect(measurement.meanElapsedNanoseconds > 0)
        }
    }

    @Test func zeroRepetitionsIsAnError() throws {
        let comparison = try CorePMUComparison(pmus: RecordedMachines.rk3399)
        #expect(throws: CorePMUComparisonError.noRepetitions(0)) {
            try comparison.run(repetitions: 0, resolver: Resolver(pmus: RecordedMachines.rk3399)) { _ in }
        }
    }
}
