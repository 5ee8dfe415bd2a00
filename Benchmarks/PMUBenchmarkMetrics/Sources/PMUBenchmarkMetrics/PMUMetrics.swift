import Benchmark
import Foundation
import PerfEvents

/// PMU events as package-benchmark custom metrics: one metric per event and PMU
/// (`cpu_core/cycles`, `cpu_atom/cycles`, `task-clock`, …), counted only inside
/// ``measure(_:_:)``, one sample per iteration. An event that does not resolve or open
/// fails the benchmark with the event's name and the reason; none is left out.
///
/// ```swift
/// let pmu = PMUMetrics([.hardware(.cycles), .event(.software(.taskClock))])
/// Benchmark("work", configuration: .init(metrics: .default + pmu.metrics)) { benchmark in
///     pmu.measure(benchmark) {
///         for _ in benchmark.scaledIterations { blackHole(work()) }
///     }
/// }
/// ```
public final class PMUMetrics: @unchecked Sendable {
    /// The events counted, each with its metric, in the order asked.
    public let measured: [PMUMeasuredEvent]
    /// Requests that did not resolve (the request and the library's reason): a benchmark
    /// that measures with them fails with these.
    public let problems: [String]
    public let scope: PMUMetricScope
    private let machineHasCorePMU: Bool?
    private let lock = NSLock()
    private var counters: PMUCounterSet?

    /// Resolves every request on this machine's PMUs (sysfs and tracefs).
    public init(_ requests: [PMUEventRequest], scope: PMUMetricScope = .process) {
        self.scope = scope
        var problems: [String] = []
        var measured: [PMUMeasuredEvent] = []
        var resolver: Resolver?
        do {
            resolver = Resolver(pmus: try PMUDiscovery().discover().pmus)
        } catch {
            problems.append("cannot discover the PMUs: \(error)")
        }
        if let resolver {
            for request in requests {
                do {
                    for event in try Self.resolve(request, with: resolver) {
                        if measured.contains(where: { $0.name == event.name }) {
                            problems.append("\(event.name) is asked for twice")
                        } else {
                            measured.append(event)
                        }
                    }
                } catch {
                    problems.append("\(request): \(error)")
                }
            }
        }
        self.measured = measured
        self.problems = problems
        self.machineHasCorePMU = resolver.map { !$0.corePMUs.isEmpty }
    }

    /// The metrics to add to the benchmark's configuration (package-benchmark keeps only
    /// the custom metrics its configuration names).
    public var metrics: [BenchmarkMetric] { measured.map(\.metric) }

    /// The request's events: hardware and cache events once per core PMU, named `PMU/event`.
    /// With no core PMU, a hardware or cache event resolves as a bare name does (the legacy
    /// event, which the kernel refuses: the open reports it).
    static func resolve(_ request: PMUEventRequest, with resolver: Resolver) throws(ResolutionError) -> [PMUMeasuredEvent] {
        let cores = resolver.corePMUs
        switch request {
        case .hardware(let hardware) where !cores.isEmpty:
            return try cores.map { pmu throws(ResolutionError) in
                PMUMeasuredEvent(name: pmu.name + "/" + hardware.name, event: try resolver.event(hardware, on: pmu))
            }
        case .native(let hardware) where !cores.isEmpty:
            return try cores.map { pmu throws(ResolutionError) in
                PMUMeasuredEvent(name: pmu.name + "/" + hardware.name, event: try resolver.nativeEvent(hardware, on: pmu))
            }
        case .cache(let cache) where !cores.isEmpty:
            return try cores.map { pmu throws(ResolutionError) in
                PMUMeasuredEvent(name: pmu.name + "/" + cache.name, event: try resolver.event(cache, on: pmu))
            }
        case .hardware(let hardware), .native(let hardware):
            return try resolver.events(hardware).map { PMUMeasuredEvent(name: $0.label, event: $0) }
        case .cache(let cache):
            return try resolver.resolve(cache.name).flatMap(\.events).map { PMUMeasuredEvent(name: $0.label, event: $0) }
        case .tracepoint(let subsystem, let name):
            let event = try resolver.event(tracepoint: subsystem, name)
            return [PMUMeasuredEvent(name: event.label, event: event)]
        case .event(let event):
            return [PMUMeasuredEvent(name: event.label, event: event)]
        }
    }

    /// Counts `body` (the measured region) and records one sample per event. The counters
    /// open on the benchmark's first call (a warmup iteration by default), outside the region.
    /// A failure fails the benchmark (`Benchmark.error`) and `body` is not run.
    public func measure(_ benchmark: Benchmark, _ body: () throws -> Void) rethrows {
        guard let counters = prepare(benchmark) else { return }
        let before: [CounterValue]
        do { before = try counters.start() } catch { return fail(benchmark, error) }
        do {
            try body()
        } catch {
            _ = try? counters.stop(after: before)
            throw error
        }
        record(benchmark, counters: counters, before: before)
    }

    /// The same for an async body: with ``PMUMetricScope/process`` every thread it hops to counts.
    public func measure(_ benchmark: Benchmark, _ body: () async throws -> Void) async rethrows {
        guard let counters = prepare(benchmark) else { return }
        let before: [CounterValue]
        do { before = try counters.start() } catch { return fail(benchmark, error) }
        do {
            try await body()
        } catch {
            _ = try? counters.stop(after: before)
            throw error
        }
        record(benchmark, counters: counters, before: before)
    }

    /// Closes the counters (they also close when the next benchmark opens its own).
    public func close() {
        lock.withLock { counters = nil }
    }

    private func record(_ benchmark: Benchmark, counters: PMUCounterSet, before: [CounterValue]) {
        do {
            let counts = try counters.stop(after: before)
            for (event, count) in zip(measured, counts) {
                benchmark.measurement(event.metric, Int(clamping: count))
            }
        } catch {
            fail(benchmark, error)
        }
    }

    /// The counters for this benchmark, opened on its first call; nil (and the benchmark
    /// failed) when something cannot be counted.
    private func prepare(_ benchmark: Benchmark) -> PMUCounterSet? {
        lock.lock()
        defer { lock.unlock() }
        if !problems.isEmpty {
            fail(benchmark, PMUMetricsError(message: problems.joined(separator: "; ")))
            return nil
        }
        let missing = measured.filter { !benchmark.configuration.metrics.contains($0.metric) }
        if !missing.isEmpty {
            fail(benchmark, PMUMetricsError(message: "the benchmark's configuration.metrics lacks "
                + missing.map(\.name).joined(separator: ", ")
                + " (package-benchmark would drop them): add PMUMetrics.metrics"))
            return nil
        }
        if let counters, counters.benchmarkName == benchmark.name {
            if counters.scope == .callingThread && pthread_equal(counters.thread, pthread_self()) == 0 {
                fail(benchmark, PMUMetricsError(message: "measured on another thread than the one the counters"
                    + " follow (scope .callingThread); use .process for a body that changes threads"))
                return nil
            }
            return counters
        }
        counters = nil
        do {
            let opened = try PMUCounterSet(
                events: measured, scope: scope, machineHasCorePMU: machineHasCorePMU, benchmarkName: benchmark.name)
            counters = opened
            return opened
        } catch {
            fail(benchmark, error)
            return nil
        }
    }

    private func fail(_ benchmark: Benchmark, _ error: any Error) {
        let text = error is PMUMetricsError ? "\(error)" : "PMUBenchmarkMetrics: \(error)"
        if benchmark.failureReason == nil { benchmark.error(text) }
    }
}
