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

    /// A copy of the hybrid recording whose two core PMUs cover this host's CPUs 0 and 1, so
    /// the comparison can pin to each (the hardware events themselves need not open here).
    static func twoCoresHere() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pmu-each-core-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.copyItem(atPath: CLI.fixture("alderlake"), toPath: root)
        let devices = root + "/bus/event_source/devices/"
        try "0\n".write(toFile: devices + "cpu_core/cpus", atomically: true, encoding: .utf8)
        try "1\n".write(toFile: devices + "cpu_atom/cpus", atomically: true, encoding: .utf8)
        return root
    }

    /// Ctrl-C during the second PMU's run: the command gets the signal, the first PMU's
    /// finished run is printed, the stopped one is left out and said so, the exit status is
    /// the command's, all within seconds (not the command's 30).
    @Test(.enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2, "needs CPUs 0 and 1"))
    func sigintKeepsTheFinishedRuns() throws {
        let root = try Self.twoCoresHere()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let flag = root + "/ran-once", second = root + "/second-run"
        // The first run (cpu_core) ends at once; the second (cpu_atom) says so and sleeps until stopped.
        let script = "if [ -e \(flag) ]; then touch \(second); exec sleep 30; else touch \(flag); fi"
        let (result, seconds) = try CLI.runAndSignal(
            ["stat", "--each-core-pmu", "--json", "--sysfs-root", root, "--", "/bin/sh", "-c", script],
            signal: SIGINT, after: 0.1, readyFile: second)
        #expect(seconds < 10, "took \(seconds) s")
        #expect([130, 143].contains(result.status), "\(result.status) \(result.stderr)")
        let object = try #require(try result.json() as? [String: Any], "\(result.stdout) \(result.stderr)")
        #expect(object["interrupted_by_signal"] as? Int == Int(SIGINT))
        #expect((object["interruption"] as? String)?.contains("during run 1 of 1 on cpu_atom") == true, "\(object)")
        let pmus = try #require(object["pmus"] as? [[String: Any]])
        #expect(pmus.compactMap { $0["pmu"] as? String } == ["cpu_core"])
        #expect((pmus.first?["runs"] as? [Any])?.count == 1)
        #expect((pmus.first?["task_clock_ns"] as? Double ?? 0) > 0, "\(pmus)")
    }

    /// The note in the text table names the stop, the PMUs not reached and the runs kept.
    @Test func interruptionNoteInTheTable() throws {
        let little = try Self.measurement("armv8_cortex_a53", type: 7, cpus: CPUSet(0...3),
                                      counts: [2_000_000, 2_000_000, 1_000_000, 100_000, 1_000], elapsed: 2_500_000)
        let table = CorePMUComparisonTable(measurements: [little], command: "./work", runs: 3,
                                           interruption: .init(signal: SIGINT, pmu: "armv8_cortex_a53", run: 2),
                                           notRun: ["armv8_cortex_a72"])
        #expect(table.text.contains("interrupted by SIGINT during run 2 of 3 on armv8_cortex_a53; that run is left out; not run: armv8_cortex_a72; runs kept: armv8_cortex_a53 1"), "\(table.text)")
        #expect(table.json.interrupted_by_signal == SIGINT)
        // One column left: no ratio of a PMU to itself.
        #expect(!table.text.contains("armv8_cortex_a53 / armv8_cortex_a53") && table.json.ratio.isEmpty, "\(table.text)")
        let nothing = CorePMUComparisonTable(measurements: [], command: "./work", runs: 1,
                                             interruption: .init(signal: SIGTERM, pmu: "armv8_cortex_a53", run: 1),
                                             notRun: ["armv8_cortex_a72"])
        #expect(nothing.text.contains("interrupted by SIGTERM") && nothing.text.contains("nothing was counted to the end"))
    }

    static func measurement(_ name: String, type: UInt32, cpus: CPUSet, counts: [UInt64?], elapsed: UInt64) throws -> CorePMUMeasurement {
        let pmu = PMU(name: name, type: type, kind: .core, cpus: cpus)
        let values = counts.map { count in
            count.map { CounterValue(raw: $0, timeEnabled: 1000, timeRunning: 1000) }
                ?? CounterValue(unavailable: .noCoveredCPU(pmu: name, pmuCPUs: cpus, counted: CPUSet([0])))
        }
        return CorePMUMeasurement(pmu: pmu, events: try CorePMUComparison.Quantity.allCases.map { quantity throws(ResolutionError) in
                                      try quantity.event(on: pmu, resolver: Resolver(pmus: [pmu], libpfm: nil)).text },
                                  runs: [.init(elapsedNanoseconds: elapsed, values: values)])
    }

    /// A column per PMU, the ratio last/first, derived values from each PMU's own counts.
    @Test func tableHasAColumnPerPMUAndTheRatio() throws {
        let little = try Self.measurement("armv8_cortex_a53", type: 7, cpus: CPUSet(0...3),
                                      counts: [2_000_000, 2_000_000, 1_000_000, 100_000, 1_000], elapsed: 2_500_000)
        let big = try Self.measurement("armv8_cortex_a72", type: 8, cpus: CPUSet(4...5),
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
