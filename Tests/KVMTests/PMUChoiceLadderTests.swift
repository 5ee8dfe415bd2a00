import Foundation
import PerfEvents
import Testing
@testable import KVM

/// The PMU choice ladder on the recorded big.LITTLE trees (RK3399: a53 type 7 on 0-3,
/// a72 type 8 on 4-5; Juno: a53 type 8 on 0,3-5, a72 type 7 on 1-2), with a fake KVM
/// whose KVM_HAS_DEVICE_ATTR answers as each kernel would, and each kernel's own
/// header lines (from Debian's packages; the fixed-counters kernel is hypothetical).
@Suite(.timeLimit(.minutes(5)))
struct PMUChoiceLadderTests {
    /// A kernel: what its KVM offers in group 0 and its header fixture.
    struct Kernel: CustomStringConvertible {
        var name: String
        var offered: Set<UInt64>
        var header: String
        var description: String { name }
    }

    static let v5_10 = Kernel(name: "5.10", offered: [0, 1, 2], header: "arm64-kvm-5.10.h")
    static let v6_1 = Kernel(name: "6.1", offered: [0, 1, 2, 3], header: "arm64-kvm-6.1.h")
    static let v6_12 = Kernel(name: "6.12", offered: [0, 1, 2, 3], header: "arm64-kvm-6.12.h")
    static let v7_3 = Kernel(name: "7.3", offered: [0, 1, 2, 3, 4], header: "arm64-kvm-7.3.h")
    static let fixed = Kernel(name: "fixed-counters", offered: [0, 1, 2, 3, 4, 5], header: "arm64-kvm-fixed-counters.h")
    static let all = [v5_10, v6_1, v6_12, v7_3, fixed]

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../PerfEventsTests/Fixtures").standardized

    static func machine(_ name: String) throws -> [PMU] {
        try PMUDiscovery(root: fixtures.appendingPathComponent("sysfs/\(name)").path).discover().pmus
    }

    static func names(_ kernel: Kernel) throws -> ARM64PMUAttributeNames {
        let text = try String(contentsOf: fixtures.appendingPathComponent("uapi/\(kernel.header)"), encoding: .utf8)
        return ARM64PMUAttributeNames(header: text, source: kernel.header)
    }

    /// What the fake kernel's KVM_HAS_DEVICE_ATTR says on a PMUv3 VCPU, asked through the library.
    static func features(_ kernel: Kernel) throws -> ARM64PMUFeatures {
        let mock = MockKernel()
        mock.offeredAttributes = kernel.offered
        let vm = try mock.system.installed { () throws(KVMError) in try VirtualMachine() }
        defer { vm.close() }
        var initial = try vm.armPreferredTarget()
        initial.set(feature: ARM64VCPUInit.pmuV3Feature)
        let vcpu = try vm.createVCPU()
        try vcpu.armInitialise(initial)
        return try vcpu.armPMUFeatures()
    }

    static func ladder(_ tree: String, _ cpus: String, _ kernel: Kernel, requested: String? = nil) throws -> PMUChoice.Answer {
        try PMUChoice.ladder(from: machine(tree), for: CPUSet(parsing: cpus), requested: requested,
                             kernel: features(kernel), names: names(kernel))
    }

    @Test func headersNameTheGroupsAttributesOnly() throws {
        let names = try Self.all.map { try Self.names($0).names }
        #expect(names[0] == [0: "KVM_ARM_VCPU_PMU_V3_IRQ", 1: "KVM_ARM_VCPU_PMU_V3_INIT", 2: "KVM_ARM_VCPU_PMU_V3_FILTER"])
        #expect(names[1][3] == "KVM_ARM_VCPU_PMU_V3_SET_PMU" && names[1].count == 4)
        #expect(names[2] == names[1])
        #expect(names[3][4] == "KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS" && names[3].count == 5)
        // Not the VCPU features (PMU_V3 = 3, STRICT = 9) nor the timer group's indented lines.
        #expect(!names[3].values.contains("KVM_ARM_VCPU_PMU_V3_STRICT"))
        #expect(names[4][5] == "KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY")
    }

