import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// Every errno the brief names, played by a mock kernel, maps to a reason whose
/// description says what to do.
@Suite(.timeLimit(.minutes(5)))
struct KVMErrorMappingTests {
    func openError(_ errno: Errno) -> KVMError? {
        let kernel = MockKernel()
        kernel.openErrno = errno
        do { _ = try kernel.system.installed { () throws(KVMError) in try KVMDevice() }; return nil } catch { return error }
    }

    @Test func missingDevice() throws {
        for errno in [Errno.noSuchFileOrDirectory, .noSuchDevice, .noSuchDeviceOrAddress] {
            let error = try #require(openError(errno))
            #expect(error.reason == .unavailable)
            #expect(error.errno == errno)
            #expect(error.description.contains("KVM not available"))
            #expect(error.description.contains("load kvm_intel/kvm_amd"))
            #expect(error.description.contains("nested virtualisation"))
            #expect(error.description.contains("/dev/kvm"))
        }
    }

    @Test func permission() throws {
        for errno in [Errno.permissionDenied, .notPermitted] {
            let error = try #require(openError(errno))
            #expect(error.reason == .permissionDenied)
            #expect(error.description.contains("group kvm"))
        }
    }

    @Test func apiVersionMismatchClosesTheDevice() throws {
        let kernel = MockKernel()
        kernel.apiVersion = 11
        #expect(throws: KVMError(.apiVersionMismatch(found: 11), call: "ioctl KVM_GET_API_VERSION")) {
            try kernel.system.installed { () throws(KVMError) in try KVMDevice() }
        }
        #expect(kernel.openFDs.isEmpty)
        do { _ = try kernel.system.installed { () throws(KVMError) in try KVMDevice() } } catch { #expect(error.description.contains("expected 12")) }
    }

    @Test func createVM() throws {
        let cases: [(Errno, KVMError.Reason, String)] = [
            (.noSuchDevice, .virtualisationUnusable, "nested virtualisation"),
            (.notSupported, .virtualisationUnusable, "nested virtualisation"),
            (.invalidArgument, .createVMFailed, "machine type"),
            (.busy, .createVMFailed, "another hypervisor"),
            (.noMemory, .createVMFailed, "close other VMs"),
        ]
        for (errno, reason, advice) in cases {
            let kernel = MockKernel()
            kernel.failures[KVMIoctl.createVM.rawValue] = errno
            do {
                _ = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
                Issue.record("KVM_CREATE_VM with \(errno) did not throw")
            } catch {
                #expect(error.reason == reason, "\(errno)")
                #expect(error.errno == errno)
                #expect(error.description.contains(advice), "\(error.description)")
            }
            #expect(kernel.openFDs.isEmpty, "the /dev/kvm descriptor leaked after \(errno)")
        }
    }

    /// SET_PMU through a VM on a (mock) arm64 KVM: each errno of vcpu.rst.
    @Test func setPMUErrors() throws {
        let cases: [(Errno, KVMError.Reason, String)] = [
            (.busy, .pmuAlreadyFixed, "SET_PMU must come first"),
            (.noSuchDeviceOrAddress, .noSuchPMU(type: 9), "no arm PMU with type 9"),
            (.noSuchDevice, .noPMUv3, "no PMUv3"),
            (.badAddress, .badAddress, "could not access"),
        ]
        for (errno, reason, text) in cases {
            let kernel = MockKernel()
            kernel.failures[KVMIoctl.setDeviceAttribute.rawValue] = errno
            let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
            do {
                try vm.prepareARM64(entry: ARM64Programs.memoryBase, pmu: ARM64PMUConfiguration(pmuType: 9))
                Issue.record("SET_PMU with \(errno) did not throw")
            } catch {
                #expect(error.reason == reason)
                #expect(error.errno == errno)
                #expect(error.description.contains(text), "\(error.description)")
                #expect(error.call.contains("KVM_ARM_VCPU_PMU_V3_SET_PMU(9)"))
            }
        }
    }

    @Test func arm64CallsOnANonARMKVM() throws {
        let kernel = MockKernel()
        kernel.extensions = [:]  // KVM_CAP_ARM_PMU_V3 = 0, as x86 answers
        kernel.failures[KVMIoctl.armPreferredTarget.rawValue] = .notTTY
        kernel.failures[KVMIoctl.armVCPUInit.rawValue] = .notTTY
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        #expect(throws: KVMError.self) { try vm.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration()) }
        do { try vm.prepareARM64(entry: 0, pmu: ARM64PMUConfiguration()) } catch {
            guard case .notARM64KVM = error.reason else { Issue.record("\(error)"); return }
            #expect(error.description.hasPrefix("not an arm64 KVM"))
        }
        do { _ = try vm.armPreferredTarget() } catch {
            #expect(error.reason == .notARM64KVM(operation: "KVM_ARM_PREFERRED_TARGET"))
            #expect(error.errno == .notTTY)
        }
    }

    @Test func x86RegistersOnANonX86KVM() throws {
        let kernel = MockKernel()
        kernel.failures[KVMIoctl.x86GetSpecialRegisters.rawValue] = .notTTY
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let vcpu = try vm.createVCPU()
        do {
            try vcpu.startX86RealMode(entry: 0x1000)
            Issue.record("no error")
        } catch {
            #expect(error.reason == .notX86KVM(operation: "KVM_GET_SREGS"))
            #expect(error.description.hasPrefix("not an x86 KVM"))
        }
    }

    @Test func closedObjectsReportClosed() throws {
        let kernel = MockKernel()
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let vcpu = try vm.createVCPU()
        vm.close()
        #expect(kernel.openFDs.isEmpty)
        #expect(throws: KVMError(.closed, call: "ioctl KVM_RUN")) { try vcpu.run(timeLimit: 1_000_000) }
        #expect(throws: KVMError.self) { try vm.createVCPU() }
    }

    @Test func guestMemoryBounds() throws {
        let kernel = MockKernel()
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let region = try vm.addMemory(guestAddress: 0x1000, size: 0x1000)
        try region.write([1, 2, 3], at: 0x1FFD)
        #expect(try region.read(at: 0x1FFD, count: 3) == [1, 2, 3])
        #expect(throws: KVMError.self) { try region.write([1, 2, 3, 4], at: 0x1FFD) }
        #expect(throws: KVMError.self) { try vm.write([1], at: 0x3000) }
        #expect(throws: KVMError.self) { try vm.addMemory(guestAddress: 0, size: 0) }
        #expect(!region.contains(UInt64.max, count: 2))
    }
}
