@testable import PMUBenchCore

/// Small hand-made reports for the pure parts.
enum ReportFixtures {
    static func summary(p50: UInt64) -> LatencySummary {
        LatencySummary(min: p50 - 10, p50: p50, p90: p50 + 10, p99: p50 + 40, p999: p50 + 100, max: p50 * 10,
                       mean: Double(p50) + 2.5, stddev: 7.25)
    }

    static let environment = BenchEnvironment(
        kernel: "6.1.0-test", cpuModel: "Test CPU <&> \"model\"", onlineCPUs: 2,
        pmus: [PMUDescription(name: "software", type: 1, kind: "software", cpus: nil),
               PMUDescription(name: "cpu_core", type: 8, kind: "core", cpus: "0-1")],
        perfEventParanoid: 2, capUserRdpmc: false, nested: true, swiftVersion: "6.3", libpfmVersion: "4.0",
        clocksource: "tsc")

    /// A report with one read triple (swift/c/floor) per p50 given, and an optional exit pair.
    static func report(swiftP50: UInt64 = 515, cP50: UInt64 = 500, floorP50: UInt64 = 140,
                       exits: UInt64 = 1000, exitsByTracepoint: UInt64? = 1000,
                       readPMUs: [String] = ["software"], exitPMUs: [String] = ["cpu_core"],
                       unavailable: [UnavailableRow] = []) -> BenchReport {
        let reads = [
            ReadLatencyRow(pmu: "software", event: "task-clock", method: "read-single", implementation: .swift,
                           ns: summary(p50: swiftP50), samples: 1000),
            ReadLatencyRow(pmu: "software", event: "task-clock", method: "read-single", implementation: .c,
                           ns: summary(p50: cP50), samples: 1000),
            ReadLatencyRow(pmu: "software", event: "task-clock", method: "read-single", implementation: .syscallFloor,
                           ns: summary(p50: floorP50), samples: 1000),
        ]
        let exitRows = exitPMUs.isEmpty ? [] : [
            ExitLatencyRow(pmu: "cpu_core", cpus: "0-1", kind: "pio", implementation: .swift, ns: summary(p50: 2000),
                           samples: exits, exits: exits, exitsByTracepoint: exitsByTracepoint, tracepoint: "kvm:kvm_pio"),
            ExitLatencyRow(pmu: "cpu_core", cpus: "0-1", kind: "pio", implementation: .c, ns: summary(p50: 1980),
                           samples: exits, exits: exits, exitsByTracepoint: exitsByTracepoint, tracepoint: "kvm:kvm_pio"),
        ]
        return BenchReport(
            environment: environment,
            settings: BenchSettings(iterations: 1000, blockSize: 100, warmup: 100, quick: true,
                                    readPMUs: readPMUs, exitPMUs: exitPMUs),
            timer: [TimerRow(implementation: .swift, ns: summary(p50: 20), samples: 1000),
                    TimerRow(implementation: .c, ns: summary(p50: 20), samples: 1000)],
            readLatency: reads, exitLatency: exitRows, unavailable: unavailable)
    }
}