    @Test func everyNumberIsProbedAndUnnamedOnesAreUnknown() throws {
        let mock = MockKernel()
        mock.offeredAttributes = [0, 1, 2, 3, 4, 5, 11]
        let vm = try mock.system.installed { () throws(KVMError) in try VirtualMachine() }
        defer { vm.close() }
        let vcpu = try vm.createVCPU()
        let features = try vcpu.armPMUFeatures()
        #expect(features.offered == [0, 1, 2, 3, 4, 5, 11] && features.probed == 0..<16)
        #expect(mock.requests.filter { $0.request == KVMIoctl.hasDeviceAttribute.rawValue }.count == 16)
        let report = features.report(names: try Self.names(Self.v7_3))
        #expect(report.hasPrefix("0 KVM_ARM_VCPU_PMU_V3_IRQ=yes 1 KVM_ARM_VCPU_PMU_V3_INIT=yes"))
        #expect(report.contains("4 KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS=yes 5 unknown attribute 5=yes 11 unknown attribute 11=yes"))
        #expect(report.hasSuffix("6,7,8,9,10,12,13,14,15 unnamed=no"))
        let older = features.report(names: try Self.names(Self.v5_10))
        #expect(older.contains("3 unknown attribute 3=yes"))
    }

    @Test(arguments: all)
    func oneClusterIsCoveredAndGetsSetPMUWhereOffered(kernel: Kernel) throws {
        let answer = try Self.ladder("rk3399", "4-5", kernel)
        #expect(answer.rung == .covering)
        #expect(answer.pmu?.name == "armv8_cortex_a72" && answer.cpus == CPUSet(4...5))
        #expect(answer.reason.contains("covers every allowed CPU (4-5)"))
        if kernel.name == "5.10" {
            #expect(answer.settings.isEmpty)
            #expect(answer.reason.contains("offers no SET_PMU"))
        } else {
            #expect(answer.settings.map(\.description) == ["KVM_ARM_VCPU_PMU_V3_SET_PMU=8"])
        }
    }

    @Test(arguments: all)
    func bothClustersTakeFixedCountersOnlyWhereNamedAndOfferedElseTheLargerCluster(kernel: Kernel) throws {
        let answer = try Self.ladder("rk3399", "0-5", kernel)
        if kernel.name == "fixed-counters" {
            #expect(answer.rung == .fixedCountersOnly)
            #expect(answer.pmu == nil && answer.cpus == CPUSet(0...5))
            #expect(answer.settings.map(\.description) == ["KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY"])
            #expect(answer.settings.first?.attribute == 5)
            return
        }
        #expect(answer.rung == .restricted)
        #expect(answer.pmu?.name == "armv8_cortex_a53" && answer.cpus == CPUSet(0...3))
        #expect(answer.reason.contains("span armv8_cortex_a53 (0-3) and armv8_cortex_a72 (4-5)"))
        #expect(answer.reason.contains("name no KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY"))
        #expect(answer.reason.contains("has 4, so the VCPU threads are restricted to CPUs 0-3"))
        #expect(answer.settings.map(\.description) == (kernel.name == "5.10" ? [] : ["KVM_ARM_VCPU_PMU_V3_SET_PMU=7"]))
        #expect(answer.binding?.cpus == CPUSet(0...3))
    }

