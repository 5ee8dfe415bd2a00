import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// PMU choice on hand-built PMUs matching the recorded machines.
@Suite(.timeLimit(.minutes(5)))
struct PMUChoiceTests {
    static func core(_ name: String, _ type: UInt32, _ cpus: String?) -> PMU {
        PMU(name: name, type: type, kind: .core, cpus: cpus.map { try! CPUSet(parsing: $0) })
    }

    static let rk3399 = [
        core("armv8_cortex_a53", 8, "0-3"), core("armv8_cortex_a72", 9, "4-5"),
        PMU(name: "software", type: 1, kind: .software), PMU(name: "tracepoint", type: 2, kind: .tracepoint),
    ]
    static let juno = [core("armv8_pmuv3_0", 8, "0-3"), core("armv8_pmuv3_1", 9, "4-5")]
    static let alderLake = [core("cpu_core", 4, "0-15"), core("cpu_atom", 10, "16-23"),
                            PMU(name: "msr", type: 9, kind: .other)]

    func cpus(_ list: String) -> CPUSet { try! CPUSet(parsing: list) }

    @Test func rk3399() throws {
        #expect(try PMUChoice.choose(from: Self.rk3399, for: cpus("4-5")).name == "armv8_cortex_a72")
        #expect(try PMUChoice.choose(from: Self.rk3399, for: cpus("4")).type == 9)
        #expect(try PMUChoice.choose(from: Self.rk3399, for: cpus("0-3")).name == "armv8_cortex_a53")
        do {
            _ = try PMUChoice.choose(from: Self.rk3399, for: cpus("3-4"))
            Issue.record("3-4 straddles")
        } catch {
            guard case .straddles(let wanted, let pmus) = error.reason else { Issue.record("\(error)"); return }
            #expect(wanted == cpus("3-4"))
            #expect(pmus.map(\.name) == ["armv8_cortex_a53", "armv8_cortex_a72"])
            let text = error.description
            #expect(text.contains("armv8_cortex_a53 (type 8, CPUs 0-3) has 3"))
            #expect(text.contains("armv8_cortex_a72 (type 9, CPUs 4-5) has 4"))
        }
    }

    @Test func juno() throws {
        #expect(try PMUChoice.choose(from: Self.juno, for: cpus("0,2")).name == "armv8_pmuv3_0")
        #expect(try PMUChoice.choose(from: Self.juno, for: cpus("5")).name == "armv8_pmuv3_1")
        #expect(throws: PMUChoiceError.self) { try PMUChoice.choose(from: Self.juno, for: cpus("0-5")) }
    }

    @Test func alderLake() throws {
        #expect(try PMUChoice.choose(from: Self.alderLake, for: cpus("0-15")).type == 4)
        #expect(try PMUChoice.choose(from: Self.alderLake, for: cpus("16-23")).type == 10)
        #expect(throws: PMUChoiceError.self) { try PMUChoice.choose(from: Self.alderLake, for: cpus("15-16")) }
    }

    @Test func uncoveredCPUs() {
        do {
            _ = try PMUChoice.choose(from: Self.rk3399, for: cpus("4-7"))
            Issue.record("6-7 are no PMU's")
        } catch {
            #expect(error.reason == .uncovered(cpus: cpus("6-7"), pmus: Array(Self.rk3399.prefix(2))))
            #expect(error.description.contains("CPUs 6-7 belong to no core PMU"))
        }
    }

    @Test func homogeneousAndNone() throws {
        let homogeneous = [Self.core("armv8_pmuv3", 7, nil), PMU(name: "software", type: 1, kind: .software)]
        #expect(try PMUChoice.choose(from: homogeneous, for: cpus("0-127")).name == "armv8_pmuv3")
        let noCorePMU = [PMU(name: "software", type: 1, kind: .software), PMU(name: "msr", type: 9, kind: .other)]
        do {
            _ = try PMUChoice.choose(from: noCorePMU, for: cpus("0-1"))
            Issue.record("no core PMU")
        } catch {
            #expect(error.reason == .noCorePMU(cpus: cpus("0-1")))
            #expect(error.description.contains("no CPU PMU"))
        }
        #expect(throws: PMUChoiceError(.emptyCPUSet)) { try PMUChoice.choose(from: homogeneous, for: CPUSet([])) }
        let twoWithoutLists = [Self.core("a", 1, nil), Self.core("b", 2, nil)]
        #expect(throws: PMUChoiceError.self) { try PMUChoice.choose(from: twoWithoutLists, for: cpus("0")) }
    }

