import CPerfEvents
import KVM
import KVMGuestPrograms
import PerfEvents

/// Per-PMU latency samples (LAB_BENCH=1, or =short), as `fact bench …` lines of integer
/// nanosecond statistics that Tests/Lab/lab-bench.py turns into pmu-bench-lab/1 rows and the big/little table.
/// Every row is the library (implementation=swift) and its C reference (implementation=c,
/// Tests/Lab/Reference/LabReference.c) timed in batches of `ops` operations per clock pair
/// (BenchRows.swift); the `timer` row is the clock pair that lab-bench.py subtracts.
/// Emulated hardware: QEMU TCG (with -icount the guest's clock follows the
/// instruction count), so the numbers compare methods, not machines.
struct Bench {
    var lab: Lab
    /// LAB_BENCH=1: the full plan; LAB_BENCH=short: the budget gate's (make test, one kernel).
    var plan: BenchPlan
    static let readSamples = 1000

    func run() {
        timer()
        for pmu in [lab.little, lab.big] {
            guard lab.pin(to: pmu, step: "bench-pin") != nil else { continue }
            reads(pmu)
            exits(pmu)
        }
    }

    /// The statistics every bench fact carries.
    enum Statistics {
        /// Prints the distribution of `samples` (nanoseconds).
        static func report(_ fields: [(String, String)], _ samples: [UInt64]) {
            guard !samples.isEmpty else { return }
            let sorted = samples.sorted()
            func at(_ permille: Int) -> UInt64 { sorted[min(sorted.count - 1, sorted.count * permille / 1000)] }
            var sum: UInt64 = 0
            var squares: UInt64 = 0
            for value in sorted {
                sum &+= value
                squares &+= value &* value
            }
            Out.fact("bench", fields + [
                ("n", "\(sorted.count)"), ("min", "\(sorted[0])"), ("p50", "\(at(500))"), ("p90", "\(at(900))"),
                ("p99", "\(at(990))"), ("p999", "\(at(999))"), ("max", "\(sorted[sorted.count - 1])"),
                ("sum", "\(sum)"), ("sumsq", "\(squares)"),
            ])
        }
    }

    /// The cost of two back-to-back clock reads.
    func timer() {
        var samples: [UInt64] = []
        samples.reserveCapacity(Self.readSamples)
        for _ in 0..<Self.readSamples {
            let start = cpe_monotonic_raw_ns()
            let end = cpe_monotonic_raw_ns()
            samples.append(end &- start)
        }
        Statistics.report([("table", "timer")], samples)
    }

    /// The events to read: `<pmu>/cpu_cycles/` (and `inst_retired` for a group of 2).
    func event(_ text: String, on pmu: PMU) -> Event? {
        let groups: [ResolvedGroup]
        do {
            groups = try lab.resolver.resolve(text)
        } catch {
            Out.error("bench-resolve", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        guard let resolved = groups.first?.events.first else { return nil }
        return Event(label: text, attributes: resolved.attributes, pmu: pmu)
    }

    /// The read rows: each batch is `readOps` operations between one clock pair, the Swift
    /// batch (the library) and the C batch (LabReference.c) taking turns.
    func reads(_ pmu: PMU) {
        let cyclesText = pmu.name + "/cpu_cycles/"
        guard let cycles = event(cyclesText, on: pmu),
              let instructions = event(pmu.name + "/inst_retired/", on: pmu),
              let userCycles = event(pmu.name + "/cpu_cycles,rdpmc=1/", on: pmu),
              let userInstructions = event(pmu.name + "/inst_retired,rdpmc=1/", on: pmu)
        else { return }
        let rows = BenchRows(plan: plan, pmu: pmu)
        do {
            let counter = try Counter(cycles)
            try counter.enable()
            rows.readSingle(counter, event: cyclesText)
        } catch {
            Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
        }
        do {
            let group = try CounterGroup([cycles, instructions])
            try group.enable()
            rows.readGroup(group, event: cyclesText + "+1")
        } catch {
            Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
        }
        // The cycle counter (PMCCNTR_EL0) and an event counter (PMEVCNTR<n>_EL0).
        for (method, event) in [("user-space-read", userCycles), ("user-space-read-event", userInstructions)] {
            do {
                var options = CounterOptions()
                options.userSpaceReads = true
                let counter = try Counter(event, options: options)
                try counter.enable()
                // The `userread` fact (method, value against read(2)) is UserSpaceRead.swift's, in every run.
                rows.readInUserSpace(counter, method: method)
            } catch {
                Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
            }
        }
        // A group of both, each event read from its own page (the leader's times).
        do {
            var options = CounterOptions()
            options.userSpaceReads = true
            let group = try CounterGroup([userCycles, userInstructions], options: options)
            try group.enable()
            rows.readGroupInUserSpace(group, method: "user-space-read-group-2")
        } catch {
            Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
        }
    }

    func exits(_ pmu: PMU) {
        let rows = BenchRows(plan: plan, pmu: pmu)
        // User-space exits: one KVM_RUN round trip per MMIO store, Swift and C batches in turn on one VCPU.
        let mmio = ARM64Programs.mmioWrites(count: UInt32(plan.batches * plan.mmioOps * 2 + 10))
        if let vm = lab.makeVM(pmu: pmu, createOn: lab.cpus(of: pmu), program: mmio, step: "bench-mmio") {
            defer { vm.close() }
            rows.mmioExits(vm.vcpus[0])
        }
        // In-kernel exits: a loop of HVCs KVM answers itself, one KVM_RUN per fresh VM, Swift and C in turn.
        var swift: [UInt64] = []
        var c: [UInt64] = []
        for _ in 0..<plan.batches {
            for implementation in ["swift", "c"] {
                let program = ARM64Programs.hvcLoop(count: UInt32(plan.hvcOps))
                guard let vm = lab.makeVM(pmu: pmu, createOn: lab.cpus(of: pmu), program: program, step: "bench-hvc") else { return }
                defer { vm.close() }
                guard let elapsed = implementation == "swift" ? rows.hvcRun(vm.vcpus[0]) : rows.hvcRunC(vm.vcpus[0]) else { return }
                if implementation == "swift" { swift.append(elapsed) } else { c.append(elapsed) }
            }
        }
        rows.report(table: "exit", [("kind", "hvc"), ("exits", "\(plan.hvcOps * plan.batches)")], ops: plan.hvcOps, swift: swift, c: c)
    }
}

extension UserReadFallback {
    var token: String {
        switch self {
        case .notMapped: return "notMapped"
        case .unsupportedArchitecture: return "unsupportedArchitecture"
        case .noUserAccess: return "noUserAccess"
        case .notOnCounter: return "notOnCounter"
        case .invalidCounterWidth(let width): return "invalidCounterWidth-\(width)"
        case .pageUnstable: return "pageUnstable"
        }
    }
}
