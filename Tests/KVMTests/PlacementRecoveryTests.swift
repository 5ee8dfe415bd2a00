import PerfEvents
import Testing
@testable import KVM

/// The FAIL_ENTRY recovery helper and the several-VCPU binding, against the mock kernel
/// and the recorded rk3399 tree (A53 on CPUs 0-3, A72 on 4-5).
@Suite(.timeLimit(.minutes(5)))
struct PlacementRecoveryTests {
    func cpus(_ list: String) -> CPUSet { try! CPUSet(parsing: list) }

    /// Writes a FAIL_ENTRY (CPU_UNSUPPORTED on CPU 1) or an 8-byte MMIO write into `run`.
    static func fill(_ run: UnsafeMutableRawPointer, failEntry: Bool) {
        if failEntry {
            run.storeBytes(of: KVMExitReason.failEntry, toByteOffset: KVMRunLayout.exitReason, as: UInt32.self)
            run.storeBytes(of: FailEntry.cpuUnsupported, toByteOffset: KVMRunLayout.failEntryReason, as: UInt64.self)
            run.storeBytes(of: UInt32(1), toByteOffset: KVMRunLayout.failEntryCPU, as: UInt32.self)
        } else {
            run.storeBytes(of: KVMExitReason.mmio, toByteOffset: KVMRunLayout.exitReason, as: UInt32.self)
            run.storeBytes(of: UInt64(0x1000_0000), toByteOffset: KVMRunLayout.mmioPhysicalAddress, as: UInt64.self)
            run.storeBytes(of: UInt32(8), toByteOffset: KVMRunLayout.mmioLength, as: UInt32.self)
            run.storeBytes(of: UInt8(1), toByteOffset: KVMRunLayout.mmioIsWrite, as: UInt8.self)
        }
    }

    @Test func aFailedEntryIsRepinnedAndRunAgain() throws {
        let pmus = try SysfsFixture.pmus("rk3399")
        let binding = try PMUBinding.choose(from: pmus, for: cpus("4-5"))
        let kernel = MockKernel()
        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        let vcpu = try vm.createVCPU()
        let run = try #require(vcpu.runStructure)
        var runs = 0
        kernel.onRun = { _ in
            runs += 1
            Self.fill(run, failEntry: runs == 1)
        }
        let deadline = try RunDeadline(nanoseconds: 1_000_000_000)
        let result = try kernel.system.installed { () throws(KVMError) in try vcpu.runRecoveringPlacement(before: deadline, binding: binding, arm64: true) }
        #expect(runs == 2)
        #expect(result.recovered == FailEntry(hardwareReason: FailEntry.cpuUnsupported, cpu: 1))
        guard case .mmio = result.exit else { Issue.record("\(result.exit)"); return }
        // Re-pinned to the A72 CPUs between the two runs.
        #expect(kernel.affinity.map(\.mask) == [[0b11_0000]])

        // A run that does not fail is returned as it is, without pinning.
        runs = 1
        let plain = try kernel.system.installed { () throws(KVMError) in try vcpu.runRecoveringPlacement(before: deadline, binding: binding, arm64: true) }
        #expect(plain.recovered == nil)
        #expect(kernel.affinity.count == 1)
        // On x86 the same bit is part of a VMX code: no recovery.
        runs = 0
        let x86 = try kernel.system.installed { () throws(KVMError) in try vcpu.runRecoveringPlacement(before: deadline, binding: binding, arm64: false) }
        guard case .failEntry = x86.exit else { Issue.record("\(x86.exit)"); return }
        #expect(x86.recovered == nil)
    }

    @Test func vcpusOnOneClusterShareABindingAndBothClustersAreRefused() throws {
        let pmus = try SysfsFixture.pmus("rk3399")
        let binding = try PMUBinding.choose(from: pmus, forVCPUs: [cpus("0"), cpus("1")])
        #expect(binding.pmu.name == "armv8_cortex_a53")
        #expect(binding.cpus == cpus("0-1"))
        do {
            _ = try PMUBinding.choose(from: pmus, forVCPUs: [cpus("0"), cpus("4")])
            Issue.record("VCPUs on both clusters were accepted")
        } catch {
            guard case .straddles = error.reason else { Issue.record("\(error)"); return }
            #expect(error.description.contains("armv8_cortex_a53"))
            #expect(error.description.contains("armv8_cortex_a72"))
        }
    }
}
