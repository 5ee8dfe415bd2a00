import Foundation
import Testing
@testable import PerfEvents

private func discover(_ fixture: String) throws -> PMUInventory {
    try PMUDiscovery(root: SysfsFixtures.root(fixture)).discover()
}

private func names(_ inventory: PMUInventory) -> [String] { inventory.pmus.map { $0.name } }

@Suite(.timeLimit(.minutes(5))) struct PMUDiscoveryFixtureTests {
    @Test func rk3399BigLittle() throws {
        let inventory = try discover("rk3399")
        #expect(inventory.problems.isEmpty)
        #expect(names(inventory) == ["software", "tracepoint", "breakpoint", "armv8_cortex_a53", "armv8_cortex_a72"])
        let little = try inventory.pmu(named: "armv8_cortex_a53")
        let big = try inventory.pmu(named: "armv8_cortex_a72")
        #expect(little.type == 7 && big.type == 8)
        #expect(little.isCore && big.isCore)
        #expect(little.cpus?.description == "0-3")
        #expect(big.cpus?.description == "4-5")
        #expect(inventory.corePMUs.map { $0.name } == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(inventory.hasCorePMU)
        #expect(big.formats.map { $0.description } == [
            "event=config:0-15", "long=config1:0", "rdpmc=config1:1", "threshold=config1:5-16",
            "threshold_compare=config1:3-4", "threshold_count=config1:2",
        ])
        #expect(big.aliases.map { $0.name } == ["bus_cycles", "cpu_cycles", "inst_retired", "l1d_cache_refill"])
        #expect(little.aliases.map { $0.name } == [
            "br_immed_retired", "br_mis_pred", "br_pred", "bus_access", "bus_cycles", "cid_write_retired",
            "cpu_cycles", "exc_return", "inst_retired", "l1d_cache_refill",
        ])
        #expect(little.alias(named: "br_mis_pred")?.terms == [EventTerm(name: "event", value: .number(0x10))])
        #expect(big.alias(named: "cpu_cycles")?.terms == [EventTerm(name: "event", value: .number(0x11))])
        #expect(big.alias(named: "INST_RETIRED")?.terms == [EventTerm(name: "event", value: .number(0x8))])
        #expect(big.path == SysfsFixtures.root("rk3399") + "/bus/event_source/devices/armv8_cortex_a72")
        #expect(try inventory.pmu(named: "software").kind == .software)
        #expect(try inventory.pmu(named: "tracepoint").kind == .tracepoint)
        #expect(try inventory.pmu(named: "breakpoint").type == 5)
        #expect(try inventory.pmu(named: "breakpoint").kind == .breakpoint)
        #expect(try inventory.pmu(named: "software").cpus == nil)
        #expect(inventory.pmu(type: 8)?.name == "armv8_cortex_a72")
        #expect(inventory.pmu(type: 4) == nil)
    }

    /// Juno r2 as its device tree names the PMUs (cortex-a53/a72 compatibles), the boot
    /// A53 as CPU 0, so the little cluster's CPUs are not contiguous; the A72 PMU registered
    /// first (as the board's boot log shows), so it has the lower type.
    @Test func junoR2CortexPMUs() throws {
        let inventory = try discover("juno")
        #expect(inventory.problems.isEmpty)
        #expect(inventory.corePMUs.map { "\($0.name):\($0.type):\($0.cpus?.description ?? "-")" }
                == ["armv8_cortex_a72:7:1-2", "armv8_cortex_a53:8:0,3-5"])
        let pmu = try inventory.pmu(named: "armv8_cortex_a72")
        #expect(pmu.format(named: "rdpmc")?.mask == 0b10)
        #expect(pmu.format(named: "rdpmc")?.word == .config1)
        // The Armv8.8 threshold fields (Linux 6.8) and the caps every PMUv3 PMU shows.
        #expect(pmu.format(named: "threshold")?.mask == 0x1_ffe0)
        #expect(pmu.format(named: "threshold_compare")?.mask == 0b11000)
        #expect(pmu.format(named: "threshold_count")?.mask == 0b100)
        #expect(pmu.capabilities["threshold_max"] == "0x00000000")
        #expect(Set(pmu.capabilities.keys) == ["slots", "bus_slots", "bus_width", "threshold_max"])
        #expect(pmu.alias(named: "l1d_cache_refill")?.terms == [EventTerm(name: "event", value: .number(3))])
    }

    @Test func alderLakeHybrid() throws {
        let inventory = try discover("alderlake")
        #expect(inventory.problems.isEmpty)
        #expect(names(inventory) == ["software", "tracepoint", "cpu_core", "breakpoint", "cpu_atom",
                                     "uncore_imc_free_running_0", "uncore_imc_free_running_1"])
        let core = try inventory.pmu(named: "cpu_core")
        let atom = try inventory.pmu(named: "cpu_atom")
        #expect(core.type == 4 && atom.type == 10)
        #expect(core.isCore && atom.isCore)
        #expect(core.cpus?.description == "0-15" && atom.cpus?.description == "16-27")
        #expect(core.capabilities == ["pmu_name": "alderlake_hybrid", "branches": "32", "max_precise": "3"])
        #expect(atom.capabilities["pmu_name"] == "alderlake_hybrid")
        #expect(core.formats.map { $0.name } == ["cmask", "edge", "event", "frontend", "inv", "ldlat", "offcore_rsp", "pc", "umask"])
        #expect(atom.formats.map { $0.name } == ["cmask", "edge", "event", "inv", "ldlat", "offcore_rsp", "pc", "umask"])
        // ldlat, frontend and offcore_rsp share config1, as on every Intel core PMU that has them.
        #expect(!core.overlappingFormats.isEmpty)
        #expect(core.alias(named: "topdown-retiring")?.terms == [
            EventTerm(name: "event", value: .number(0)), EventTerm(name: "umask", value: .number(0x80)),
        ])
        #expect(atom.alias(named: "topdown-retiring")?.terms == [
            EventTerm(name: "event", value: .number(0xc2)), EventTerm(name: "umask", value: .number(0)),
        ])
        #expect(core.alias(named: "slots") != nil && atom.alias(named: "slots") == nil)
        #expect(core.alias(named: "instructions")?.terms == [EventTerm(name: "event", value: .number(0xc0))])
        #expect(core.alias(named: "cpu-cycles")?.terms == [EventTerm(name: "event", value: .number(0x3c))])

        // instructions with umask=0x1,cmask=2 through the PMU's own formats.
        var attributes = EventAttributes(type: core.type)
        for (term, value) in [("event", UInt64(0xc0)), ("umask", 0x1), ("cmask", 2)] {
            let field = try #require(core.format(named: term))
            attributes[field.word] |= try field.pack(value)
        }
        #expect(attributes.config == 0x200_01c0)

        let imc = try inventory.pmu(named: "uncore_imc_free_running_0")
        #expect(imc.kind == .uncore)
        #expect(imc.cpus?.description == "0")
        #expect(imc.aliases.map { $0.name } == ["data_read", "data_write"])  // attributes are no aliases
        let read = try #require(imc.alias(named: "data_read"))
        #expect(read.scale == "6.103515625e-5")
        #expect(read.unit == "MiB")
        #expect(!read.perPackage && !read.snapshot)
        #expect(read.terms == [EventTerm(name: "event", value: .number(0xff)), EventTerm(name: "umask", value: .number(0x20))])
        #expect(inventory.corePMUs.map { $0.name } == ["cpu_core", "cpu_atom"])
    }

    @Test func x86ServerHomogeneousCPU() throws {
        let inventory = try discover("x86-server")
        #expect(inventory.problems.isEmpty)
        let cpu = try inventory.pmu(named: "cpu")
        #expect(cpu.type == 4)
        #expect(cpu.isCore)  // by name: the homogeneous x86 PMU has no cpus file
        #expect(cpu.cpus == nil)
        #expect(cpu.capabilities["pmu_name"] == "skylake")
        #expect(cpu.capabilities["max_precise"] == "3")
        #expect(cpu.alias(named: "mem-loads")?.terms.last == EventTerm(name: "ldlat", value: .number(3)))
        // Intel publishes overlapping config1 fields; discovery keeps them all.
        #expect(cpu.overlappingFormats.map { "\($0.0.name)+\($0.1.name)" }
                == ["frontend+ldlat", "frontend+offcore_rsp", "ldlat+offcore_rsp"])
        #expect(try inventory.pmu(named: "msr").kind == .other)
        #expect(try inventory.pmu(named: "msr").aliases.count == 3)
        let power = try inventory.pmu(named: "power")
        #expect(power.kind == .uncore)  // RAPL has a cpumask: perf counts it as uncore too
        #expect(power.alias(named: "energy-pkg")?.unit == "Joules")
        #expect(power.alias(named: "energy-pkg")?.scale == "2.3283064365386962890625e-10")
        #expect(try inventory.pmu(named: "uncore_imc_0").cpus?.description == "0,28")
        #expect(inventory.corePMUs.map { $0.name } == ["cpu"])
    }

    /// A recorded AMD EPYC guest without a virtual PMU (one host of this project's kind).
    @Test func amdEpycPVMHasNoCorePMU() throws {
        let inventory = try discover("amd-epyc-pvm")
        #expect(inventory.problems.isEmpty)
        #expect(inventory.pmus.map { "\($0.name)=\($0.type)" }
                == ["software=1", "tracepoint=2", "breakpoint=5", "uprobe=8", "msr=9"])
        #expect(!inventory.hasCorePMU)
        #expect(inventory.corePMUs.isEmpty)
        #expect(throws: PMULookupError.self) { try inventory.requireCorePMUs() }
        do {
            _ = try inventory.requireCorePMUs()
        } catch {
            #expect(error.description.contains("no hardware CPU PMU"))
            #expect(error.description.contains("msr"))
        }
        let uprobe = try inventory.pmu(named: "uprobe")
        #expect(uprobe.kind == .other)
        #expect(uprobe.formats.map { $0.description } == ["ref_ctr_offset=config:32-63", "retprobe=config:0"])
        let msr = try inventory.pmu(named: "msr")
        #expect(msr.kind == .other)
        #expect(msr.format(named: "event")?.width == 64)
        #expect(msr.alias(named: "tsc")?.terms == [EventTerm(name: "event", value: .number(0))])
    }

    /// A recorded Intel Xeon guest of the same kind: the same PMUs plus RAPL's `power`,
    /// registered before msr, so msr's dynamic type is 10 there and 9 on amd-epyc-pvm.
    @Test func intelXeonPVMRegistersPowerBeforeMSR() throws {
        let inventory = try discover("intel-xeon-pvm")
        #expect(inventory.problems.isEmpty)
        #expect(inventory.pmus.map { "\($0.name)=\($0.type)" }
                == ["software=1", "tracepoint=2", "breakpoint=5", "uprobe=8", "power=9", "msr=10"])
        #expect(!inventory.hasCorePMU)
        let power = try inventory.pmu(named: "power")
        #expect(power.kind == .uncore)
        #expect(power.cpus?.description == "0")
        #expect(power.alias(named: "energy-psys")?.unit == "Joules")
        #expect(power.alias(named: "energy-psys")?.scale == "2.3283064365386962890625e-10")
        let msr = try inventory.pmu(named: "msr")
        #expect(msr.aliases.map { $0.name } == ["smi", "tsc"])
        #expect(try discover("amd-epyc-pvm").pmu(named: "msr").type == 9)
    }

    @Test func kindRule() {
        #expect(PMUKind.classify(name: "cpu", hasCPUsFile: false, hasCPUMaskFile: false) == .core)
        #expect(PMUKind.classify(name: "cpum_cf", hasCPUsFile: false, hasCPUMaskFile: false) == .core)
        #expect(PMUKind.classify(name: "cpu_atom", hasCPUsFile: true, hasCPUMaskFile: false) == .core)
        #expect(PMUKind.classify(name: "armv8_pmuv3_0", hasCPUsFile: true, hasCPUMaskFile: false) == .core)
        #expect(PMUKind.classify(name: "arm_spe_0", hasCPUsFile: false, hasCPUMaskFile: true) == .uncore)
        #expect(PMUKind.classify(name: "arm_cmn_0", hasCPUsFile: false, hasCPUMaskFile: true) == .uncore)
        #expect(PMUKind.classify(name: "software", hasCPUsFile: false, hasCPUMaskFile: false) == .software)
        #expect(PMUKind.classify(name: "kprobe", hasCPUsFile: false, hasCPUMaskFile: false) == .other)
    }
}

