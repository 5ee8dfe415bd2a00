import KVM
import PerfEvents
import PMUBenchCore

/// Runs the measurements a command line asked for and collects the rows.
struct BenchRunner {
    var interleaver: Interleaver
    /// Each measurement is made this many times afresh (new counters, new VM),
    /// the interleaver's iterations split among them.
    var repetitions: Int = 1
    /// Read operations per timed sample (1: each timed alone).
    var batch: Int = 1
    /// Every PMU discovery found (exits choose among its core PMUs).
    var pmus: [PMU]
    var resolver: Resolver
    /// Which KVM, and the CPU vendor (picks VMCALL or VMMCALL).
    var flavour: KVMFlavour
    var progress: Progress

    /// What a run produced.
    struct Results {
        var timer: [TimerRow] = []
        var readLatency: [ReadLatencyRow] = []
        var exitLatency: [ExitLatencyRow] = []
        var unavailable: [UnavailableRow] = []
    }

    /// The cost of two back-to-back clock reads, in Swift and in C.
    func measureTimer(into results: inout Results) {
        progress.step("timer cost")
        let outcomes = interleaver.run([(.swift, swiftTimerLoop), (.c, cTimerLoop)])
        for implementation in [Implementation.swift, .c] {
            if let recorder = outcomes[implementation]?.recorder, let summary = recorder.summary {
                results.timer.append(TimerRow(implementation: implementation, ns: summary, samples: recorder.count))
            }
        }
    }

    /// The CPU a row's thread is pinned to: the first of `cpus` (a core PMU's)
    /// that the thread may use, else the first the thread may use.
    static func rowCPU(within cpus: CPUSet?) -> Int? {
        let allowed = (try? Affinity.current()) ?? CPUSet([0])
        let candidates = cpus.map { Array($0.cpus.filter { allowed.contains($0) }) } ?? Array(allowed.cpus)
        return candidates.first ?? cpus?.cpus.first
    }

