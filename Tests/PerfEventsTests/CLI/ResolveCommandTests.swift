import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct ResolveCommandTests {
    func resolve(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try CLI.run(["resolve", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [[String: Any]])
    }

    @Test func a72AliasGetsTheA72Type() throws {
        let rows = try resolve(["--sysfs-root", CLI.fixture("rk3399"), "armv8_cortex_a72/cpu_cycles/"])
        #expect(rows.count == 1)
        #expect(rows[0]["type"] as? Int == 8)
        #expect(rows[0]["config"] as? String == "0x11")
        #expect(rows[0]["pmu"] as? String == "armv8_cortex_a72")
        for key in ["config1", "config2", "config3"] { #expect(rows[0][key] as? String == "0x0") }
        for key in ["exclude_user", "exclude_kernel", "exclude_hv", "exclude_guest", "exclude_host"] {
            #expect(rows[0][key] as? Bool == false)
        }
        #expect((rows[0]["source"] as? String)?.contains("sysfs alias") == true)
    }

    @Test func cyclesOnBigLittleIsOneEventPerCorePMU() throws {
        let rows = try resolve(["--sysfs-root", CLI.fixture("rk3399"), "cycles"])
        #expect(rows.count == 2)
        #expect(Set(rows.compactMap { $0["pmu"] as? String }) == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(rows.allSatisfy { $0["type"] as? Int == 0 })
        #expect(Set(rows.compactMap { $0["config"] as? String }) == ["0x700000000", "0x800000000"])
    }

    @Test func alderLakeFormatTerms() throws {
        let rows = try resolve(["--sysfs-root", CLI.fixture("alderlake"), "cpu_core/event=0xc0,umask=0x1,cmask=2/"])
        #expect(rows.first?["type"] as? Int == 4)
        #expect(rows.first?["config"] as? String == "0x20001c0")
    }

    /// This host's msr type (9 on one host of this kind, 10 on another) is read from its sysfs.
    @Test(.enabled(if: LiveHost.has("msr"), "this host has no msr PMU"))
    func msrAndTracepointOnThisMachine() throws {
        CLI.ensureTracefs()
        let rows = try resolve(["msr/tsc/", "syscalls:sys_enter_getppid"])
        let msrType = try #require(CLI.read("/sys/bus/event_source/devices/msr/type"))
        #expect(rows[0]["type"] as? Int == Int(msrType))
        let id = try #require(CLI.read("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id"))
        #expect(rows[1]["type"] as? Int == 2)
        #expect(rows[1]["config"] as? String == "0x" + String(try #require(UInt64(id)), radix: 16))
    }

    /// libpfm4's tables are forced (LIBPFM_FORCE_PMU), so the result does not depend on
    /// which CPU libpfm would detect here; they exist only in x86 builds of libpfm4.
    @Test(.enabled(if: LiveHost.isX86_64, "libpfm4's amd64 tables exist only in its x86 builds"))
    func libpfmForcedZen3Name() throws {
        let result = try CLI.run(["resolve", "--json", "amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"],
                                 environment: ["LIBPFM_FORCE_PMU": "amd64_fam19h_zen3"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json() as? [[String: Any]])
        #expect(rows.first?["config"] as? String == "0xc0")
        #expect(rows.first?["source"] as? String == "libpfm4")
    }

    @Test(.enabled(if: LiveHost.isX86_64, "libpfm4's amd64 tables exist only in its x86 builds"))
    func libpfmEventsAreListedWithoutACorePMU() throws {
        let forced = try CLI.run(["events", "--libpfm"], environment: ["LIBPFM_FORCE_PMU": "amd64_fam19h_zen3"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.split(separator: "\n").contains("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"))
        // A listed event that needs a unit mask says so rather than guessing one.
        let needsMask = try CLI.run(["resolve", "amd64_fam19h_zen3::RETIRED_SERIALIZING_OPS"],
                                    environment: ["LIBPFM_FORCE_PMU": "amd64_fam19h_zen3"])
        #expect(needsMask.status != 0)
        #expect(needsMask.stderr.contains("unit mask"), "\(needsMask.stderr)")
        #expect(try CLI.run(["events"]).status != 0)
    }

    @Test(arguments: [
        ("cpu_cor/cycles/", "cpu_cor"), ("msr/tsc", "unbalanced"), ("{cycles", "{"), ("msr/bogus/", "bogus"),
        ("cycles:q", "q"), ("syscalls:no_such_tracepoint", "no_such_tracepoint"),
    ])
    func badInputNamesTheProblem(input: String, mention: String) throws {
        let result = try CLI.run(["resolve", input])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
    }

    @Test func valueWiderThanItsField() throws {
        let result = try CLI.run(["resolve", "--sysfs-root", CLI.fixture("alderlake"), "cpu_core/umask=0x100/"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("umask"))
    }
}