    /// Choose for CPUs 4-5 on RK3399, pin the calling thread there, and hand KVM that
    /// PMU's type: the mock kernel sees the affinity mask and the SET_PMU attribute bytes.
    @Test func rk3399ChoiceDrivesPinningAndSetPMU() throws {
        let kernel = MockKernel()
        let binding = try PMUBinding.choose(from: Self.rk3399, for: cpus("4-5"))
        try kernel.system.installed { () throws(KVMError) in try binding.pinCallingThread() }
        let pmu = binding.pmu
        #expect(kernel.affinity.count == 1)
        #expect(kernel.affinity.first?.tid == 0)
        #expect(kernel.affinity.first?.mask == [0b11_0000])

        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        try vm.prepareARM64(vcpuCount: 2, entry: ARM64Programs.memoryBase, pmu: ARM64PMUConfiguration(pmuType: pmu.type))
        // Both VCPUs initialised with PSCI 0.2 and PMUv3, target from PREFERRED_TARGET.
        #expect(kernel.vcpuInits.count == 2)
        #expect(kernel.vcpuInits.allSatisfy { $0.target == 5 && $0.has(feature: 3) && $0.has(feature: 2) })
        // SET_PMU once (through the first VCPU) with type 9, before any PMU INIT; then INIT on each VCPU.
        let attributes = kernel.deviceAttributes
        #expect(attributes.count == 3)
        #expect(attributes.first?.group == 0 && attributes.first?.attribute == 3 && attributes.first?.value == 9)
        #expect(attributes.dropFirst().allSatisfy { $0.attribute == 1 && $0.value == nil })
        #expect(attributes.first?.fd == vm.vcpus.first?.fd)
        // PC and PSTATE on each VCPU.
        #expect(kernel.oneRegisters.filter { $0.id == ARM64Register.pc }.map(\.value) == [0x4000_0000, 0x4000_0000])
        #expect(kernel.oneRegisters.filter { $0.id == ARM64Register.pstate }.map(\.value) == [0x3C5, 0x3C5])
        // The order KVM requires: every VCPU_INIT, then SET_PMU, then PMU INIT, then ONE_REG; no KVM_RUN.
        let order = kernel.requests.map(\.request).filter {
            [KVMIoctl.armVCPUInit.rawValue, KVMIoctl.setDeviceAttribute.rawValue, KVMIoctl.setOneRegister.rawValue,
             KVMIoctl.run.rawValue].contains($0)
        }
        #expect(order == [KVMIoctl.armVCPUInit.rawValue, KVMIoctl.armVCPUInit.rawValue]
                + [UInt64](repeating: KVMIoctl.setDeviceAttribute.rawValue, count: 3)
                + [UInt64](repeating: KVMIoctl.setOneRegister.rawValue, count: 4))
    }

    /// The placement rule: every CPU of the PMU when none are asked for; a PMU
    /// without a CPU list needs them given; a refused sched_setaffinity is a KVMError.
    @Test func aBindingToAWholePMUPinsToItsCPUs() throws {
        let kernel = MockKernel()
        let whole = try PMUBinding.choose(from: Self.rk3399, wholeOf: Self.rk3399[1])
        #expect(whole.cpus == cpus("4-5") && whole.pmu == Self.rk3399[1])
        let homogeneous = Self.core("armv8_pmuv3", 7, nil)
        #expect(try PMUBinding.choose(from: [homogeneous], wholeOf: homogeneous, cpus: cpus("0-3")).cpus == cpus("0-3"))
        #expect(throws: PMUChoiceError.self) { try PMUBinding.choose(from: [homogeneous], wholeOf: homogeneous) }
        try kernel.system.installed { () throws(KVMError) in try whole.pinCallingThread() }
        #expect(kernel.affinity.map(\.mask) == [[0b11_0000]])
        kernel.affinityErrno = .invalidArgument
        #expect(throws: KVMError.self) { try kernel.system.installed { () throws(KVMError) in try whole.pinCallingThread() } }
    }

    @Test func x86VirtualPMUStateFromAMockedParameter() {
        let kernel = MockKernel()
        // No file behind the path: enable_pmu unreadable; hybrid from two core PMUs.
        let state = kernel.system.installed { VirtualPMUReport.x86State(corePMUs: Self.alderLake,
                                              parameterPath: "/nonexistent/enable_pmu", askKVM: false) }
        #expect(state.enablePMU == nil && state.hybridHost && !state.guestsHavePMU)
        #expect(state.summary.contains("hybrid"))
    }
}