    /// Counter-read latency of every method on `pmu`, the thread pinned to one
    /// CPU (one the PMU counts on, for a core or uncore PMU), recorded in the rows.
    func measureReads(on pmu: PMU, into results: inout Results) {
        let events: [EventSpec]
        switch EventCatalog.events(for: pmu, resolver: resolver) {
        case .success(let found): events = found
        case .failure(let failure):
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: failure.description,
                                                      condition: failure.condition))
            return
        }
        let cpu = Self.rowCPU(within: pmu.isCore || pmu.kind == .uncore ? pmu.cpus : nil)
        var measured = Results()
        do {
            try Affinity.withCallingThread(on: cpu.map { CPUSet([$0]) }) {
                for method in LatencyMethod.allCases {
                    measure(method, on: pmu, events: events, cpu: cpu, into: &measured)
                }
                measureSampling(on: pmu, into: &measured)  // SamplingOperations.swift: tracepoint PMU only
            }
        } catch {
            // Pinning to a CPU the thread may use: the benchmark's own failure.
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: error.description,
                                                      condition: nil))
        }
        // Every row of this PMU ran on `cpu`, the sampling rows too.
        for index in measured.readLatency.indices where measured.readLatency[index].data.cpu == nil {
            measured.readLatency[index].data.cpu = cpu
        }
        results.append(measured)
    }

    /// The interleaver for one repetition: the iterations split among them.
    var repetitionInterleaver: Interleaver {
        var one = interleaver
        one.iterations = max(1, (interleaver.iterations + repetitions - 1) / max(1, repetitions))
        one.blockSize = min(one.blockSize, one.iterations)
        return one
    }

    private func measure(_ method: LatencyMethod, on pmu: PMU, events: [EventSpec], cpu: Int?,
                         into results: inout Results) {
        var merged: [Implementation: Interleaver.Outcome] = [:]
        var label = ""
        var implementations: [Implementation] = []
        progress.step("read \(pmu.name) \(method.rawValue)")
        for _ in 0..<max(1, repetitions) {
            let operation: ReadOperation
            do {
                operation = try ReadOperations.make(pmu: pmu.name, events: events, method: method, batch: batch)
            } catch {
                results.unavailable.append(UnavailableRow(pmu: pmu.name, what: whatName(method), reason: error.description,
                                                          condition: error.condition))
                return
            }
            defer { operation.tearDown() }
            var loops: [(Implementation, SampleLoop)] = [(.swift, operation.swift)]
            if let c = operation.c { loops.append((.c, c)) }
            loops.append((.syscallFloor, syscallFloorLoop))
            label = operation.event
            implementations = loops.map(\.0)
            let outcomes = repetitionInterleaver.run(loops, progress: progress.fraction)
            for (implementation, outcome) in outcomes {
                if merged[implementation] == nil { merged[implementation] = outcome } else { merged[implementation]?.absorb(outcome) }
            }
        }
        Self.appendReadRows(merged, implementations, pmu: pmu.name, event: label, method: method.rawValue,
                            cpu: cpu, batch: method == .userSpace ? 1 : batch, into: &results)
    }

    /// One read row per implementation that measured (with its raw data: block medians
    /// for the paired ratio, the histogram for merging repetitions), or an unavailable
    /// row saying why its loop failed, named as the row would have been (`task-clock
    /// read-single (swift)`) and without a host condition: a loop that fails is what the
    /// gate guards. The read rows and the sampling rows both report here.
    static func appendReadRows(_ outcomes: [Implementation: Interleaver.Outcome], _ implementations: [Implementation],
                               pmu: String, event: String, method: String, cpu: Int?, batch: Int,
                               into results: inout Results) {
        for implementation in implementations {
            guard let outcome = outcomes[implementation] else { continue }
            if let failure = outcome.failure {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu, what: "\(event) \(method) (\(implementation.rawValue))",
                    reason: "the timed loop failed: \(describeFailure(failure))", condition: nil))
                continue
            }
            guard let summary = outcome.recorder.summary else { continue }
            results.readLatency.append(ReadLatencyRow(
                pmu: pmu, event: event, method: method, implementation: implementation,
                ns: summary, samples: outcome.recorder.count,
                data: RowData(cpu: cpu, blockMedians: outcome.blockMedians, histogram: outcome.recorder.recordedPairs,
                              batch: batch)))
        }
    }

    private func whatName(_ method: LatencyMethod) -> String {
        switch method {
        case .single: return "read() of one counter"
        case .group2: return "read() of a group of 2"
        case .group4: return "read() of a group of 4"
        case .userSpace: return "user-space read"
        case .enableDisable: return "enable+disable ioctl pair"
        }
    }

    /// The binding of the VCPU threads on `cpus`: the core PMU PMUChoice picks,
    /// on all of its CPUs (the placement rule's default). `.success(nil)`: the
    /// host has no core PMU, the VCPU runs on all of `cpus` (row `all-cpus`) and
    /// the reason lands in `unavailable`; `.failure`: no exits on these CPUs.
    func binding(for cpus: CPUSet, into results: inout Results) -> Result<PMUBinding?, PMUChoiceError> {
        do {
            let pmu = try PMUChoice.choose(from: pmus, for: cpus)
            return .success(try PMUBinding.choose(from: pmus, wholeOf: pmu, cpus: cpus))
        } catch {
            if case .noCorePMU = error.reason {
                results.unavailable.append(UnavailableRow(
                    pmu: ExitLatencyRow.allCPUs, what: "host cycles on the VCPU thread", reason: error.description,
                    condition: .noCorePMU))
                return .success(nil)
            }
            // CPUs that straddle, are not covered by or are ambiguous among core PMUs: a
            // placement the benchmark asked for and could not make.
            results.unavailable.append(UnavailableRow(pmu: cpus.description, what: "guest exits", reason: error.description,
                                                      condition: nil))
            return .failure(error)
        }
    }

    /// Guest-exit latency of every exit kind on a VCPU thread pinned to one CPU
    /// of the binding's (without a core PMU: of `cpus`), moved back afterwards.
    func measureExits(binding: PMUBinding?, cpus: CPUSet, into results: inout Results) {
        let name = binding?.pmu.name ?? ExitLatencyRow.allCPUs
        let threadCPUs = binding?.cpus ?? cpus
        guard FileSystem().exists("/dev/kvm") else {
            results.unavailable.append(UnavailableRow(pmu: name, what: "guest exits",
                                                      reason: "/dev/kvm does not exist (no KVM on this machine)",
                                                      condition: .noKVM))
            return
        }
        let cpu = Self.rowCPU(within: threadCPUs)
        var measured = Results()
        do {
            try Affinity.withCallingThread(on: cpu.map { CPUSet([$0]) } ?? threadCPUs) {
                let cycles = hostCycleCounter(binding?.pmu, into: &measured)
                for kind in ExitKind.forThisArchitecture {
                    measure(kind, name: name, cpus: threadCPUs, cpu: cpu, pmu: binding?.pmu, cycles: cycles,
                            into: &measured)
                }
            }
        } catch {
            results.unavailable.append(UnavailableRow(pmu: name, what: "guest exits", reason: error.description,
                                                      condition: nil))
            return
        }
        results.append(measured)
        for (what, reason) in ExitKind.ofOtherArchitectures {
            results.unavailable.append(UnavailableRow(pmu: name, what: what, reason: reason, condition: .otherArchitecture))
        }
    }

    /// The chosen core PMU's cycle counter on the VCPU thread, opened with the
    /// PMU's own type (`pmu/cycles-alias/`); nil, with the reason recorded, where none.
    private func hostCycleCounter(_ pmu: PMU?, into results: inout Results) -> Counter? {
        guard let pmu else { return nil }
        let what = "host cycles on the VCPU thread"
        guard let alias = HardwareEvent.cycles.nativeAlias(on: pmu)?.name else {
            results.unavailable.append(UnavailableRow(
                pmu: pmu.name, what: what, reason: "\(pmu.name) has no cycles alias in sysfs (events/cpu-cycles)",
                condition: .eventNotOnHost))
            return nil
        }
        do {
            let event = try resolver.event(alias: alias, on: pmu)
            guard event.attributes.type == pmu.type else {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu.name, what: what, reason: "\(event.text) did not resolve to type \(pmu.type)",
                    condition: nil))
                return nil
            }
            return try Counter(event, options: CounterOptions(target: .callingThread, startDisabled: false,
                                                              machineHasCorePMU: true))
        } catch let error as ResolutionError {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: what, reason: error.description,
                                                      condition: HostCondition.of(error)))
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: what, reason: "\(error)",
                                                      condition: HostCondition.of(error)))
        }
        return nil
    }

    private func measure(_ kind: ExitKind, name pmu: String, cpus: CPUSet, cpu: Int?, pmu corePMU: PMU?,
                         cycles: Counter?, into results: inout Results) {
        let loopLength = kind.returnsToUserSpace ? 1 : ExitOperations.inKernelLoopLength
        var tracepoint: TracepointCounter?
        do {
            tracepoint = try TracepointCounter(kind.tracepoint, resolver: resolver)
        } catch {
            results.unavailable.append(UnavailableRow(
                pmu: pmu, what: "exit tracepoint \(kind.tracepoint)", reason: error.description,
                condition: error.condition))
        }
        let userspaceExits = try? TracepointCounter("kvm:kvm_userspace_exit", resolver: resolver)
        let allExits = try? TracepointCounter("kvm:kvm_exit", resolver: resolver)
        progress.step("exit \(pmu) \(kind.rawValue)")
        // In-kernel samples each hold `loopLength` exits: fewer samples give the same exit count.
        var interleaver = repetitionInterleaver
        if !kind.returnsToUserSpace {
            interleaver.iterations = max(1, interleaver.iterations / 100)
            interleaver.warmup = max(1, interleaver.warmup / 100)
            interleaver.blockSize = max(1, min(interleaver.blockSize, interleaver.iterations / 10))
        }
        // Hook order: the kind's tracepoint, kvm_userspace_exit, kvm_exit, host cycles (those that exist).
        var hooks: [() -> UInt64] = []
        if let tracepoint { hooks.append { tracepoint.read() ?? 0 } }
        if let userspaceExits { hooks.append { userspaceExits.read() ?? 0 } }
        if let allExits { hooks.append { allExits.read() ?? 0 } }
        if let cycles { hooks.append { (try? cycles.read().raw) ?? 0 } }
        var merged: [Implementation: Interleaver.Outcome] = [:]
        var implementations: [Implementation] = []
        var eventsPerExit: UInt64 = 1
        var exitsPerSample: UInt64 = 1
        for _ in 0..<max(1, repetitions) {
            let operation: ExitOperation
            do {
                operation = try ExitOperations.make(kind: kind, loopLength: loopLength, pmu: corePMU,
                                                    resolver: resolver, flavour: flavour)
            } catch {
                results.unavailable.append(UnavailableRow(pmu: pmu, what: "exit \(kind.rawValue)", reason: error.description,
                                                          condition: error.condition))
                return
            }
            defer { operation.tearDown() }
            var loops: [(Implementation, SampleLoop)] = [(.swift, operation.swift)]
            if let c = operation.c { loops.append((.c, c)) }
            if let floor = operation.floor { loops.append((.syscallFloor, floor)) }
            implementations = loops.map(\.0)
            eventsPerExit = max(1, operation.tracepointEventsPerExit)
            exitsPerSample = operation.exitsPerSample
            let outcomes = interleaver.run(loops, hooks: hooks, progress: progress.fraction)
            for (implementation, outcome) in outcomes {
                if merged[implementation] == nil { merged[implementation] = outcome } else { merged[implementation]?.absorb(outcome) }
            }
        }
        for implementation in implementations {
            guard let outcome = merged[implementation] else { continue }
            if let failure = outcome.failure {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu, what: "exit \(kind.rawValue) (\(implementation.rawValue))",
                    reason: "the timed loop failed: \(describeFailure(failure))", condition: nil))
                continue
            }
            guard let summary = outcome.recorder.summary else { continue }
            var totals = outcome.hookTotals[...]
            let byTracepoint = tracepoint.map { _ in totals.removeFirst() / eventsPerExit }
            let byUserspace = userspaceExits.map { _ in totals.removeFirst() }
            let byExit = allExits.map { _ in totals.removeFirst() }
            let hostCycles = cycles.map { _ in totals.removeFirst() }
            let samples = outcome.recorder.count
            results.exitLatency.append(ExitLatencyRow(
                pmu: pmu, cpus: cpus.description, kind: kind.rawValue, implementation: implementation,
                // The floor never enters the guest: no exits (its tracepoint count must stay 0).
                ns: summary, samples: samples, exits: implementation == .syscallFloor ? 0 : samples * exitsPerSample,
                exitsByTracepoint: byTracepoint, tracepoint: tracepoint?.name,
                userspaceExitsByTracepoint: byUserspace, allExitsByTracepoint: byExit, hostCycles: hostCycles,
                data: RowData(cpu: cpu, blockMedians: outcome.blockMedians, histogram: outcome.recorder.recordedPairs,
                              batch: Int(exitsPerSample))))
        }
    }
}

extension BenchRunner.Results {
    /// Adds `other`'s rows after this one's.
    mutating func append(_ other: BenchRunner.Results) {
        timer += other.timer
        readLatency += other.readLatency
        exitLatency += other.exitLatency
        unavailable += other.unavailable
    }
}

/// A timed loop's failure code in words.
func describeFailure(_ code: Int64) -> String {
    if code < 0 { return "\(Errno(rawValue: Int32(truncatingIfNeeded: -code)))" }
    if code >= 1000 { return "KVM_RUN returned exit reason \(code - 1000) instead of the expected exit" }
    if code == ExitOperations.timedOutCode {
        return "the block's deadline (\(ExitOperations.formatSeconds(ExitOperations.blockLimit))) stopped KVM_RUN: the guest stopped exiting"
    }
    return "code \(code)"
}
