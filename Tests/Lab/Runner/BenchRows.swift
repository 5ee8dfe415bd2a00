import CPerfEvents
import KVM
import LabReference
import PerfEvents

/// How many batches and operations per batch each bench row takes.
struct BenchPlan {
    /// Batches per implementation (Swift and C take turns).
    var batches: Int
    /// Operations per clock pair: enough that one 16 ns tick of the guest clock is under one
    /// instruction per operation.
    var readOps = 50
    var userReadOps = 500
    var mmioOps = 20
    var hvcOps = 200
    /// LAB_BREAK_BENCH_SLOW=N: N extra loop turns per operation in the Swift user-space
    /// read loops, to see the instruction budget (check-lab.py --budget) fail.
    var slowdown = 0

    /// From LAB_BENCH: "short" for the budget gate, anything else the full plan.
    static func fromEnvironment() -> BenchPlan {
        let mode = PMUDiscovery.processEnvironment("LAB_BENCH") ?? ""
        var plan = BenchPlan(batches: mode == "short" ? 5 : 21)
        plan.slowdown = PMUDiscovery.processEnvironment("LAB_BREAK_BENCH_SLOW").flatMap { Int($0) } ?? 0
        return plan
    }
}

/// The batch loops of one PMU's rows: the library's (Swift) loop and the C reference's,
/// taking turns batch by batch, each batch `ops` operations between one clock pair. The
/// facts carry the batch's nanoseconds with the clock pair in (lab-bench.py subtracts the
/// `timer` row's minimum from the batch minimum and divides by `ops`).
struct BenchRows {
    var plan: BenchPlan
    var pmu: PMU
    var cpus: String { Out.cpus(pmu.cpus) }

    func report(table: String, _ fields: [(String, String)], ops: Int, swift: [UInt64], c: [UInt64]) {
        let bench = Bench.Statistics.self
        bench.report([("table", table), ("pmu", pmu.name), ("cpus", cpus)] + fields
                     + [("implementation", "swift"), ("ops", "\(ops)")], swift)
        bench.report([("table", table), ("pmu", pmu.name), ("cpus", cpus)] + fields
                     + [("implementation", "c"), ("ops", "\(ops)")], c)
    }

    /// A C batch's result: the nanoseconds, or nil after reporting why it failed.
    func cResult(_ result: Int64, step: String) -> UInt64? {
        if result >= 0 { return UInt64(result) }
        let why = result <= -1000 ? "unexpected outcome \(-result - 1000)" : "errno \(-result)"
        Out.error(step, [("pmu", pmu.name), ("implementation", "c")], msg: why)
        return nil
    }

    func readSingle(_ counter: Counter, event: String) {
        let descriptor = counter.descriptors[0]
        let size = lab_read_size(descriptor)
        guard let size = cResult(size, step: "bench-read") else { return }
        var swift: [UInt64] = []
        var c: [UInt64] = []
        var sum: UInt64 = 0
        for _ in 0..<plan.batches {
            let start = cpe_monotonic_raw_ns()
            do {
                for _ in 0..<plan.readOps { sum &+= try counter.read().raw }
            } catch {
                Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
                return
            }
            let end = cpe_monotonic_raw_ns()
            swift.append(end &- start)
            guard let elapsed = cResult(lab_read_batch(descriptor, size, UInt64(plan.readOps)), step: "bench-read") else { return }
            c.append(elapsed)
        }
        report(table: "read", [("event", event), ("method", "read-single"), ("checksum", "\(sum & 1)")],
               ops: plan.readOps, swift: swift, c: c)
    }

    func readGroup(_ group: CounterGroup, event: String) {
        let descriptor = group.descriptors[0]
        guard let size = cResult(lab_read_size(descriptor), step: "bench-read") else { return }
        var reading = GroupReading(for: group)
        var swift: [UInt64] = []
        var c: [UInt64] = []
        for _ in 0..<plan.batches {
            let start = cpe_monotonic_raw_ns()
            do {
                for _ in 0..<plan.readOps { try group.read(into: &reading) }
            } catch {
                Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
                return
            }
            let end = cpe_monotonic_raw_ns()
            swift.append(end &- start)
            guard let elapsed = cResult(lab_read_batch(descriptor, size, UInt64(plan.readOps)), step: "bench-read") else { return }
            c.append(elapsed)
        }
        report(table: "read", [("event", event), ("method", "read-group-2")], ops: plan.readOps, swift: swift, c: c)
    }

