import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// The PMU set-up order (SET_PMU → FILTER → SET_NR_COUNTERS → IRQ → INIT), the
/// `KVM_HAS_DEVICE_ATTR` question before each optional attribute, the vGIC, and the
/// messages, against the mock kernel.
@Suite(.timeLimit(.minutes(5)))
struct ARM64PMUConfigurationTests {
    /// (attribute, VCPU index) of every PMU SET_DEVICE_ATTR, in call order.
    func pmuCalls(_ kernel: MockKernel, _ vm: VirtualMachine) -> [(ARM64PMUAttribute, Int)] {
        kernel.deviceAttributes.compactMap { call in
            guard let index = vm.vcpus.firstIndex(where: { $0.fd == call.fd }),
                  let attribute = ARM64PMUAttribute(rawValue: call.attribute) else { return nil }
            return (attribute, index)
        }
    }

    @Test func filterBytesMatchTheKernelStructure() {
        let filter = PMUEventFilter(baseEvent: 0x0008, eventCount: 3, action: .deny)
        #expect(filter.bytes == [0x08, 0x00, 0x03, 0x00, 0x01, 0, 0, 0])
        #expect(PMUEventFilter(bytes: filter.bytes) == filter)
        #expect(PMUEventFilter.allow(0x11).bytes == [0x11, 0, 1, 0, 0, 0, 0, 0])
        #expect(PMUEventFilter(bytes: [0, 0, 1, 0, 7, 0, 0, 0]) == nil)
        #expect(PMUEventFilter(baseEvent: 0xFFFF, eventCount: 2, action: .allow).problem?.contains("0xffff") == true)
        #expect(PMUEventFilter(baseEvent: 0xFFFF, eventCount: 1, action: .allow).problem == nil)
    }

    @Test func stepsFollowTheOrderKVMAccepts() {
        let configuration = ARM64PMUConfiguration(pmuType: 9, filters: [.deny(0x08), .allow(0x11)], counterCount: 2,
                                                  interrupt: VGICv3.pmuInterrupt)
        #expect(configuration.steps.map(\.attribute) == [.setPMU, .filter, .filter, .setCounterCount, .irq, .initialise])
        #expect(configuration.steps.map(\.everyVCPU) == [false, false, false, false, true, true])
        #expect(configuration.steps[0].value == [9, 0, 0, 0])
        #expect(configuration.steps[4].value == [23, 0, 0, 0])
        #expect(configuration.optionalAttributes == [.setPMU, .filter, .setCounterCount])
        #expect(ARM64PMUConfiguration().steps.map(\.attribute) == [.initialise])
    }

