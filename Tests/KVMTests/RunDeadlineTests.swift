import CPerfEvents
import Foundation
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// Whether `signal` is blocked on the calling thread (SigBlk of /proc/thread-self/status).
func signalIsBlocked(_ signal: Int32) throws -> Bool {
    let status = try FileSystem().readText("/proc/thread-self/status")
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") })
    let mask = try #require(UInt64(line.dropFirst("SigBlk:".count).trimmingPrefix { $0 == "\t" || $0 == " " }, radix: 16))
    return mask & (1 << UInt64(signal - 1)) != 0
}

/// A guest that never exits comes back when its deadline passes, on whatever KVM
/// this is, whatever the calling thread's signal mask.
@Suite(.serialized, .enabled(if: x86KVMUsable, "needs /dev/kvm on an x86_64 host (x86 real-mode guests; arm64 is checked in the lab)"),
       .timeLimit(.minutes(2)))
struct RunDeadlineTests {
    /// `jmp $` for several limits: `.timedOut` within five times the limit (a deadline that
    /// is late by the limit again on a loaded host is still one that works; one that does not
    /// fire never comes back), never before it.
    @Test(arguments: [UInt64(20_000_000), 200_000_000, 1_000_000_000])
    func neverExitingGuestReturnsWithinFiveTimesTheLimit(limit: UInt64) throws {
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.spin())
        let start = cpe_monotonic_ns()
        let exit = try vcpu.run(timeLimit: limit)
        let elapsed = cpe_monotonic_ns() - start
        guard case .timedOut(let reported) = exit else {
            Issue.record("jmp $ ended with \(exit.kind), not timed_out")
            return
        }
        #expect(reported >= limit && elapsed >= limit)
        #expect(elapsed < 5 * limit, "\(elapsed) ns for a limit of \(limit) ns")
        print("jmp $ on \(KVMFlavour.current()): limit \(limit / 1_000_000) ms, back after \(elapsed / 1_000) µs")
        // The guest is still runnable where it was: it times out again.
        guard case .timedOut = try vcpu.run(timeLimit: 10_000_000) else {
            Issue.record("the second run did not time out")
            return
        }
    }

    /// Swift Testing runs this on a libdispatch worker thread, which blocks
    /// asynchronous signals: the deadline unblocks its signal while it lives and
    /// restores the mask after. A watchdog that signalled such a thread never
    /// stopped KVM_RUN.
    @Test func deadlineUnblocksItsSignalAndRestoresTheMask() throws {
        let signal = RunDeadline.signal
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &set, nil) }
        #expect(try signalIsBlocked(signal))
        do {
            let deadline = try RunDeadline(nanoseconds: 50_000_000)
            #expect(try !signalIsBlocked(signal))
            #expect(!deadline.hasExpired)
            let vm = try VirtualMachine()
            let vcpu = try vm.prepareX86RealMode(X86Programs.spin())
            guard case .timedOut = try vcpu.run(before: deadline) else {
                Issue.record("jmp $ did not time out with the signal blocked beforehand")
                return
            }
            #expect(deadline.hasExpired)
        }
        #expect(try signalIsBlocked(signal))
    }

    /// One deadline covers many runs: exits come back as usual until it passes,
    /// then every run is `.timedOut` without entering the guest for long.
    @Test func oneDeadlineCoversManyRuns() throws {
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: 3))
        let deadline = try RunDeadline(nanoseconds: 100_000_000)
        var kinds: [String] = []
        for _ in 0..<4 { kinds.append(try vcpu.run(before: deadline).kind) }
        #expect(kinds == ["io", "io", "io", "hlt"])
        #expect(!deadline.hasExpired)
        // HLT without an in-kernel APIC returns again at once; point the VCPU at a spin.
        try vm.write(X86Programs.spin().code, at: X86Programs.loadAddress)
        try vcpu.startX86RealMode(entry: UInt16(X86Programs.loadAddress), stack: 0x8000)
        guard case .timedOut = try vcpu.run(before: deadline) else {
            Issue.record("the spin did not time out")
            return
        }
        let start = cpe_monotonic_ns()
        guard case .timedOut = try vcpu.run(before: deadline) else {
            Issue.record("a run after expiry did not report timed_out")
            return
        }
        // After expiry the timer repeats every RunDeadline.repeatNanoseconds (one that did not
        // repeat would never end the run): 20 periods of slack for a loaded host.
        #expect(cpe_monotonic_ns() - start < 20 * RunDeadline.repeatNanoseconds)
    }

    /// immediate_exit set by the VMM (not the deadline) is `.interrupted`, and a
    /// fresh deadline's run is not confused by it once cleared.
    @Test func immediateExitBeforeTheDeadlineIsInterrupted() throws {
        let vm = try VirtualMachine()
        let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: 1))
        vcpu.setImmediateExit(true)
        #expect(try vcpu.run(timeLimit: 1_000_000_000) == .interrupted)
        vcpu.setImmediateExit(false)
        #expect(try vcpu.run(timeLimit: 1_000_000_000).kind == "io")
    }
}