    func readInUserSpace(_ counter: Counter, method: String) {
        let how: String
        do {
            how = try counter.readInUserSpace().method == .userSpace ? "mrs" : "read"
        } catch {
            Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
            return
        }
        guard let page = lab_map_page(counter.descriptors[0]) else {
            Out.error("bench-userread", [("pmu", pmu.name), ("implementation", "c")], msg: "mmap of the counter's page failed")
            return
        }
        defer { lab_unmap_page(page) }
        var swift: [UInt64] = []
        var c: [UInt64] = []
        var inUserSpace = 0
        var sum: UInt64 = 0
        var slow: UInt64 = 1
        let slowdown = plan.slowdown
        let expectUserSpace = how == "mrs"
        for _ in 0..<plan.batches {
            var fellBack = false
            let start = cpe_monotonic_raw_ns()
            do {
                // What C's loop does: read, stop if the page refused, add up the count and times.
                var remaining = plan.userReadOps
                while remaining > 0 && !fellBack {
                    let reading = try counter.readInUserSpace()
                    if case .userSpace = reading.method {} else if expectUserSpace { fellBack = true }
                    sum &+= reading.value.raw &+ (reading.value.timeEnabled ^ reading.value.timeRunning)
                    if slowdown > 0 { for _ in 0..<slowdown { slow = slow &* 31 &+ 1 } }
                    remaining &-= 1
                }
            } catch {
                Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
                return
            }
            let end = cpe_monotonic_raw_ns()
            if fellBack {
                Out.error("bench-userread", [("pmu", pmu.name)], msg: "a user-space read fell back to read(2) mid-batch")
                return
            }
            if expectUserSpace { inUserSpace &+= plan.userReadOps }
            swift.append(end &- start)
            if how == "mrs" {
                var cSum: UInt64 = 0
                let result = lab_user_read_batch(page, UInt64(plan.userReadOps), &cSum)
                guard let elapsed = cResult(result, step: "bench-userread") else { return }
                c.append(elapsed)
            }
        }
        report(table: "read", [("event", counter.label), ("method", method), ("how", how),
                               ("user_space_reads", "\(inUserSpace)"), ("checksum", "\((sum ^ slow) & 1)")],
               ops: plan.userReadOps, swift: swift, c: c)
    }

    /// A group's user-space read (`CounterGroup.readInUserSpace(into:)`, each event's page and
    /// register) against C's read of the same pages in turn. Compiled for speed, as the C
    /// reference is (-O2): under the runner's -Osize the machine outliner turns sequences the
    /// inlined read shares with its other call sites into calls, which no -O build has.
    @_optimize(speed)
    func readGroupInUserSpace(_ group: CounterGroup, method: String) {
        var reading = GroupReading(for: group)
        let how: String
        do {
            how = try group.readInUserSpace(into: &reading) == .userSpace ? "mrs" : "read"
        } catch {
            Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
            return
        }
        var pages: [UnsafeRawPointer?] = []
        defer { for page in pages { lab_unmap_page(page) } }
        for counter in group.counters {
            guard let page = lab_map_page(counter.descriptors[0]) else {
                Out.error("bench-userread", [("pmu", pmu.name), ("implementation", "c")], msg: "mmap of a member's page failed")
                return
            }
            pages.append(page)
        }
        var swift: [UInt64] = []
        var c: [UInt64] = []
        var inUserSpace = 0
        var sum: UInt64 = 0
        var slow: UInt64 = 1
        let slowdown = plan.slowdown
        let last = group.events.count - 1
        let expectUserSpace = how == "mrs"
        for _ in 0..<plan.batches {
            var fellBack = false
            let start = cpe_monotonic_raw_ns()
            do {
                // What C's loop does: read every member into the caller's storage, stop if a page
                // refused. LAB_BREAK_BENCH_SLOW's turns in a loop of their own, out of the measured one.
                var remaining = plan.userReadOps
                if slowdown > 0 {
                    while remaining > 0 && !fellBack {
                        if case .userSpace = try group.readInUserSpace(into: &reading) {} else if expectUserSpace { fellBack = true }
                        for _ in 0..<slowdown { slow = slow &* 31 &+ 1 }
                        remaining &-= 1
                    }
                } else {
                    repeat {
                        if case .userSpace = try group.readInUserSpace(into: &reading) {} else if expectUserSpace { fellBack = true }
                        remaining &-= 1
                    } while remaining > 0 && !fellBack
                }
            } catch {
                Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
                return
            }
            let end = cpe_monotonic_raw_ns()
            let leader = reading[0]
            sum &+= leader.raw &+ reading[last].raw &+ (leader.timeEnabled ^ leader.timeRunning)
            if fellBack {
                Out.error("bench-userread", [("pmu", pmu.name)], msg: "a group's user-space read fell back to read(2) mid-batch")
                return
            }
            if expectUserSpace { inUserSpace &+= plan.userReadOps }
            swift.append(end &- start)
            if expectUserSpace {
                var words = [UInt64](repeating: 0, count: 2 + pages.count)
                let result = lab_user_read_group_batch(pages, UInt32(pages.count), UInt64(plan.userReadOps), &words)
                guard let elapsed = cResult(result, step: "bench-userread") else { return }
                c.append(elapsed)
            }
        }
        report(table: "read", [("event", group.events[0].label + "+\(last)"), ("method", method), ("how", how),
                               ("user_space_reads", "\(inUserSpace)"), ("checksum", "\((sum ^ slow) & 1)")],
               ops: plan.userReadOps, swift: swift, c: c)
    }

