import KVM
import PerfEvents
import PMUBenchCore

/// Runs the measurements a command line asked for and collects the rows.
struct BenchRunner {
    var interleaver: Interleaver
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

    /// Counter-read latency of every method on `pmu`, with the thread pinned to its CPUs if it has some.
    func measureReads(on pmu: PMU, into results: inout Results) {
        let events: [EventSpec]
        switch EventCatalog.events(for: pmu, resolver: resolver) {
        case .success(let found): events = found
        case .failure(let failure):
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: failure.description))
            return
        }
        let cpus = pmu.kind == .core || pmu.kind == .uncore ? pmu.cpus : nil
        var measured = Results()
        do {
            try Affinity.withCallingThread(on: cpus) {
                for method in LatencyMethod.allCases {
                    measure(method, on: pmu, events: events, into: &measured)
                }
            }
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: error.description))
        }
        results.append(measured)
        measureSampling(on: pmu, into: &results)  // SamplingOperations.swift: tracepoint PMU only
    }

    private func measure(_ method: LatencyMethod, on pmu: PMU, events: [EventSpec], into results: inout Results) {
        let operation: ReadOperation
        do {
            operation = try ReadOperations.make(pmu: pmu.name, events: events, method: method)
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: whatName(method), reason: error.description))
            return
        }
        defer { operation.tearDown() }
        var loops: [(Implementation, SampleLoop)] = [(.swift, operation.swift)]
        if let c = operation.c { loops.append((.c, c)) }
        loops.append((.syscallFloor, syscallFloorLoop))
        progress.step("read \(pmu.name) \(method.rawValue)")
        let outcomes = interleaver.run(loops, progress: progress.fraction)
        for (implementation, _) in loops {
            guard let outcome = outcomes[implementation] else { continue }
            if let failure = outcome.failure {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu.name, what: "\(whatName(method)) (\(implementation.rawValue))",
                    reason: "the timed loop failed: \(describeFailure(failure))"))
                continue
            }
            guard let summary = outcome.recorder.summary else { continue }
            results.readLatency.append(ReadLatencyRow(
                pmu: pmu.name, event: operation.event, method: method.rawValue, implementation: implementation,
                ns: summary, samples: outcome.recorder.count))
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
                    pmu: ExitLatencyRow.allCPUs, what: "host cycles on the VCPU thread", reason: error.description))
                return .success(nil)
            }
            results.unavailable.append(UnavailableRow(pmu: cpus.description, what: "guest exits", reason: error.description))
            return .failure(error)
        }
    }

    /// Guest-exit latency of every exit kind on a VCPU thread pinned to the
    /// binding's CPUs (without a core PMU: to `cpus`), moved back afterwards.
    func measureExits(binding: PMUBinding?, cpus: CPUSet, into results: inout Results) {
        let name = binding?.pmu.name ?? ExitLatencyRow.allCPUs
        let threadCPUs = binding?.cpus ?? cpus
        guard FileSystem().exists("/dev/kvm") else {
            results.unavailable.append(UnavailableRow(pmu: name, what: "guest exits",
                                                      reason: "/dev/kvm does not exist (no KVM on this machine)"))
            return
        }
        var measured = Results()
        do {
            try Affinity.withCallingThread(on: threadCPUs) {
                let cycles = hostCycleCounter(binding?.pmu, into: &measured)
                for kind in ExitKind.forThisArchitecture {
                    measure(kind, name: name, cpus: threadCPUs, pmu: binding?.pmu, cycles: cycles, into: &measured)
                }
            }
        } catch {
            results.unavailable.append(UnavailableRow(pmu: name, what: "guest exits", reason: error.description))
            return
        }
        results.append(measured)
        for (what, reason) in ExitKind.ofOtherArchitectures {
            results.unavailable.append(UnavailableRow(pmu: name, what: what, reason: reason))
        }
    }

    /// The chosen core PMU's cycle counter on the VCPU thread, opened with the
    /// PMU's own type (`pmu/cycles-alias/`); nil, with the reason recorded, where none.
    private func hostCycleCounter(_ pmu: PMU?, into results: inout Results) -> Counter? {
        guard let pmu else { return nil }
        let what = "host cycles on the VCPU thread"
        guard let alias = Resolver.ownAlias(forHardwareEvent: 0, on: pmu)?.name else {
            results.unavailable.append(UnavailableRow(
                pmu: pmu.name, what: what, reason: "\(pmu.name) has no cycles alias in sysfs (events/cpu-cycles)"))
            return nil
        }
        do {
            guard let event = try resolver.resolve("\(pmu.name)/\(alias)/").first?.events.first,
                  event.attributes.type == pmu.type else {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu.name, what: what, reason: "\(pmu.name)/\(alias)/ did not resolve to type \(pmu.type)"))
                return nil
            }
            return try Counter(label: "\(pmu.name)/\(alias)/", attributes: event.attributes, pmu: pmu,
                               options: CounterOptions(target: .callingThread, startDisabled: false,
                                                       machineHasCorePMU: true))
        } catch let error as ResolutionError {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: what, reason: error.description))
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: what, reason: "\(error)"))
        }
        return nil
    }

    private func measure(_ kind: ExitKind, name pmu: String, cpus: CPUSet, pmu corePMU: PMU?, cycles: Counter?,
                         into results: inout Results) {
        let loopLength = kind.returnsToUserSpace ? 1 : ExitOperations.inKernelLoopLength
        let operation: ExitOperation
        do {
            operation = try ExitOperations.make(kind: kind, loopLength: loopLength, pmu: corePMU,
                                                resolver: resolver, flavour: flavour)
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: "exit \(kind.rawValue)", reason: error.description))
            return
        }
        defer { operation.tearDown() }
        var tracepoint: TracepointCounter?
        do {
            tracepoint = try TracepointCounter(kind.tracepoint, resolver: resolver)
        } catch {
            results.unavailable.append(UnavailableRow(
                pmu: pmu, what: "exit tracepoint \(kind.tracepoint)", reason: error.description))
        }
        let userspaceExits = try? TracepointCounter("kvm:kvm_userspace_exit", resolver: resolver)
        var loops: [(Implementation, SampleLoop)] = [(.swift, operation.swift)]
        if let c = operation.c { loops.append((.c, c)) }
        progress.step("exit \(pmu) \(kind.rawValue)")
        // In-kernel samples each hold `loopLength` exits: fewer samples give the same exit count.
        var interleaver = self.interleaver
        if !kind.returnsToUserSpace {
            interleaver.iterations = max(1, interleaver.iterations / 100)
            interleaver.warmup = max(1, interleaver.warmup / 100)
            interleaver.blockSize = max(1, min(interleaver.blockSize, interleaver.iterations / 10))
        }
        // Hook order: the kind's tracepoint, kvm_userspace_exit, host cycles (those that exist).
        var hooks: [() -> UInt64] = []
        if let tracepoint { hooks.append { tracepoint.read() ?? 0 } }
        if let userspaceExits { hooks.append { userspaceExits.read() ?? 0 } }
        if let cycles { hooks.append { (try? cycles.read().raw) ?? 0 } }
        let outcomes = interleaver.run(loops, hooks: hooks, progress: progress.fraction)
        for (implementation, _) in loops {
            guard let outcome = outcomes[implementation] else { continue }
            if let failure = outcome.failure {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu, what: "exit \(kind.rawValue) (\(implementation.rawValue))",
                    reason: "the timed loop failed: \(describeFailure(failure))"))
                continue
            }
            guard let summary = outcome.recorder.summary else { continue }
            var totals = outcome.hookTotals[...]
            let byTracepoint = tracepoint.map { _ in totals.removeFirst() / max(1, operation.tracepointEventsPerExit) }
            let byUserspace = userspaceExits.map { _ in totals.removeFirst() }
            let hostCycles = cycles.map { _ in totals.removeFirst() }
            let samples = outcome.recorder.count
            results.exitLatency.append(ExitLatencyRow(
                pmu: pmu, cpus: cpus.description, kind: kind.rawValue, implementation: implementation,
                ns: summary, samples: samples, exits: samples * operation.exitsPerSample,
                exitsByTracepoint: byTracepoint, tracepoint: tracepoint?.name,
                userspaceExitsByTracepoint: byUserspace, hostCycles: hostCycles))
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