    @Test func fullSetUpWithVGICOnTwoVCPUs() throws {
        let kernel = MockKernel()
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let configuration = ARM64PMUConfiguration(pmuType: 9, filters: [.deny(0x08)], interrupt: VGICv3.pmuInterrupt)
        let features = try vm.prepareARM64(vcpuCount: 2, entry: 0x4000_0000, pmu: configuration, vgic: VGICv3())
        #expect(features.canPinPMU)
        #expect(kernel.createdDevices.map(\.type) == [VGICv3.deviceType])
        let calls = pmuCalls(kernel, vm)
        #expect(calls.map(\.0) == [.setPMU, .filter, .irq, .irq, .initialise, .initialise])
        #expect(calls.map(\.1) == [0, 0, 0, 1, 0, 1])
        // The vGIC: distributor, redistributor, CTRL_INIT on the device, all before the PMU.
        let device = try #require(kernel.createdDevices.first?.fd)
        let vgicCalls = kernel.deviceAttributes.enumerated().filter { $0.element.fd == device }
        #expect(vgicCalls.map { $0.element.attribute } == [VGICv3.distributorAttribute, VGICv3.redistributorAttribute,
                                                          VGICv3.initialiseAttribute])
        #expect(vgicCalls.map { $0.offset } == [0, 1, 2])
        #expect(kernel.attributeBytes[0] == [0, 0, 0, 8, 0, 0, 0, 0])  // 0x0800_0000 little-endian
        #expect(kernel.attributeBytes[4] == PMUEventFilter.deny(0x08).bytes)
        #expect(kernel.attributeBytes[5] == [23, 0, 0, 0])
        vm.close()
        #expect(kernel.openFDs.isEmpty, "the vGIC descriptor leaked")
    }

    @Test func aKernelWithoutSETPMUIsRefusedUpFrontWithTheConsequence() throws {
        let kernel = MockKernel()
        kernel.missingAttributes = [.setPMU, .filter, .setCounterCount]  // Linux 5.10
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let cpus = CPUSet([0, 1])
        do {
            try vm.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(pmuType: 8, pmuName: "armv8_cortex_a53", pmuCPUs: cpus))
            Issue.record("no error")
        } catch {
            #expect(error.reason == .attributeUnsupported(.setPMU, explanation: ARM64PMUFeatures.missingExplanation(
                .setPMU, pmu: "armv8_cortex_a53", cpus: "0-1")))
            #expect(error.description.hasPrefix(
                "this kernel cannot pin the guest PMU; counters stop when a VCPU leaves armv8_cortex_a53's CPUs 0-1"))
            #expect(error.description.contains("5.18"))
        }
        // Nothing was set: the question came first.
        #expect(kernel.deviceAttributes.isEmpty)
        // The filter on the same kernel: refused naming 5.11.
        let second = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        do {
            try second.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(filters: [.deny(0x11)]))
            Issue.record("no error")
        } catch {
            guard case .attributeUnsupported(.filter, _) = error.reason else { Issue.record("\(error)"); return }
            #expect(error.description.contains("KVM_ARM_VCPU_PMU_V3_FILTER (added in Linux 5.11)"))
        }
        // Without any optional attribute the same kernel prepares the VM (KVM's default PMU).
        let third = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let features = try third.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration())
        #expect(!features.canPinPMU)
        #expect(features.summary == "IRQ=yes INIT=yes FILTER=no SET_PMU=no SET_NR_COUNTERS=no")
    }

    @Test func setARMPMUAsksFirstToo() throws {
        let kernel = MockKernel()
        kernel.missingAttributes = [.setPMU]
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        try vm.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration())
        #expect(throws: KVMError.self) { try vm.setARMPMU(type: 8) }
        do { try vm.setARMPMU(type: 8) } catch {
            guard case .attributeUnsupported(.setPMU, _) = error.reason else { Issue.record("\(error)"); return }
            #expect(error.description.contains("PMU type 8"))
        }
        // A VCPU without a PMU answers ENXIO for everything: that is "no PMUv3", not "old kernel".
        kernel.missingAttributes = Set(ARM64PMUAttribute.allCases)
        do { try vm.setARMPMU(type: 8) } catch { #expect(error.reason == .noPMUv3) }
    }

    /// The counter limit goes through SET_NR_COUNTERS where KVM offers it (6.16+), else through
    /// PMCR_EL0.N with KVM_SET_ONE_REG after SET_PMU and INIT (6.7+), read back; the library says which.
    @Test func counterLimitThroughTheAttributeOrTheRegister() throws {
        let newest = MockKernel()
        let configuration = ARM64PMUConfiguration(pmuType: 8, counterCount: 3)
        let vm = try newest.system.installed { () throws(KVMError) in try VirtualMachine() }
        let features = try vm.prepareARM64(vcpuCount: 2, entry: 0, pmu: configuration)
        #expect(configuration.counterCountRoute(features: features, pmcrWritable: true) == .attribute)
        #expect(newest.deviceAttributes.map(\.attribute) == [3, 4, 1, 1])
        #expect(newest.deviceAttributes[1].value == 3)
        #expect(!newest.oneRegisters.contains { $0.id == ARM64Register.pmcrEL0 })

        let older = MockKernel()
        older.missingAttributes = [.setCounterCount]  // 6.12
        older.extensions[KVMCapability.armSupportedRegisterMaskRanges] = 1  // 6.7+
        let second = try older.system.installed { () throws(KVMError) in try VirtualMachine() }
        let olderFeatures = try second.prepareARM64(vcpuCount: 2, entry: 0, pmu: configuration)
        #expect(try second.userspaceSetsPMCRCounterCount())
        #expect(configuration.counterCountRoute(features: olderFeatures, pmcrWritable: true) == .register)
        #expect(older.deviceAttributes.map(\.attribute) == [3, 1, 1])
        let writes = older.oneRegisters.filter { $0.id == ARM64Register.pmcrEL0 }
        #expect(writes.map(\.value) == [3 << 11, 3 << 11])
        // After SET_PMU (which resets N) and INIT; read before and after.
        let order = older.requests.map(\.request).filter {
            [KVMIoctl.setDeviceAttribute.rawValue, KVMIoctl.setOneRegister.rawValue, KVMIoctl.getOneRegister.rawValue].contains($0)
        }
        #expect(Array(order.prefix(6)) == [KVMIoctl.setDeviceAttribute.rawValue, KVMIoctl.setDeviceAttribute.rawValue,
                                           KVMIoctl.setDeviceAttribute.rawValue, KVMIoctl.getOneRegister.rawValue,
                                           KVMIoctl.setOneRegister.rawValue, KVMIoctl.setOneRegister.rawValue])
        #expect(order.dropFirst(6).first == KVMIoctl.getOneRegister.rawValue)
        #expect(ARM64PMUConfiguration(pmuType: 8).counterCountRoute(features: olderFeatures, pmcrWritable: true) == nil)

        // Before 6.7 (no KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES): neither way; refused before any call.
        let oldest = MockKernel()
        oldest.missingAttributes = [.setCounterCount]  // 6.1
        let third = try oldest.system.installed { () throws(KVMError) in try VirtualMachine() }
        do {
            try third.prepareARM64(entry: 0, pmu: configuration)
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("PMCR_EL0.N is not userspace's to write before Linux 6.7"))
        }
        #expect(oldest.deviceAttributes.isEmpty && !oldest.oneRegisters.contains { $0.id == ARM64Register.pmcrEL0 })
        #expect(configuration.counterCountRoute(features: olderFeatures, pmcrWritable: false) == ARM64PMUConfiguration.CounterCountRoute.none)
    }

    @Test func nrCountersAndInterruptInputChecks() throws {
        let kernel = MockKernel()
        kernel.missingAttributes = [.setCounterCount]  // 6.7 … 6.15: the register instead
        kernel.extensions[KVMCapability.armSupportedRegisterMaskRanges] = 1
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        do {
            kernel.ignoredRegisterWrites = [ARM64Register.pmcrEL0]  // a kernel that keeps its N
            try vm.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(pmuType: 8, counterCount: 2))
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS (added in Linux 6.16)"))
            #expect(error.description.contains("PMCR_EL0.N written with KVM_SET_ONE_REG reads back 6, not 2"))
        }
        kernel.ignoredRegisterWrites = []
        #expect(throws: KVMError.self) {
            try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(counterCount: 32))
        }
        let noGIC = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        do {
            try noGIC.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(interrupt: 23))
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("needs an in-kernel vGIC"))
        }
        let badINTID = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        do {
            try badINTID.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration(interrupt: 5), vgic: VGICv3())
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("neither a PPI"))
        }
    }

    @Test func errnoMessages() throws {
        // INIT's ENODEV names the vGIC; EBUSY names the filter case; KVM_RUN failures are generic.
        let initError = KVMError(.callFailed, call: "", errno: .noSuchDevice).refinedForPMU(.initialise, type: nil)
        #expect(initError.reason == .vgicNotInitialised)
        #expect(initError.description.contains("vGIC is not initialised"))
        let noIRQ = KVMError(.callFailed, call: "", errno: .noSuchDeviceOrAddress).refinedForPMU(.initialise, type: nil)
        #expect(noIRQ.description.contains("needs its overflow interrupt (KVM_ARM_VCPU_PMU_V3_IRQ)"))
        #expect(noIRQ.errno == .noSuchDeviceOrAddress)
        let busy = KVMError(.callFailed, call: "", errno: .busy).refinedForPMU(.setPMU, type: 8)
        #expect(busy.description.contains("a filter was set for another PMU"))
        #expect(busy.description.contains("SET_PMU must come first"))
        let filterBusy = KVMError(.callFailed, call: "", errno: .busy).refinedForPMU(.filter, type: nil, detail: .deny(0x11))
        #expect(filterBusy.call.contains("FILTER(base 0x11 count 1 deny)"))
        let run = KVMError(.runFailed, call: "ioctl KVM_RUN", errno: .invalidArgument)
        #expect(run.description.contains("generic failure"))
    }
}