@Suite(.timeLimit(.minutes(5))) struct PMULookupTests {
    private func lookupError(_ name: String, in fixture: String) throws -> PMULookupError? {
        let inventory = try discover(fixture)
        do {
            _ = try inventory.pmu(named: name)
            return nil
        } catch {
            return error
        }
    }

    @Test func typoSuggestsTheClosestName() throws {
        let error = try #require(try lookupError("armv8_cortex_a37", in: "rk3399"))
        guard case .unknown(let name, let suggestions, let available) = error.reason else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(name == "armv8_cortex_a37")
        #expect(suggestions == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(available.count == 5)
        #expect(error.description.contains("did you mean 'armv8_cortex_a53', 'armv8_cortex_a72'?"))
    }

    @Test func prefixSuggestsHybridPMUs() throws {
        let error = try #require(try lookupError("cpu", in: "alderlake"))
        guard case .unknown(_, let suggestions, _) = error.reason else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(suggestions == ["cpu_atom", "cpu_core"])
    }

    @Test func nothingCloseSuggestsNothing() throws {
        let error = try #require(try lookupError("gpu_engine", in: "amd-epyc-pvm"))
        guard case .unknown(_, let suggestions, _) = error.reason else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(suggestions.isEmpty)
        #expect(!error.description.contains("did you mean"))
        #expect(error.description.contains("available: software, tracepoint, breakpoint, uprobe, msr"))
    }

    @Test func caseAndSmallTypos() throws {
        guard case .unknown(_, let suggestions, _) = try #require(try lookupError("Softwar", in: "amd-epyc-pvm")).reason
        else { Issue.record("expected unknown"); return }
        #expect(suggestions == ["software"])
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("", "msr") == 3)
        #expect(Suggestions.editDistance("msr", "msr") == 0)
    }

    @Test func discoveryLevelLookup() throws {
        let discovery = PMUDiscovery(root: SysfsFixtures.root("juno"))
        #expect(try discovery.pmu(named: "armv8_cortex_a53").type == 8)
        #expect(throws: PMULookupError.self) { try discovery.pmu(named: "armv8_cortex_a57") }
        let missing = PMUDiscovery(root: "/nonexistent-sysfs-root")
        do {
            _ = try missing.pmu(named: "cpu")
            Issue.record("found a PMU under a root that does not exist")
        } catch {
            guard case .unreadable(let sysfs) = error.reason else { Issue.record("unexpected \(error)"); return }
            #expect(sysfs.path == "/nonexistent-sysfs-root/bus/event_source/devices")
            #expect(sysfs.problem == .missing)
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct SysfsRootTests {
    @Test func environmentOverridesTheRoot() {
        #expect(PMUDiscovery.defaultRoot(environment: { $0 == "PERF_EVENTS_SYSFS_ROOT" ? "/tmp/tree" : nil }) == "/tmp/tree")
        #expect(PMUDiscovery.defaultRoot(environment: { _ in nil }) == "/sys")
        #expect(PMUDiscovery.defaultRoot(environment: { _ in "" }) == "/sys")
    }

    @Test func processEnvironmentReadsTheRealEnvironment() {
        #expect(PMUDiscovery.processEnvironment("PATH") == ProcessInfo.processInfo.environment["PATH"])
        #expect(PMUDiscovery.processEnvironment("PERF_EVENTS_NO_SUCH_VARIABLE_7f3a") == nil)
        let expected = ProcessInfo.processInfo.environment["PERF_EVENTS_SYSFS_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
        #expect(PMUDiscovery.defaultRoot() == (expected ?? "/sys"))
    }
}

/// The machine the tests run on, read through the library and directly.
@Suite(.timeLimit(.minutes(5))) struct LiveSysfsTests {
    static let devices = "/sys/bus/event_source/devices"
    static var available: Bool { FileManager.default.fileExists(atPath: devices) }

    private func direct(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: LiveSysfsTests.available, "no /sys/bus/event_source/devices: not Linux, or sysfs not mounted"))
    func liveTypesMatchDirectReads() throws {
        let inventory = try PMUDiscovery(root: "/sys").discover()
        #expect(inventory.problems.isEmpty, "\(inventory.problems)")
        // The fixed types of enum perf_type_id.
        #expect(try inventory.pmu(named: "software").type == 1)
        #expect(try inventory.pmu(named: "tracepoint").type == 2)
        #expect(try inventory.pmu(named: "breakpoint").type == 5)
        let entries = try FileManager.default.contentsOfDirectory(atPath: Self.devices).sorted()
        #expect(Set(inventory.pmus.map { $0.name }) == Set(entries))
        for name in entries {
            let pmu = try inventory.pmu(named: name)
            #expect(String(pmu.type) == direct("\(Self.devices)/\(name)/type"), "type of \(name)")
            let hasCPUs = FileManager.default.fileExists(atPath: "\(Self.devices)/\(name)/cpus")
            #expect((pmu.isCore) == (hasCPUs || name == "cpu" || name == "cpum_cf"), "kind of \(name)")
        }
        if let msrType = direct("\(Self.devices)/msr/type") {
            let msr = try inventory.pmu(named: "msr")
            #expect(String(msr.type) == msrType)
            #expect(msr.kind == .other)
            #expect(msr.alias(named: "tsc") != nil)
        }
        let corePresent = entries.contains { name in
            name == "cpu" || FileManager.default.fileExists(atPath: "\(Self.devices)/\(name)/cpus")
        }
        #expect(inventory.hasCorePMU == corePresent)
    }
}