    func mmioExits(_ vcpu: VCPU) {
        guard let run = vcpu.runStructure else { return }
        let deadline: RunDeadline
        do { deadline = try RunDeadline(nanoseconds: Lab.runLimit) } catch {
            Out.error("bench-mmio", [("pmu", pmu.name)], msg: error.description)
            return
        }
        var swift: [UInt64] = []
        var c: [UInt64] = []
        for _ in 0..<plan.batches {
            var reason = KVMExitReason.mmio
            let start = cpe_monotonic_raw_ns()
            do {
                for _ in 0..<plan.mmioOps where reason == KVMExitReason.mmio {
                    guard case .exited(let exit) = try vcpu.enter(before: deadline) else { reason = KVMExitReason.interrupted; break }
                    reason = exit
                }
            } catch {
                Out.error("bench-mmio", [("pmu", pmu.name)], msg: error.description)
                return
            }
            let end = cpe_monotonic_raw_ns()
            guard reason == KVMExitReason.mmio else {
                Out.error("bench-mmio", [("pmu", pmu.name)], msg: "KVM_RUN returned exit reason \(reason), not MMIO")
                return
            }
            swift.append(end &- start)
            guard let elapsed = cResult(lab_kvm_mmio_batch(vcpu.fd, run, UInt64(plan.mmioOps)), step: "bench-mmio") else { return }
            c.append(elapsed)
        }
        report(table: "exit", [("kind", "mmio"), ("exits", "\(plan.mmioOps * plan.batches)")], ops: plan.mmioOps, swift: swift, c: c)
    }

    /// One KVM_RUN through the library that must end on the HVC loop's MMIO report.
    func hvcRun(_ vcpu: VCPU) -> UInt64? {
        let deadline: RunDeadline
        do { deadline = try RunDeadline(nanoseconds: Lab.runLimit) } catch {
            Out.error("bench-hvc", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        let start = cpe_monotonic_raw_ns()
        let entry: VCPUEntry
        do { entry = try vcpu.enter(before: deadline) } catch {
            Out.error("bench-hvc", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        let end = cpe_monotonic_raw_ns()
        guard case .exited(KVMExitReason.mmio) = entry else {
            Out.error("bench-hvc", [("pmu", pmu.name)], msg: "expected the loop's MMIO report, got \(entry)")
            return nil
        }
        return end &- start
    }

    func hvcRunC(_ vcpu: VCPU) -> UInt64? {
        guard let run = vcpu.runStructure else { return nil }
        return cResult(lab_kvm_run_to_mmio(vcpu.fd, run), step: "bench-hvc")
    }
}
