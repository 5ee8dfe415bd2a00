import Testing
@testable import PerfEvents

private func resolve(_ text: String, on pmus: [PMU]) throws -> [ResolvedGroup] {
    try Resolver(pmus: pmus, tracefs: Tracefs(root: "/nonexistent-sysfs"), libpfm: nil).resolve(text)
}

/// The events of a one-item string.
private func events(_ text: String, on pmus: [PMU]) throws -> [Event] {
    let groups = try resolve(text, on: pmus)
    try #require(groups.count == 1)
    return groups[0].events
}

private func failure(_ text: String, on pmus: [PMU]) -> ResolutionError? {
    do {
        _ = try Resolver(pmus: pmus, tracefs: Tracefs(root: "/nonexistent-sysfs"), libpfm: nil).resolve(text)
        return nil
    } catch {
        return error
    }
}

@Suite(.timeLimit(.minutes(5))) struct ResolverTests {
    // MARK: RK3399 (arm big.LITTLE)

    @Test func aliasOnOneCluster() throws {
        let resolved = try events("armv8_cortex_a72/cpu_cycles/", on: RecordedMachines.rk3399)
        #expect(resolved.count == 1)
        #expect(resolved[0].pmu.name == "armv8_cortex_a72")
        #expect(resolved[0].attributes == EventAttributes(type: 8, config: 0x11))
        #expect(resolved[0].source == .sysfsAlias("cpu_cycles"))
        #expect(resolved[0].cpus == CPUSet(4...5))
    }

    @Test func aliasWithExtraTerm() throws {
        let resolved = try events("armv8_cortex_a53/inst_retired,long/", on: RecordedMachines.rk3399)
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 7, config: 0x8, config1: 1)])
    }

    @Test func cyclesOnBothClusters() throws {
        let resolved = try events("cycles", on: RecordedMachines.rk3399)
        #expect(resolved.map { $0.pmu.name } == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(resolved.map { $0.attributes } == [
            EventAttributes(type: 0, config: 7 << 32 | 0), EventAttributes(type: 0, config: 8 << 32 | 0),
        ])
        #expect(resolved.allSatisfy { $0.source == .extendedTypeGeneric })
        #expect(resolved.map { $0.cpus } == [CPUSet(0...3), CPUSet(4...5)])
    }

    @Test func cacheEventOnBothClusters() throws {
        let resolved = try events("L1-dcache-load-misses", on: RecordedMachines.rk3399)
        #expect(resolved.map { $0.attributes } == [
            EventAttributes(type: 3, config: 7 << 32 | 0x10000), EventAttributes(type: 3, config: 8 << 32 | 0x10000),
        ])
    }

    @Test func bareAliasOnEveryPMUThatHasIt() throws {
        let resolved = try events("l1d_cache_refill:u", on: RecordedMachines.rk3399)
        #expect(resolved.map { $0.attributes } == [
            EventAttributes(type: 7, config: 3, excludeKernel: true, excludeHypervisor: true),
            EventAttributes(type: 8, config: 3, excludeKernel: true, excludeHypervisor: true),
        ])
    }

    @Test func rawOnHybridGoesToEachCorePMU() throws {
        let resolved = try events("r0011", on: RecordedMachines.rk3399)
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 7, config: 0x11), EventAttributes(type: 8, config: 0x11)])
    }

    @Test func groupSplitsPerCorePMU() throws {
        let groups = try resolve("{cycles,instructions,cs}:u", on: RecordedMachines.rk3399)
        #expect(groups.count == 2)
        #expect(groups.allSatisfy { $0.isGroup && $0.events.count == 3 })
        #expect(groups[0].events.map { $0.pmu.name } == ["armv8_cortex_a53", "armv8_cortex_a53", "software"])
        #expect(groups[1].events.map { $0.attributes.config } == [8 << 32 | 0, 8 << 32 | 1, 3])
        #expect(groups.flatMap { $0.events }.allSatisfy { $0.attributes.excludeKernel && !$0.attributes.excludeUser })
    }

    // MARK: Alder Lake (Intel hybrid)

    @Test func formatTermsOnCpuCore() throws {
        let resolved = try events("cpu_core/event=0xc0,umask=0x1,cmask=2/", on: RecordedMachines.alderLake)
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 4, config: 0x20001c0)])
        #expect(resolved[0].source == .formatTerms)
    }

    @Test func genericNameOnEachCorePMU() throws {
        #expect(try events("cpu_atom/cycles/", on: RecordedMachines.alderLake).map { $0.attributes }
            == [EventAttributes(type: 0, config: 0xa00000000)])
        #expect(try events("cpu_core/cycles/", on: RecordedMachines.alderLake).map { $0.attributes }
            == [EventAttributes(type: 0, config: 0x400000000)])
        let both = try events("instructions", on: RecordedMachines.alderLake)
        #expect(both.map { $0.attributes.config } == [0x400000001, 0xa00000001])
    }

    @Test func userTermOverridesAliasTerm() throws {
        let resolved = try events("cpu_core/topdown-retiring,umask=0x81,edge/", on: RecordedMachines.alderLake)
        #expect(resolved.map { $0.attributes.config } == [0x0004_8100])
    }

    @Test func uncoreInstancesAndScale() throws {
        let resolved = try events("uncore_imc/event=0x1/", on: RecordedMachines.alderLake)
        #expect(resolved.map { $0.pmu.name } == ["uncore_imc_0", "uncore_imc_1"])
        #expect(resolved.map { $0.attributes.type } == [20, 21])
        // Only instance 0 publishes the alias: the other instance is left out, not an error.
        let reads = try events("uncore_imc/data_reads/", on: RecordedMachines.alderLake)
        #expect(reads.map { $0.pmu.name } == ["uncore_imc_0"])
        #expect(reads[0].scale == "6.103515625e-5")
        #expect(reads[0].unit == "MiB")
        #expect(reads[0].attributes.config == 0x20ff)
    }

    @Test func configWordsAndName() throws {
        let resolved = try events("cpu_core/config=0x1234,config1=5,config2=6,config3=7,name=mine/", on: RecordedMachines.alderLake)
        #expect(resolved[0].attributes == EventAttributes(type: 4, config: 0x1234, config1: 5, config2: 6, config3: 7))
        #expect(resolved[0].name == "mine")
        #expect(resolved[0].source == .raw)
    }

    /// perf ORs every term into the config words (perf 6.1 and upstream, for PMUs without a
    /// default config): a field never clears bits another term set. Where two terms write the
    /// same bits differently the event carries a warning naming both and the values.
    @Test func formatTermsAreORedIntoAConfigWordWithAWarning() throws {
        let resolved = try events("cpu_core/config=0xffff,event=0x12/", on: RecordedMachines.alderLake)
        #expect(resolved[0].attributes.config == 0xffff)
        let warning = try #require(resolved[0].warnings.first)
        #expect(warning.contains("'config=0xffff'") && warning.contains("'event=0x12'") && warning.contains("0xffff"), "\(warning)")

        let alias = try events("armv8_cortex_a53/inst_retired,event=0x3/", on: RecordedMachines.rk3399)
        #expect(alias[0].attributes.config == 0xb)
        #expect(alias[0].warnings.count == 1)
        #expect(alias[0].warnings[0].contains("'event=0x8' (from alias 'inst_retired')") && alias[0].warnings[0].contains("'event=0x3'"))
        #expect(alias[0].warnings[0].contains("config is 0xb"), "\(alias[0].warnings)")

        // Terms that write different bits, or the same value twice, say nothing.
        #expect(try events("cpu_core/event=0xc0,umask=0x1,umask=0x1/", on: RecordedMachines.alderLake)[0].warnings.isEmpty)
        #expect(try events("armv8_cortex_a53/cpu_cycles,long/", on: RecordedMachines.rk3399)[0].warnings.isEmpty)
    }

    /// perf's own terms: sampling, label, config words, and the typed rest.
    @Test func nonFormatTermsAreTakenAsPerfTakesThem() throws {
        let sampled = try events("armv8_cortex_a53/cpu_cycles,period=100000,name=little/", on: RecordedMachines.rk3399)[0]
        #expect(sampled.attributes.sampling == .period(100000))
        #expect(sampled.name == "little" && sampled.label == "little")
        #expect(sampled.attributes.config == 0x11)
        #expect(try events("armv8_cortex_a53/cpu_cycles,freq=4000/", on: RecordedMachines.rk3399)[0].attributes.sampling == .frequency(4000))
        let typed = try events(
            "cpu_core/event=0xc0,call-graph=dwarf,stack-size=4096,max-stack=8,no-inherit,overwrite,percore,metric-id=m1,aux-output,aux-sample-size=64/",
            on: RecordedMachines.alderLake)[0]
        var expected = EventSettings()
        expected.callGraph = "dwarf"
        expected.stackSize = 4096
        expected.maxStack = 8
        expected.inherit = false
        expected.overwrite = true
        expected.perCore = true
        expected.metricID = "m1"
        expected.auxOutput = true
        expected.auxSampleSize = 64
        #expect(typed.settings == expected)
        #expect(typed.attributes.config == 0xc0)
        // On generic and raw events too, as perf's `cycles/period=…/` and `rNNNN/…/`.
        #expect(try events("cycles/period=10/", on: RecordedMachines.rk3399).map(\.attributes.sampling) == [.period(10), .period(10)])
        #expect(try events("r1a/name=raw/", on: RecordedMachines.alderLake).map(\.name) == ["raw", "raw"])
        #expect(throws: ResolutionError.self) { try events("cycles/event=1/", on: RecordedMachines.rk3399) }
        #expect(throws: ResolutionError.self) { try events("cpu_core/event=0xc0,period=fast/", on: RecordedMachines.alderLake) }
    }

    /// `pmu//`: every config word zero, the PMU's type.
    @Test func emptyTermListIsTheZeroEvent() throws {
        let resolved = try events("cpu_atom//u", on: RecordedMachines.alderLake)
        #expect(resolved[0].attributes == EventAttributes(type: 10, excludeKernel: true, excludeHypervisor: true))
    }

    /// Breakpoint lengths follow the tree's architecture, not the build host's.
    @Test func breakpointLengthsPerArchitecture() throws {
        #expect(MachineArchitecture(pmus: RecordedMachines.rk3399) == .arm64)
        #expect(MachineArchitecture(pmus: RecordedMachines.alderLake) == .x86)
        #expect(try events("mem:0x1000/6:w", on: RecordedMachines.rk3399)[0].attributes.config2 == 6)
        #expect(throws: ResolutionError.self) { try events("mem:0x1000/6:w", on: RecordedMachines.alderLake) }
        #expect(throws: ResolutionError.self) { try events("mem:0x1000/16:w", on: RecordedMachines.rk3399) }
        let arm = Resolver(pmus: [], libpfm: nil, architecture: .arm64)
        #expect(try arm.resolve("mem:0x1000/3").first?.events.first?.attributes.config2 == 3)
    }

    // MARK: the amd-epyc-pvm recording (no core PMU, msr at type 9)

    /// The recording's msr type (9); the same alias is 10 on intel-xeon-pvm (MachineMatrixTests).
    @Test func msrAlias() throws {
        let resolved = try events("msr/tsc/", on: try RecordedMachines.amdEpycPVM())
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 9, config: 0)])
        #expect(resolved[0].pmu.name == "msr")
        #expect(try events("tsc", on: try RecordedMachines.amdEpycPVM()).map { $0.attributes } == [EventAttributes(type: 9, config: 0)])
    }

    @Test func hardwareEventWithoutCorePMU() throws {
        let resolved = try events("cycles", on: try RecordedMachines.amdEpycPVM())
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 0, config: 0)])
        #expect(resolved[0].pmu == .noCorePMU)
        #expect(resolved[0].note?.contains("no core PMU") == true)
        let raw = try events("r00c0", on: try RecordedMachines.amdEpycPVM())
        #expect(raw.map { $0.attributes } == [EventAttributes(type: 4, config: 0xc0)])
        #expect(raw[0].note?.contains("PERF_TYPE_RAW") == true)
    }

    @Test func singleCorePMUUsesPlainIds() throws {
        let resolved = try events("cycles", on: RecordedMachines.synthetic)
        #expect(resolved.map { $0.attributes } == [EventAttributes(type: 0, config: 0)])
        #expect(resolved[0].pmu.name == "cpu")
        #expect(resolved[0].source == .legacyGeneric)
        #expect(try events("r3c", on: RecordedMachines.synthetic).map { $0.attributes } == [EventAttributes(type: 4, config: 0x3c)])
    }

    @Test func softwareEvents() throws {
        let groups = try resolve("cs,task-clock,faults", on: try RecordedMachines.amdEpycPVM())
        #expect(groups.map { $0.events[0].attributes } == [
            EventAttributes(type: 1, config: 3), EventAttributes(type: 1, config: 1), EventAttributes(type: 1, config: 2),
        ])
    }

    @Test func breakpoints() throws {
        #expect(try events("mem:0x1000", on: try RecordedMachines.amdEpycPVM())[0].attributes
            == EventAttributes(type: 5, config1: 0x1000, config2: 4, breakpointType: 3))
        #expect(try events("mem:0x1000/8:x", on: try RecordedMachines.amdEpycPVM())[0].attributes
            == EventAttributes(type: 5, config1: 0x1000, config2: 8, breakpointType: 4))
        #expect(try events("mem:0x2000/1:w:u", on: try RecordedMachines.amdEpycPVM())[0].attributes
            == EventAttributes(type: 5, config1: 0x2000, config2: 1, breakpointType: 2, excludeKernel: true, excludeHypervisor: true))
    }

    // MARK: packing

    @Test func scatteredField() throws {
        // 0b1_0000_0011 (0x103): bits 0,1 go to positions 0 and 2; bit 8 goes to the ninth position, bit 23.
        let resolved = try events("cpu/event=1,scatter=0x103/", on: RecordedMachines.synthetic)
        #expect(resolved[0].attributes.config1 == (1 << 0 | 1 << 2 | 1 << 23))
        let field = FormatField(name: "scatter", word: .config1, ranges: [0...0, 2...2, 4...4, 6...6, 8...8, 20...28])
        #expect(try field.pack(0b11111) == 0b1_0101_0101)
        #expect(throws: FormatValueError(term: "scatter", value: 1 << 14, width: 14)) { try field.pack(1 << 14) }
        #expect(try FormatField(name: "e", word: .config, ranges: [0...63]).pack(UInt64.max) == UInt64.max)
    }

    @Test func parameterSupplied() throws {
        let resolved = try events("cpu/mem-loads,ldlat=3/", on: RecordedMachines.synthetic)
        #expect(resolved[0].attributes.config == 0x1cd)
        #expect(resolved[0].attributes.config1 == 3)
        // Aliases are case-insensitive, as in perf.
        #expect(try events("cpu/cycles-upper/", on: RecordedMachines.synthetic)[0].attributes.config == 0x3c)
    }

    // MARK: modifiers

    @Test func modifierSemantics() throws {
        let pmus = try RecordedMachines.amdEpycPVM()
        func attributes(_ text: String) throws -> EventAttributes { try events(text, on: pmus)[0].attributes }
        #expect(try attributes("cs:u") == EventAttributes(type: 1, config: 3, excludeKernel: true, excludeHypervisor: true))
        #expect(try attributes("cs:k") == EventAttributes(type: 1, config: 3, excludeUser: true, excludeHypervisor: true))
        #expect(try attributes("cs:uk") == EventAttributes(type: 1, config: 3, excludeHypervisor: true))
        #expect(try attributes("cs:G") == EventAttributes(type: 1, config: 3, excludeHost: true))
        #expect(try attributes("cs:H") == EventAttributes(type: 1, config: 3, excludeGuest: true))
        #expect(try attributes("cs:GH") == EventAttributes(type: 1, config: 3))
        #expect(try attributes("cs:pp") == EventAttributes(type: 1, config: 3, excludeGuest: true, precise: 2))
        #expect(try attributes("cs:Gp") == EventAttributes(type: 1, config: 3, excludeHost: true, precise: 1))
        #expect(try attributes("cs:I") == EventAttributes(type: 1, config: 3, excludeIdle: true))
        #expect(try attributes("cs:De") == EventAttributes(type: 1, config: 3, pinned: true, exclusive: true))
        let flags = try events("cs:PS", on: pmus)[0].modifiers
        #expect(flags.preciseMax && flags.sampleRead)
    }

    @Test func groupModifiersRefineMembers() throws {
        // perf: {cs:u,faults}:k → cs counts user and kernel, faults kernel only.
        let groups = try resolve("{cs:u,faults}:k", on: try RecordedMachines.amdEpycPVM())
        #expect(groups.count == 1)
        #expect(groups[0].events.map { $0.attributes } == [
            EventAttributes(type: 1, config: 3, excludeHypervisor: true),
            EventAttributes(type: 1, config: 2, excludeUser: true, excludeHypervisor: true),
        ])
        // Pinned and exclusive go to the leader only.
        let pinned = try resolve("{cs,faults}:D", on: try RecordedMachines.amdEpycPVM())[0].events
        #expect(pinned.map { $0.attributes.pinned } == [true, false])
        #expect(pinned[1].modifiers.pinned)
    }

    // MARK: errors

    @Test func unknownPMU() throws {
        let error = try #require(failure("armv8_cortex_a73/cpu_cycles/", on: RecordedMachines.rk3399))
        guard case .unknownPMU(_, let pmu, let names, _) = error else { Issue.record("\(error)"); return }
        #expect(pmu == "armv8_cortex_a73")
        #expect(names.prefix(2).sorted() == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(error.description.contains("did you mean"))
    }

    @Test func unknownTermOrAlias() throws {
        let error = try #require(failure("armv8_cortex_a72/cpu_cycle/", on: RecordedMachines.rk3399))
        guard case .unknownTerm(let input, "armv8_cortex_a72", "cpu_cycle", let names) = error else { Issue.record("\(error)"); return }
        #expect(input == "armv8_cortex_a72/cpu_cycle/")
        #expect(names.first == "cpu_cycles")
        let term = try #require(failure("cpu_core/umsk=1/", on: RecordedMachines.alderLake))
        #expect(term.description.contains("'umask'"), "\(term)")
        // Generic names are for core PMUs only.
        #expect(failure("msr/cycles/", on: try RecordedMachines.amdEpycPVM()) != nil)
    }

    @Test func valueTooWide() throws {
        let error = try #require(failure("cpu_core/event=0x1c0/", on: RecordedMachines.alderLake))
        #expect(error == .valueTooWide(input: "cpu_core/event=0x1c0/", pmu: "cpu_core", term: "event", value: 0x1c0, width: 8))
        #expect(error.description.contains("0x1c0") && error.description.contains("8-bit"))
        #expect(failure("armv8_cortex_a72/long=2/", on: RecordedMachines.rk3399) != nil)
    }

    @Test func missingParameter() throws {
        let error = try #require(failure("cpu/mem-loads/", on: RecordedMachines.synthetic))
        #expect(error == .missingParameter(input: "cpu/mem-loads/", pmu: "cpu", alias: "mem-loads", term: "ldlat"))
        #expect(error.description.contains("cpu/mem-loads,ldlat=VALUE/"))
    }

    @Test func unknownGenericName() throws {
        let error = try #require(failure("cycels", on: try RecordedMachines.amdEpycPVM()))
        guard case .unknownEvent(_, "cycels", let names) = error else { Issue.record("\(error)"); return }
        #expect(names.contains("cycles"))
        #expect(error.description.contains("did you mean 'cycles'"), "\(error)")
    }

    @Test func textValueForAField() throws {
        let error = try #require(failure("msr/event=foo/", on: try RecordedMachines.amdEpycPVM()))
        #expect(error.description.contains("'foo' is not a number"))
    }

    @Test func tooMuchPrecision() throws {
        let error = try #require(failure("{cs:ppp}:p", on: try RecordedMachines.amdEpycPVM()))
        guard case .invalidModifiers = error else { Issue.record("\(error)"); return }
    }

    @Test func syntaxErrorsPassThrough() throws {
        let error = try #require(failure("cycles,", on: try RecordedMachines.amdEpycPVM()))
        guard case .syntax(let syntax) = error else { Issue.record("\(error)"); return }
        #expect(syntax.offset == 6)
    }

    @Test func tracepointWithoutTracefs() throws {
        let error = try #require(failure("sched:sched_switch", on: try RecordedMachines.amdEpycPVM()))
        #expect(error.description.contains("tracefs is not mounted: mount -t tracefs nodev /nonexistent-sysfs/kernel/tracing"), "\(error)")
    }

    @Test func libpfmDisabled() throws {
        let error = try #require(failure("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS", on: try RecordedMachines.amdEpycPVM()))
        guard case .libpfm = error else { Issue.record("\(error)"); return }
    }

    @Test func libpfmPMUNamesMatchCorePMUsByModel() {
        let little = PMU(name: "armv8_cortex_a53", type: 10, kind: .core, cpus: CPUSet([0, 1]))
        let big = PMU(name: "armv8_cortex_a72", type: 11, kind: .core, cpus: CPUSet([2, 3]))
        let arm = [little, big]
        // libpfm 4.13 calls its Cortex-A53 tables `arm_ac53` (the lab's LIBPFM_FORCE_PMU).
        #expect(Resolver.core(forLibpfmPMU: "arm_ac53", among: arm) == little)
        #expect(Resolver.core(forLibpfmPMU: "arm_ac72", among: arm) == big)
        #expect(Resolver.core(forLibpfmPMU: "arm_cortex_a72", among: arm) == big)
        #expect(Resolver.core(forLibpfmPMU: "arm_ac57", among: arm) == nil)
        #expect(Resolver.core(forLibpfmPMU: "arm_ac", among: arm) == nil)
        #expect(Resolver.core(forLibpfmPMU: "arm_acx53", among: arm) == nil)
        #expect(Resolver.core(forLibpfmPMU: "arm_n1", among: arm) == nil)
        let core = PMU(name: "cpu_core", type: 4, kind: .core, cpus: CPUSet([0]))
        let atom = PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet([1]))
        #expect(Resolver.core(forLibpfmPMU: "adl_glc", among: [core, atom]) == core)
        #expect(Resolver.core(forLibpfmPMU: "adl_grt", among: [core, atom]) == atom)
        #expect(Resolver.core(forLibpfmPMU: "arm_ac53", among: [core, atom]) == nil)
    }

    @Test func suggestionDistance() {
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("CYCLES", "cycles") == 0)
        #expect(Suggestions.closest(to: "msr_tsc", among: ["msr", "tsc", "software"]).isEmpty == false)
    }
}
