import CPerfEvents
import KVM
import KVMGuestPrograms
import PerfEvents

/// Per-PMU latency samples (LAB_BENCH=1), as `fact bench …` lines of integer
/// nanosecond statistics that Tests/Lab/lab-bench.py turns into pmu-bench-lab/1 rows and the big/little table.
/// Emulated hardware: QEMU TCG (with -icount the guest's clock follows the
/// instruction count), so the numbers compare methods, not machines.
struct Bench {
    var lab: Lab
    static let readSamples = 1000
    static let mmioExits: UInt32 = 300
    static let hvcLoops = 20
    static let hvcPerLoop: UInt32 = 200

    func run() {
        timer()
        for pmu in [lab.little, lab.big] {
            guard lab.pin(to: pmu, step: "bench-pin") != nil else { continue }
            reads(pmu)
            exits(pmu)
        }
    }

    /// Prints the distribution of `samples` (nanoseconds).
    func report(_ fields: [(String, String)], _ samples: [UInt64]) {
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

    /// The cost of two back-to-back clock reads.
    func timer() {
        var samples: [UInt64] = []
        samples.reserveCapacity(Self.readSamples)
        for _ in 0..<Self.readSamples {
            let start = cpe_monotonic_raw_ns()
            let end = cpe_monotonic_raw_ns()
            samples.append(end &- start)
        }
        report([("table", "timer")], samples)
    }

    /// The events to read: `<pmu>/cpu_cycles/` (and `inst_retired` for a group of 2).
    func event(_ text: String, on pmu: PMU) -> CounterEvent? {
        let groups: [ResolvedGroup]
        do {
            groups = try lab.resolver.resolve(text)
        } catch {
            Out.error("bench-resolve", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        guard let resolved = groups.first?.events.first else { return nil }
        return CounterEvent(label: text, attributes: resolved.attributes, pmu: pmu)
    }

    func timed(_ body: () -> Bool) -> [UInt64] {
        var samples: [UInt64] = []
        samples.reserveCapacity(Self.readSamples)
        for _ in 0..<Self.readSamples {
            let start = cpe_monotonic_raw_ns()
            let ok = body()
            let end = cpe_monotonic_raw_ns()
            if !ok { return [] }
            samples.append(end &- start)
        }
        return samples
    }

    func reads(_ pmu: PMU) {
        let cyclesText = pmu.name + "/cpu_cycles/"
        guard let cycles = event(cyclesText, on: pmu),
              let instructions = event(pmu.name + "/inst_retired/", on: pmu),
              let userCycles = event(pmu.name + "/cpu_cycles,rdpmc=1/", on: pmu)
        else { return }
        let cpus = Out.cpus(pmu.cpus)
        do {
            let counter = try Counter(cycles)
            try counter.enable()
            report([("table", "read"), ("pmu", pmu.name), ("cpus", cpus), ("event", cyclesText), ("method", "read-single")],
                   timed { (try? counter.read()) != nil })
        } catch {
            Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
        }
        do {
            let group = try CounterGroup([cycles, instructions])
            try group.enable()
            report([("table", "read"), ("pmu", pmu.name), ("cpus", cpus), ("event", cyclesText + "+1"), ("method", "read-group-2")],
                   timed { (try? group.read()) != nil })
        } catch {
            Out.error("bench-read", [("pmu", pmu.name)], msg: error.description)
        }
        do {
            var options = CounterOptions()
            options.userSpaceReads = true
            let counter = try Counter(userCycles, options: options)
            try counter.enable()
            // The `userread` fact (method, value against read(2)) is UserSpaceRead.swift's, in every run.
            let first = try counter.readInUserSpace()
            var inUserSpace = 0
            let samples = timed {
                guard let reading = try? counter.readInUserSpace() else { return false }
                if reading.method == .userSpace { inUserSpace += 1 }
                return true
            }
            report([("table", "read"), ("pmu", pmu.name), ("cpus", cpus), ("event", userCycles.label),
                    ("method", "user-space-read"), ("how", first.method == .userSpace ? "mrs" : "read"),
                    ("user_space_reads", "\(inUserSpace)")], samples)
        } catch {
            Out.error("bench-userread", [("pmu", pmu.name)], msg: error.description)
        }
    }

    func exits(_ pmu: PMU) {
        let cpus = Out.cpus(pmu.cpus)
        // User-space exits: one KVM_RUN round trip per MMIO store.
        let mmio = ARM64Programs.mmioWrites(count: Self.mmioExits)
        if let vm = lab.makeVM(pmu: pmu, createOn: lab.cpus(of: pmu), program: mmio, step: "bench-mmio") {
            defer { vm.close() }
            let vcpu = vm.vcpus[0]
            var samples: [UInt64] = []
            var done = false
            let deadline: RunDeadline
            do { deadline = try RunDeadline(nanoseconds: Lab.runLimit) } catch {
                Out.error("bench-mmio", [("pmu", pmu.name)], msg: error.description)
                return
            }
            while !done && samples.count < Int(Self.mmioExits) + 10 {
                let start = cpe_monotonic_raw_ns()
                let exit: VCPUExit
                do { exit = try vcpu.run(before: deadline) } catch {
                    Out.error("bench-mmio", [("pmu", pmu.name)], msg: error.description)
                    return
                }
                let end = cpe_monotonic_raw_ns()
                switch exit {
                case .mmio: samples.append(end &- start)
                case .interrupted: continue
                default: done = true
                }
            }
            report([("table", "exit"), ("pmu", pmu.name), ("cpus", cpus), ("kind", "mmio"), ("exits", "\(samples.count)")], samples)
        }
        // In-kernel exits: a loop of HVCs KVM answers itself, timed per run and divided.
        var samples: [UInt64] = []
        var exits: UInt64 = 0
        for _ in 0..<Self.hvcLoops {
            let program = ARM64Programs.hvcLoop(count: Self.hvcPerLoop)
            guard let vm = lab.makeVM(pmu: pmu, createOn: lab.cpus(of: pmu), program: program, step: "bench-hvc") else { return }
            defer { vm.close() }
            let start = cpe_monotonic_raw_ns()
            var exit: VCPUExit = .interrupted
            while case .interrupted = exit {
                do { exit = try vm.vcpus[0].run(timeLimit: Lab.runLimit) } catch {
                    Out.error("bench-hvc", [("pmu", pmu.name)], msg: error.description)
                    return
                }
            }
            let end = cpe_monotonic_raw_ns()
            guard case .mmio = exit else {
                Out.error("bench-hvc", [("pmu", pmu.name)], msg: "expected the loop's MMIO report, got " + exit.kind)
                return
            }
            samples.append((end &- start) / UInt64(Self.hvcPerLoop))
            exits += UInt64(Self.hvcPerLoop)
        }
        report([("table", "exit"), ("pmu", pmu.name), ("cpus", cpus), ("kind", "hvc"), ("exits", "\(exits)")], samples)
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
