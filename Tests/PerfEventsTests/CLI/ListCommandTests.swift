import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct ListCommandTests {
    @Test func listsThisMachinesPMUsWithTheirSysfsTypes() throws {
        let result = try CLI.run(["list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let pmus = try #require(object["pmus"] as? [[String: Any]])
        let devices = "/sys/bus/event_source/devices"
        let names = try FileManager.default.contentsOfDirectory(atPath: devices)
        #expect(Set(pmus.compactMap { $0["name"] as? String }) == Set(names))
        for pmu in pmus {
            let name = try #require(pmu["name"] as? String)
            let type = try #require(pmu["type"] as? Int)
            #expect(String(type) == CLI.read("\(devices)/\(name)/type"), "type of \(name)")
        }
        for expected in ["software", "tracepoint", "breakpoint"] {
            #expect(names.contains(expected))
        }
        // Whether this host has a CPU PMU is read from its sysfs now; the listing must agree,
        // and say so when there is none.
        let hasCorePMU = LiveHost.hasCorePMU
        #expect(object["hardwareCPUPMU"] as? Bool == hasCorePMU)
        #expect(((object["note"] as? String)?.contains("no hardware CPU PMU") ?? false) == !hasCorePMU)
        let text = try CLI.run(["list"])
        #expect(text.stdout.contains("no hardware CPU PMU is present") == !hasCorePMU)
    }

    @Test func listsAFixtureWithCPUs() throws {
        let result = try CLI.run(["list", "--json", "--sysfs-root", CLI.fixture("rk3399")])
        let object = try #require(try result.json() as? [String: Any])
        let pmus = try #require(object["pmus"] as? [[String: Any]])
        let a72 = try #require(pmus.first { $0["name"] as? String == "armv8_cortex_a72" })
        #expect(a72["type"] as? Int == 8)
        #expect(a72["cpus"] as? String == "4-5")
        #expect(a72["kind"] as? String == "core")
        #expect(object["hardwareCPUPMU"] as? Bool == true)
    }

    @Test func environmentVariableNamesTheRoot() throws {
        let result = try CLI.run(["list", "--json"], environment: ["PERF_EVENTS_SYSFS_ROOT": CLI.fixture("alderlake")])
        #expect(result.stdout.contains("cpu_atom"))
    }

    @Test func badRootIsAClearError() throws {
        let result = try CLI.run(["list", "--sysfs-root", "/no/such/dir"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/no/such/dir"))
        #expect(result.stdout.isEmpty)
    }
}
