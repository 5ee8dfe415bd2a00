import Foundation
import KVMGuestPrograms
import PerfEvents
import Testing
@testable import KVM

/// Which of many threads ran, under a lock.
private final class RanThreads: @unchecked Sendable {
    var indices: Set<Int> = []
}

/// What one VCPU thread saw, written by that thread and read after it is joined.
private final class ThreadOutcome: @unchecked Sendable {
    var cpusSeen: Set<Int> = []
    var exits: [VCPUExit] = []
    var userspaceExits: UInt64?
    var problem: String?
}

/// VCPU threads on the real kernel: created pinned, each with its own deadline and its own
/// host counters, two at once.
@Suite(.serialized, .timeLimit(.minutes(2))) struct VCPUThreadTests {
    /// The first two CPUs this process may use, bound as one PMU's (this host may have no
    /// core PMU: the binding is only the placement here, the pinning is real).
    static func twoCPUs() throws -> (binding: PMUBinding, cpus: [Int])? {
        let allowed = Array(try Affinity.current().cpus.prefix(2))
        guard allowed.count == 2 else { return nil }
        let pmu = PMU(name: "cpu", type: 4, kind: .core, cpus: CPUSet(allowed))
        return (PMUBinding(pmu: pmu, cpus: CPUSet(allowed)), allowed)
    }

    static var twoCPUsHere: Bool { ((try? twoCPUs()) ?? nil) != nil }

    /// Two VMs, each VCPU on its own thread pinned to one CPU, running at once: every exit
    /// of each thread happened on its CPU, and each thread's kvm:kvm_userspace_exit counter
    /// (the calling thread's) counts its own VCPU's exits exactly, not the other's.
    @Test(.enabled(if: x86KVMUsable && twoCPUsHere, "needs /dev/kvm on x86_64 and two CPUs"))
    func twoPinnedVCPUThreadsCountTheirOwnExits() throws {
        let (binding, cpus) = try #require(try Self.twoCPUs())
        let writes: [UInt16] = [300, 301]
        var threads: [VCPUThread] = []
        var outcomes: [ThreadOutcome] = []
        for (index, cpu) in cpus.enumerated() {
            let outcome = ThreadOutcome()
            outcomes.append(outcome)
            let count = writes[index]
            threads.append(try VCPUThread(binding: binding, cpus: CPUSet([cpu])) {
                do {
                    let counters = VCPUCounters(binding: nil, resolver: HostEvents.resolver,
                                                events: [.kvmTracepoint("kvm_userspace_exit")])
                    let vm = try VirtualMachine()
                    let vcpu = try vm.prepareX86RealMode(X86Programs.portWrites(count: count))
                    try counters.reset()
                    try counters.enable()
                    let deadline = try RunDeadline(nanoseconds: 10_000_000_000)
                    while outcome.exits.count <= Int(count) {
                        let exit = try vcpu.run(before: deadline)
                        outcome.exits.append(exit)
                        if let now = VCPUThread.currentCPU { outcome.cpusSeen.insert(now) }
                        guard case .io = exit else { break }
                    }
                    try counters.disable()
                    outcome.userspaceExits = try counters.read().exactCount(.kvmTracepoint("kvm_userspace_exit"))
                    vm.close()
                } catch {
                    outcome.problem = "\(error)"
                }
            })
        }
        for thread in threads { #expect(thread.join(within: 30_000_000_000), "a VCPU thread did not finish in 30 s") }
        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.problem == nil, "thread \(index): \(outcome.problem ?? "")")
            #expect(outcome.cpusSeen == [cpus[index]], "thread \(index) ran on \(outcome.cpusSeen), pinned to \(cpus[index])")
            #expect(outcome.exits.count == Int(writes[index]) + 1 && outcome.exits.last == .halt)
            #expect(outcome.userspaceExits == UInt64(writes[index]) + 1,
                    "thread \(index): \(outcome.userspaceExits.map(String.init) ?? "nil") userspace exits for \(writes[index]) OUTs + HLT")
        }
    }

    /// CPUs outside the binding are refused before any thread exists; an empty set too.
    @Test func cpusOutsideTheBindingAreRefused() throws {
        let pmu = PMU(name: "armv8_cortex_a72", type: 8, kind: .core, cpus: CPUSet(4...5))
        let binding = PMUBinding(pmu: pmu, cpus: CPUSet(4...5))
        do {
            _ = try VCPUThread(binding: binding, cpus: CPUSet([3, 4])) {}
            Issue.record("CPU 3 is not armv8_cortex_a72's")
        } catch {
            guard case .invalidConfiguration(let text) = error.reason else { Issue.record("\(error)"); return }
            #expect(text.contains("CPUs 3 are not among armv8_cortex_a72's bound CPUs 4-5"), "\(text)")
        }
        #expect(throws: KVMError.self) { _ = try VCPUThread(binding: binding, cpus: CPUSet([Int]())) {} }
    }

    /// A mask with no CPU this machine can have (one past /sys/devices/system/cpu/possible,
    /// read now): the kernel's refusal (EINVAL) comes back as the error, and nothing runs.
    @Test func aCPUTheMachineLacksIsTheKernelsError() throws {
        let possible = try CPUSet(parsing: String(contentsOfFile: "/sys/devices/system/cpu/possible", encoding: .utf8))
        let cpu = try #require(possible.cpus.last) + 1
        let pmu = PMU(name: "cpu", type: 4, kind: .core, cpus: CPUSet([cpu]))
        let ran = ThreadOutcome()
        do {
            _ = try VCPUThread(binding: PMUBinding(pmu: pmu, cpus: CPUSet([cpu]))) { ran.problem = "ran" }
            Issue.record("a thread on CPU \(cpu) was created")
        } catch {
            #expect(error.errno == .invalidArgument, "\(error)")
            #expect(error.call.contains("CPUs \(cpu)"), "\(error)")
        }
        Thread.sleep(forTimeInterval: 0.05)
        #expect(ran.problem == nil)
    }

    /// join(within:) waits no longer than asked while the thread runs, then joins it. The
    /// thread runs until the test lets it go (10 s at most), so the first join cannot find it
    /// finished however late this thread is scheduled.
    @Test func joinHasATimeLimit() throws {
        let cpus = try Affinity.current()
        let pmu = PMU(name: "cpu", type: 4, kind: .core, cpus: cpus)
        let release = DispatchSemaphore(value: 0)
        let thread = try VCPUThread(binding: PMUBinding(pmu: pmu, cpus: cpus)) { _ = release.wait(timeout: .now() + 10) }
        let start = Date()
        #expect(!thread.join(within: 50_000_000))
        // 50 ms asked: 8x that is a wait that ignored its limit, not a slow host.
        #expect(Date().timeIntervalSince(start) < 0.4)
        release.signal()
        #expect(thread.join(within: 5_000_000_000))
        #expect(thread.join(within: 0))
    }

    /// Hundreds of VCPU threads started and joined, with time limits, some after a
    /// timed-out first try and some let go unjoined (detached): every one that was
    /// joined ran its work once, and under ThreadSanitizer (make sanitize) the thread
    /// registry sees each end, so reused thread ids do not abort it.
    @Test func hundredsOfThreadsStartAndJoin() throws {
        let cpus = try Affinity.current()
        let pmu = PMU(name: "cpu", type: 4, kind: .core, cpus: cpus)
        let binding = PMUBinding(pmu: pmu, cpus: cpus)
        let ran = RanThreads()
        let lock = NSLock()
        var joined = 0
        for index in 0..<300 {
            // Every 50th thread waits until the test has tried a 1 ms join (10 s at most).
            let release = DispatchSemaphore(value: 0)
            let thread = try VCPUThread(binding: binding) {
                if index % 50 == 0 { _ = release.wait(timeout: .now() + 10) }
                lock.lock()
                ran.indices.insert(index)
                lock.unlock()
            }
            if index % 50 == 0 {
                #expect(!thread.join(within: 1_000_000), "thread \(index) waits to be let go")
                release.signal()
            }
            if index % 7 == 3 { continue }  // let go: deinit detaches it
            #expect(thread.join(within: 10_000_000_000), "thread \(index)")
            joined += 1
        }
        // The detached ones finish on their own; wait for all 300 to have run, with a limit.
        let limit = Date().addingTimeInterval(10)
        while Date() < limit {
            lock.lock()
            let count = ran.indices.count
            lock.unlock()
            if count == 300 { break }
            usleep(1_000)
        }
        lock.lock()
        #expect(ran.indices == Set(0..<300) && joined == 300 - 43)
        lock.unlock()
    }
}
