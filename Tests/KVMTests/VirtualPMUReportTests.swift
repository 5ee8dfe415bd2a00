import PerfEvents
import Testing
@testable import KVM

/// What `pmu kvm` asks KVM, against the mock kernel: verdicts, and every scratch VM,
/// VCPU and device descriptor closed again.
@Suite(.timeLimit(.minutes(5)))
struct VirtualPMUReportTests {
    @Test func arm64TrialsAcceptOrRejectAndCloseEverything() throws {
        let kernel = MockKernel()
        let trials = kernel.system.installed { VirtualPMUReport.arm64Trials(corePMUs: PMUChoiceTests.rk3399) }
        #expect(trials.map(\.pmu.name) == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(trials.allSatisfy { $0.verdict == .accepted })
        // Each trial: SET_PMU with that PMU's type.
        #expect(kernel.deviceAttributes.compactMap(\.value) == [8, 9])
        #expect(kernel.openFDs.isEmpty)

        kernel.failures[KVMIoctl.setDeviceAttribute.rawValue] = .noSuchDeviceOrAddress
        let rejected = kernel.system.installed { VirtualPMUReport.arm64Trials(corePMUs: [PMUChoiceTests.rk3399[1]]) }
        guard case .rejected(let error)? = rejected.first?.verdict else { Issue.record("\(rejected)"); return }
        #expect(error.reason == .noSuchPMU(type: 9))
        #expect(kernel.openFDs.isEmpty)

        kernel.failures = [KVMIoctl.hasDeviceAttribute.rawValue: .noSuchDeviceOrAddress]
        let old = kernel.system.installed { VirtualPMUReport.arm64Trials(corePMUs: [PMUChoiceTests.rk3399[0]]) }
        guard case .notApplicable(let why)? = old.first?.verdict else { Issue.record("\(old)"); return }
        #expect(why.contains("SET_PMU"))
        #expect(kernel.openFDs.isEmpty)
    }

    @Test func missingDeviceIsNotApplicableAndOpensNothing() {
        let kernel = MockKernel()
        kernel.openErrno = .noSuchFileOrDirectory
        let trials = kernel.system.installed { VirtualPMUReport.arm64Trials(corePMUs: PMUChoiceTests.juno, devicePath: "/nonexistent/kvm") }
        for trial in trials {
            guard case .notApplicable(let why) = trial.verdict else { Issue.record("\(trial)"); continue }
            #expect(why.contains("/nonexistent/kvm"))
        }
        let state = kernel.system.installed { VirtualPMUReport.x86State(corePMUs: [], parameterPath: "/nonexistent", devicePath: "/nonexistent/kvm") }
        #expect(state.pmuCapability == nil)
        #expect(kernel.openFDs.isEmpty)
    }

    @Test func x86AcceptanceFollowsEnablePMUAndTheHybridRule() {
        let cpu = PMUChoiceTests.core("cpu", 4, nil)
        let on = VirtualPMUReport.X86(enablePMU: true, hybridHost: false, pmuCapability: 1)
        #expect(on.acceptance(of: cpu).accepted)
        #expect(on.acceptance(of: cpu).reason.contains("backed by cpu (type 4)"))
        let off = VirtualPMUReport.X86(enablePMU: false, hybridHost: false, pmuCapability: 0)
        #expect(!off.acceptance(of: cpu).accepted && off.acceptance(of: cpu).reason.contains("enable_pmu=N"))
        let hybrid = VirtualPMUReport.X86(enablePMU: true, hybridHost: true, pmuCapability: 1)
        #expect(!hybrid.acceptance(of: PMUChoiceTests.alderLake[1]).accepted)
        #expect(hybrid.acceptance(of: PMUChoiceTests.alderLake[1]).reason.contains("hybrid"))
        let unread = VirtualPMUReport.X86(enablePMU: nil, hybridHost: false, pmuCapability: nil)
        #expect(!unread.acceptance(of: cpu).accepted && unread.acceptance(of: cpu).reason.contains("kvm module"))
        let capabilityOff = VirtualPMUReport.X86(enablePMU: true, hybridHost: false, pmuCapability: 0)
        #expect(!capabilityOff.acceptance(of: cpu).accepted)
    }

    @Test func x86StateAsksAScratchVMAndClosesIt() {
        let kernel = MockKernel()
        kernel.extensions[KVMCapability.pmuCapability] = 1
        let state = kernel.system.installed { VirtualPMUReport.x86State(corePMUs: [PMUChoiceTests.core("cpu", 4, nil)],
                                              parameterPath: "/nonexistent") }
        #expect(state.pmuCapability == 1)
        #expect(!state.hybridHost)
        #expect(kernel.openFDs.isEmpty)
    }
}