    @Test func mostAllowedCPUsFirstThenTheLowerType() throws {
        // Juno: a53 (type 8) has 0,3-5, a72 (type 7) 1-2.
        let most = try Self.ladder("juno", "0-5", Self.v7_3)
        #expect(most.rung == .restricted && most.pmu?.name == "armv8_cortex_a53" && most.cpus == CPUSet([0, 3, 4, 5]))
        let tie = try Self.ladder("juno", "1,3", Self.v7_3)
        #expect(tie.rung == .restricted && tie.pmu?.name == "armv8_cortex_a72" && tie.cpus == CPUSet([1]))
        #expect(tie.reason.contains("a tie with armv8_cortex_a53: the lower type"))
        #expect(tie.settings.map(\.description) == ["KVM_ARM_VCPU_PMU_V3_SET_PMU=7"])
        let rk = try Self.ladder("rk3399", "3-4", Self.v6_12)
        #expect(rk.pmu?.name == "armv8_cortex_a53" && rk.cpus == CPUSet([3]))
    }

    @Test func theCallersPMUComesFirst() throws {
        let answer = try Self.ladder("rk3399", "0-5", Self.fixed, requested: "armv8_cortex_a72")
        #expect(answer.rung == .callersPMU && answer.cpus == CPUSet(4...5))
        #expect(answer.settings.map(\.description) == ["KVM_ARM_VCPU_PMU_V3_SET_PMU=8"])
        #expect(answer.reason.contains("the caller asked for armv8_cortex_a72"))
        #expect(throws: PMUChoiceError(.requestedOutside(cpus: CPUSet(0...3), pmu: try #require(try Self.machine("rk3399").first { $0.name == "armv8_cortex_a72" })))) {
            try Self.ladder("rk3399", "0-3", Self.v7_3, requested: "armv8_cortex_a72")
        }
        #expect(throws: PMUChoiceError.self) { try Self.ladder("rk3399", "0-3", Self.v7_3, requested: "cpu") }
    }

    @Test func aNumberOfferedButNotNamedOrNamedButNotOfferedIsNoFixedCountersRung() throws {
        // The kernel offers 5, but its headers (7.3's) do not name it: not given a meaning.
        var offeredUnnamed = Self.v7_3
        offeredUnnamed.offered.insert(5)
        let unnamed = try Self.ladder("rk3399", "0-5", offeredUnnamed)
        #expect(unnamed.rung == .restricted)
        // The headers name it but KVM does not offer it.
        var namedNotOffered = Self.fixed
        namedNotOffered.offered.remove(5)
        let notOffered = try Self.ladder("rk3399", "0-5", namedNotOffered)
        #expect(notOffered.rung == .restricted)
        #expect(notOffered.reason.contains("names KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY (attribute 5) but KVM_HAS_DEVICE_ATTR does not offer it"))
    }

    @Test func noPMU() throws {
        let noPMUv3 = Kernel(name: "no PMUv3", offered: [], header: "arm64-kvm-7.3.h")
        let answer = try Self.ladder("rk3399", "0-5", noPMUv3)
        #expect(answer.rung == .none && answer.pmu == nil && answer.settings.isEmpty)
        #expect(answer.reason.contains("no PMUv3"))
        let software = [PMU(name: "software", type: 1, kind: .software)]
        let none = try PMUChoice.ladder(from: software, for: CPUSet([0]), kernel: Self.features(Self.v7_3), names: Self.names(Self.v7_3))
        #expect(none.rung == .none && none.reason.contains("no CPU PMU"))
        let outside = try Self.ladder("rk3399", "6-7", Self.v7_3)
        #expect(outside.rung == .none && outside.reason.contains("belong to no core PMU"))
        #expect(throws: PMUChoiceError(.emptyCPUSet)) {
            try PMUChoice.ladder(from: Self.machine("rk3399"), for: CPUSet([Int]()), kernel: nil, names: .none("-"))
        }
    }

    @Test func notAskedSetsNothing() throws {
        let answer = try PMUChoice.ladder(from: Self.machine("rk3399"), for: CPUSet(0...5), kernel: nil, names: .none("no header"))
        #expect(answer.rung == .restricted && answer.settings.isEmpty)
        #expect(answer.reason.contains("no arm64 KVM was asked"))
    }
}
