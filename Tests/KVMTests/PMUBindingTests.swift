import CPerfEvents
import Foundation
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// The recorded sysfs trees of Tests/PerfEventsTests/Fixtures (read in place).
enum SysfsFixture {
    static func root(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PerfEventsTests/Fixtures/sysfs/\(name)").path
    }

    static func pmus(_ name: String) throws -> [PMU] {
        try PMUDiscovery(root: root(name)).discover().pmus
    }
}

/// One PMU value from discovery through choice to pinning, SET_PMU and the host
/// counters' event strings — without a kernel.
@Suite(.timeLimit(.minutes(5)))
struct PMUBindingTests {
    func cpus(_ list: String) -> CPUSet { try! CPUSet(parsing: list) }

    @Test func rk3399BindingCarriesThePMUToAllThreeUses() throws {
        let pmus = try SysfsFixture.pmus("rk3399")
        let binding = try PMUBinding.choose(from: pmus, for: cpus("4-5"))
        #expect(binding.pmu.name == "armv8_cortex_a72")
        #expect(binding.type == 8)
        #expect(binding.cpus == cpus("4-5"))
        #expect(binding.isHeterogeneousHost)
        #expect(binding.reason.contains("CPUs 4-5 all belong to armv8_cortex_a72 (type 8, CPUs 4-5)"))

        let kernel = MockKernel()
        try kernel.system.installed { () throws(KVMError) in try binding.pinCallingThread() }
        #expect(kernel.affinity.map(\.mask) == [[0b11_0000]])
        #expect(kernel.affinity.map(\.tid) == [0])

        let vm = try kernel.system.installed { () throws(KVMError) in try VirtualMachine() }
        try vm.prepareARM64(entry: ARM64Programs.memoryBase, pmu: ARM64PMUConfiguration(binding: binding))
        let setPMU = kernel.deviceAttributes.first { $0.attribute == ARM64PMUAttribute.setPMU.rawValue }
        #expect(setPMU?.value == 8)

        // The host counters name the same PMU: its own type and its sysfs alias's config.
        let resolver = Resolver(pmus: pmus, libpfm: nil)
        #expect(try VCPUCounterEvent.cycles(.both).event(binding: binding, resolver: resolver).text == "armv8_cortex_a72/cpu_cycles/")
        let instructions = try VCPUCounterEvent.instructions(.guestOnly).event(binding: binding, resolver: resolver)
        #expect(instructions.text == "armv8_cortex_a72/inst_retired/G")
        #expect(instructions == (try resolver.resolve("armv8_cortex_a72/inst_retired/G").first?.events.first))
        let cycles = try VCPUCounterEvent.cycles(.hostOnly).event(binding: binding, resolver: resolver)
        #expect(cycles.attributes.type == 8 && cycles.attributes.config == 0x11)
        #expect(cycles.attributes.excludeGuest && !cycles.attributes.excludeHost)
        let guest = try VCPUCounterEvent.cycles(.guestOnly).event(binding: binding, resolver: resolver)
        #expect(guest.attributes.excludeHost && !guest.attributes.excludeGuest)
    }

    @Test func straddlingCPUsNameBothPMUs() throws {
        let pmus = try SysfsFixture.pmus("rk3399")
        do {
            _ = try PMUBinding.choose(from: pmus, for: cpus("3-4"))
            Issue.record("3-4 straddles two PMUs")
        } catch {
            #expect(error.description.contains("armv8_cortex_a53") && error.description.contains("armv8_cortex_a72"))
        }
    }

    @Test func alderLakeAtomCyclesUseItsOwnType() throws {
        let pmus = try SysfsFixture.pmus("alderlake")
        let binding = try PMUBinding.choose(from: pmus, for: cpus("16-23"))
        #expect(binding.pmu.name == "cpu_atom" && binding.type == 10)
        let event = try VCPUCounterEvent.cycles(.both).event(binding: binding, resolver: Resolver(pmus: pmus, libpfm: nil))
        #expect(event.text == "cpu_atom/cpu-cycles/")
        #expect(event.attributes.type == 10 && event.attributes.config == 0x3c)
    }

