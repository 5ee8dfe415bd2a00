import Foundation
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// Runs `body` on a fresh thread (the VCPU thread) and returns its result.
func onVCPUThread<T>(_ body: @escaping () throws -> T) throws -> T {
    let box = ThreadBox(body)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.result = Result { try box.body() }
        done.signal()
    }
    thread.start()
    done.wait()
    return try box.result!.get()
}

/// Hands a closure to another thread and its result back (the semaphore orders the accesses).
final class ThreadBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
    let body: () throws -> T
    init(_ body: @escaping () throws -> T) { self.body = body }
}

/// The host counters of a real VCPU thread: pinned, opened through the library,
/// counting the PIO, MMIO and CPUID guests exactly; hardware counters on a host
/// without a core PMU report "not supported" with the reason, never a zero.
/// Part of ``RealKVMTests`` so that its leak check never runs beside these VMs.
extension RealKVMTests {
    static let hostCounterN: UInt16 = 150

    struct Outcome {
        var exits: [VCPUExit]
        var readings: VCPUCounterReadings
        var affinity: CPUSet
        var warnings: [CounterWarning]
    }

    /// On its own thread: pin to the binding's CPUs (or to one CPU when the host has
    /// no core PMU), open the standard host counters, run `program` to HLT.
    static func run(_ program: GuestProgram) throws -> Outcome {
        try onVCPUThread {
            let binding = try HostEvents.binding()
            if let binding {
                try binding.pinCallingThread()
            } else {
                let first = try #require(try Affinity.current().cpus.first)
                try Affinity.set(CPUSet([first]))
            }
            let affinity = try Affinity.current()
            let counters = VCPUCounters(binding: binding, resolver: HostEvents.resolver)
            let vm = try VirtualMachine()
            let vcpu = try vm.prepareX86RealMode(program)
            let (exits, readings) = try counting(counters) { try runToEnd(vcpu) }
            return Outcome(exits: exits, readings: readings, affinity: affinity, warnings: counters.warnings)
        }
    }

    /// What every run shows: software events counted, hardware ones honest.
    static func checkCommon(_ outcome: Outcome) throws {
        let readings = outcome.readings
        #expect(readings.readings.count == VCPUCounterEvent.standard.count)
        // The thread ran, so task-clock (ns) is non-zero; context switches were counted (any number).
        let taskClock = try #require(readings[.taskClock])
        #expect(taskClock.status == .counted && taskClock.raw > 0)
        #expect(readings[.contextSwitches]?.status == .counted)
        // kvm_exit fires on hardware VM exits only; it opened and was counted either way.
        #expect(readings.exactCount(.kvmTracepoint("kvm_exit")) != nil)
        #expect(outcome.warnings.isEmpty)
        let hasCorePMU = !HostEvents.resolver.corePMUs.isEmpty
        for scope in GuestHostScope.allCases {
            for event in [VCPUCounterEvent.cycles(scope), .instructions(scope)] {
                let value = try #require(readings[event])
                switch value.status {
                case .notSupported(let reason):
                    #expect(!reason.description.isEmpty)
                    if !hasCorePMU { #expect(reason.description.contains("no hardware PMU"), "\(event.label): \(reason)") }
                    #expect(value.scaled == nil)
                case .counted, .multiplexed:
                    // Only a host with a core PMU counts hardware events, and then not zero cycles in both scopes.
                    #expect(hasCorePMU, "\(event.label) counted without a core PMU")
                case .notCounted:
                    #expect(hasCorePMU)
                }
            }
        }
    }

    @Test func portWritesOnAPinnedVCPUThread() throws {
        let outcome = try Self.run(X86Programs.portWrites(count: Self.hostCounterN))
        try Self.checkCommon(outcome)
        #expect(outcome.affinity.count >= 1)
        let r = outcome.readings
        #expect(outcome.exits.filter { $0.kind == "io" }.count == Int(Self.hostCounterN))
        #expect(r.exactCount(.kvmTracepoint("kvm_pio")) == UInt64(Self.hostCounterN))
        #expect(r.exactCount(.kvmTracepoint("kvm_userspace_exit")) == UInt64(Self.hostCounterN) + 1)
        #expect(r.exactCount(.kvmTracepoint("kvm_mmio")) == 0)
        #expect(r.exactCount(.kvmTracepoint("kvm_cpuid")) == 0)
        #expect(r.exactCount(.kvmTracepoint("kvm_msr")) == 0)
    }

    @Test func mmioWritesOnAPinnedVCPUThread() throws {
        let outcome = try Self.run(X86Programs.mmioWrites(count: Self.hostCounterN))
        try Self.checkCommon(outcome)
        let r = outcome.readings
        #expect(outcome.exits.filter { $0.kind == "mmio" }.count == Int(Self.hostCounterN))
        #expect(r.exactCount(.kvmTracepoint("kvm_mmio")) == UInt64(Self.hostCounterN))
        #expect(r.exactCount(.kvmTracepoint("kvm_userspace_exit")) == UInt64(Self.hostCounterN) + 1)
        #expect(r.exactCount(.kvmTracepoint("kvm_pio")) == 0)
    }

    @Test func cpuidLoopOnAPinnedVCPUThread() throws {
        let outcome = try Self.run(X86Programs.cpuidLoop(count: Self.hostCounterN))
        try Self.checkCommon(outcome)
        let r = outcome.readings
        #expect(outcome.exits.count == 2)
        #expect(r.exactCount(.kvmTracepoint("kvm_cpuid")) == UInt64(Self.hostCounterN))
        // The report OUT is the only port write and, with HLT, the only return to user space.
        #expect(r.exactCount(.kvmTracepoint("kvm_pio")) == 1)
        #expect(r.exactCount(.kvmTracepoint("kvm_userspace_exit")) == 2)
    }

    /// Counters of the VCPU thread do not see another thread's exits: a guest run on
    /// the test's thread leaves a VCPU thread's counters at zero.
    @Test func countsAreTheVCPUThreadsOwn() throws {
        let counters = VCPUCounters(binding: nil, resolver: HostEvents.resolver,
                                    events: [.kvmTracepoint("kvm_pio"), .kvmTracepoint("kvm_userspace_exit")])
        try counters.reset()
        try counters.enable()
        let exits = try onVCPUThread {
            let vm = try VirtualMachine()
            return try runToEnd(try vm.prepareX86RealMode(X86Programs.portWrites(count: 20))).count
        }
        try counters.disable()
        let readings = try counters.read()
        #expect(exits == 21)
        #expect(readings.exactCount(.kvmTracepoint("kvm_pio")) == 0)
        #expect(readings.exactCount(.kvmTracepoint("kvm_userspace_exit")) == 0)
    }

    /// A tracepoint the kernel lacks reads as not supported, naming it.
    @Test func missingTracepointIsNotSupportedWithTheReason() throws {
        let counters = VCPUCounters(binding: nil, resolver: HostEvents.resolver, events: [.kvmTracepoint("kvm_no_such_event")])
        let value = try #require(try counters.read()[.kvmTracepoint("kvm_no_such_event")])
        guard case .notSupported(let reason) = value.status else { Issue.record("\(value)"); return }
        guard case .unresolved(let input, _) = reason else { Issue.record("\(reason)"); return }
        #expect(input == "kvm:kvm_no_such_event" && reason.description.contains("kvm:kvm_no_such_event"))
    }
}
