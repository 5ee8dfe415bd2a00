import Foundation
import Testing
@testable import PerfEvents
@testable import pmu

/// `pmu stat --each-core-pmu`: why it cannot compare here, and its table from measurements.
@Suite(.timeLimit(.minutes(2))) struct StatComparisonCLITests {
    /// This host, and recorded trees with one core PMU or a CPU list beyond this host's:
    /// a clear error, never a table of zeros.
    @Test func saysWhyItCannotCompare() throws {
        let cores = try SysfsTree.live.coreDevices()
        if cores.count < 2 {
            let result = try CLI.run(["stat", "--each-core-pmu", "--", "true"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot compare core PMUs"), "\(result.stderr)")
            #expect(result.stderr.contains(cores.isEmpty ? "no hardware CPU PMU" : "has one"), "\(result.stderr)")
        }
        let single = try CLI.run(["stat", "--each-core-pmu", "--sysfs-root", CLI.fixture("x86-server"), "--", "true"])
        #expect(single.status != 0)
        #expect(single.stderr.contains("this machine has one, cpu,"), "\(single.stderr)")
    }

    static func measurement(_ name: String, type: UInt32, cpus: CPUSet, counts: [UInt64?], elapsed: UInt64) -> CorePMUMeasurement {
        let pmu = PMU(name: name, type: type, kind: .core, cpus: cpus)
        let values = counts.map { count in
            count.map { CounterValue(raw: $0, timeEnabled: 1000, timeRunning: 1000) }
                ?? CounterValue(unavailable: .noCoveredCPU(pmu: name, pmuCPUs: cpus, counted: CPUSet([0])))
        }
        return CorePMUMeasurement(pmu: pmu, events: CorePMUComparison.Quantity.allCases.map { $0.eventString(on: pmu) },
                                  runs: [.init(elapsedNanoseconds: elapsed, values: values)])
    }

    /// A column per PMU, the ratio last/first, derived values from each PMU's own counts.
    @Test func tableHasAColumnPerPMUAndTheRatio() throws {
        let little = Self.measurement("armv8_cortex_a53", type: 8, cpus: CPUSet(0...3),
                                      counts: [2_000_000, 2_000_000, 1_000_000, 100_000, 1_000], elapsed: 2_500_000)
        let big = Self.measurement("armv8_cortex_a72", type: 9, cpus: CPUSet(4...5),
                                   counts: [1_000_000, 1_500_000, 1_000_000, 100_000, nil], elapsed: 1_200_000)
        let table = CorePMUComparisonTable(measurements: [little, big], command: "./work", runs: 1)
        let text = table.text
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.contains("armv8_cortex_a53 (CPUs 0-3)") })
        #expect(header.contains("armv8_cortex_a72 (CPUs 4-5)") && header.contains("armv8_cortex_a72 / armv8_cortex_a53"))
        let ipc = try #require(lines.first { $0.contains("insn per cycle") })
        #expect(ipc.contains("0.50") && ipc.contains("0.67") && ipc.hasSuffix("1.333"), "\(ipc)")
        let cycles = try #require(lines.first { $0.contains(" cycles ") })
        #expect(cycles.contains("2000000") && cycles.contains("1500000") && cycles.hasSuffix("0.750"), "\(cycles)")
        // No branch-miss count on the big PMU: no value, no ratio, and the reason below.
        let misses = try #require(lines.first { $0.contains("branch-misses") && !$0.contains("not supported:") })
        #expect(misses.contains("<not supported>") && misses.hasSuffix("-"), "\(misses)")
        #expect(text.contains("armv8_cortex_a72 branch-misses: not supported:"), "\(text)")
        let json = table.json
        #expect(json.pmus.map(\.pmu) == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(json.pmus[1].branch_misses == nil && json.pmus[1].not_supported["branch-misses"] != nil)
        #expect(json.ratio["cycles"] == .some(0.75))
    }
}