    /// A core PMU without sysfs aliases on a heterogeneous host: the generic name on that
    /// PMU becomes the extended type (type 0, config = pmu.type << 32 | id).
    @Test func withoutAnAliasTheExtendedTypeNamesThePMU() throws {
        let pmus = [PMUChoiceTests.core("big", 9, "4-5"), PMUChoiceTests.core("little", 8, "0-3")]
        let binding = try PMUBinding.choose(from: pmus, for: cpus("4"))
        let event = try VCPUCounterEvent.instructions(.both).event(binding: binding, resolver: Resolver(pmus: pmus, libpfm: nil))
        #expect(event.text == "big/instructions/")
        #expect(event.attributes.type == LegacyType.hardware)
        #expect(event.attributes.config == 9 << 32 | 1)
        // Homogeneous: the plain legacy id (the kernel routes it to the only core PMU).
        let single = [PMUChoiceTests.core("cpu", 4, nil)]
        let plain = try VCPUCounterEvent.cycles(.both)
            .event(binding: PMUBinding.choose(from: single, for: cpus("0-3")), resolver: Resolver(pmus: single, libpfm: nil))
        #expect(plain.attributes.type == LegacyType.hardware && plain.attributes.config == 0)
    }

    @Test func withoutAPMUTheGenericNamesAreUsed() throws {
        let noCores = Resolver(pmus: [PMU(legacyType: LegacyType.software)], libpfm: nil)
        let cycles = try VCPUCounterEvent.cycles(.hostOnly).event(binding: nil, resolver: noCores)
        #expect(cycles.text == "cycles:H" && cycles.pmu == .noCorePMU && cycles.note != nil)
        #expect(cycles.attributes.type == LegacyType.hardware && cycles.attributes.excludeGuest)
        #expect(VCPUCounterEvent.standard.count == 6 + 2 + VCPUCounterEvent.standardTracepoints.count)
        #expect(Set(VCPUCounterEvent.standard.map(\.label)).count == VCPUCounterEvent.standard.count)
    }

    /// The guest/host variants are decided by a trial open: a PMU that refuses
    /// `exclude_host` leaves that variant not supported, with the kernel's errno, while
    /// the plain event opens. The mock plays a PMU (type 8) without guest/host filtering.
    @Test func refusedGuestHostFilterIsNotSupportedWithTheReason() throws {
        let pmus = try SysfsFixture.pmus("rk3399")
        let binding = try PMUBinding.choose(from: pmus, for: cpus("4-5"))
        let opened = OpenLog()
        var system = SystemMock()
        system.perfEventOpen = { attr, _, _, _, _ in
            if attr.pointee.exclude_host != 0 || attr.pointee.exclude_guest != 0 { return -Errno.notSupported.rawValue }
            return opened.add(type: attr.pointee.type, config: attr.pointee.config)
        }
        system.close = { _ in 0 }
        system.getAffinity = { _ in .success([0b11_0000]) }
        let counters = system.installed { VCPUCounters(binding: binding, resolver: Resolver(pmus: pmus, libpfm: nil),
                                    events: [.cycles(.both), .cycles(.hostOnly), .cycles(.guestOnly)]) }
        #expect(counters.entries.map { $0.counter != nil } == [true, false, false])
        #expect(opened.opens == [[8, 0x11]])
        for entry in counters.entries.dropFirst() {
            let reason = try #require(entry.unavailable)
            guard case .refused(let error) = reason else { Issue.record("\(reason)"); continue }
            #expect(error.errno == .notSupported, "\(reason)")
            #expect(error.label.contains("armv8_cortex_a72/cpu_cycles/"))
        }
        let refused = system.installed { VCPUCounters(binding: binding, resolver: Resolver(pmus: pmus, libpfm: nil),
                                   events: [.cycles(.guestOnly)]) }
        let readings = try refused.read()
        guard case .notSupported(let reason)? = readings[.cycles(.guestOnly)]?.status else {
            Issue.record("expected not supported: \(readings)")
            return
        }
        #expect(reason.errno == .notSupported, "\(reason)")
        #expect(readings.exactCount(.cycles(.guestOnly)) == nil)
    }
}

/// Fake perf descriptors handed out by a mocked perf_event_open.
final class OpenLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var opens: [[UInt64]] = []
    func add(type: UInt32, config: UInt64) -> Int32 {
        lock.withLock {
            opens.append([UInt64(type), config])
            return Int32(900 + opens.count)
        }
    }
}
