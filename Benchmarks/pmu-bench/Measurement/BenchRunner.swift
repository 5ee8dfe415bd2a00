import PerfEvents
import PMUBenchCore

/// Runs the measurements a command line asked for and collects the rows.
struct BenchRunner {
    var interleaver: Interleaver
    var fileSystem: FileSystem
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
        switch EventCatalog.events(for: pmu, fileSystem: fileSystem) {
        case .success(let found): events = found
        case .failure(let failure):
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: failure.description))
            return
        }
        let cpus = pmu.kind == .core || pmu.kind == .uncore ? pmu.cpus : nil
        let pinned = Affinity.withPinnedThread(to: cpus) {
            for method in LatencyMethod.allCases {
                measure(method, on: pmu, events: events, into: &results)
            }
        }
        if case .failure(let failure) = pinned {
            results.unavailable.append(UnavailableRow(pmu: pmu.name, what: "counter reads", reason: failure.description))
        }
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

    /// Guest-exit latency of every exit kind, the vCPU thread pinned to `cpus`.
    func measureExits(pmu: String, cpus: CPUSet, into results: inout Results) {
        guard fileSystem.exists("/dev/kvm") else {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: "guest exits",
                                                      reason: "/dev/kvm does not exist (no KVM on this machine)"))
            return
        }
        let pinned = Affinity.withPinnedThread(to: cpus) {
            for kind in ExitKind.forThisArchitecture {
                measure(kind, pmu: pmu, cpus: cpus, into: &results)
            }
        }
        if case .failure(let failure) = pinned {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: "guest exits", reason: failure.description))
        }
    }

    private func measure(_ kind: ExitKind, pmu: String, cpus: CPUSet, into results: inout Results) {
        let loopLength = kind.returnsToUserSpace ? 1 : ExitOperations.inKernelLoopLength
        let operation: ExitOperation
        do {
            operation = try ExitOperations.make(kind: kind, loopLength: loopLength)
        } catch {
            results.unavailable.append(UnavailableRow(pmu: pmu, what: "exit \(kind.rawValue)", reason: error.description))
            return
        }
        defer { operation.tearDown() }
        var tracepoint: TracepointCounter?
        do {
            tracepoint = try TracepointCounter(kind.tracepoint, fileSystem: fileSystem)
        } catch {
            results.unavailable.append(UnavailableRow(
                pmu: pmu, what: "exit tracepoint \(kind.tracepoint)", reason: error.description))
        }
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
        let hook: (() -> UInt64)? = tracepoint.map { counter in { counter.read() ?? 0 } }
        let outcomes = interleaver.run(loops, hook: hook, progress: progress.fraction)
        for (implementation, _) in loops {
            guard let outcome = outcomes[implementation] else { continue }
            if let failure = outcome.failure {
                results.unavailable.append(UnavailableRow(
                    pmu: pmu, what: "exit \(kind.rawValue) (\(implementation.rawValue))",
                    reason: "the timed loop failed: \(describeFailure(failure))"))
                continue
            }
            guard let summary = outcome.recorder.summary else { continue }
            let samples = outcome.recorder.count
            results.exitLatency.append(ExitLatencyRow(
                pmu: pmu, cpus: cpus.description, kind: kind.rawValue, implementation: implementation, ns: summary,
                samples: samples, exits: samples * operation.exitsPerSample,
                exitsByTracepoint: tracepoint.map { _ in outcome.hookTotal / max(1, operation.tracepointEventsPerExit) },
                tracepoint: tracepoint?.name))
        }
    }
}

/// A timed loop's failure code in words.
func describeFailure(_ code: Int64) -> String {
    if code < 0 { return "\(Errno(rawValue: Int32(truncatingIfNeeded: -code)))" }
    if code >= 1000 { return "KVM_RUN returned exit reason \(code - 1000) instead of the expected exit" }
    return "code \(code)"
}
