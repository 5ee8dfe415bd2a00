import Foundation
import PerfEvents

/// The counters of one benchmark: one per measured event, opened disabled on the
/// scope's threads, counting only between ``start()`` and ``stop(after:)``.
final class PMUCounterSet {
    let benchmarkName: String
    let scope: PMUMetricScope
    /// The thread that opened them (what ``PMUMetricScope/callingThread`` counts).
    let thread: pthread_t
    private let counters: [Counter]

    /// Opens every event; throws when any fails, naming each that failed (its metric name
    /// and the library's reason: ``CounterError``'s description, with the event's attributes,
    /// errno and advice), one a line.
    init(events: [PMUMeasuredEvent], scope: PMUMetricScope, machineHasCorePMU: Bool?, benchmarkName: String) throws {
        self.benchmarkName = benchmarkName
        self.scope = scope
        self.thread = pthread_self()
        var counters: [Counter] = []
        var failures: [String] = []
        for measured in events {
            do {
                counters.append(try Self.open(measured, scope: scope, machineHasCorePMU: machineHasCorePMU))
            } catch {
                failures.append((error as? PMUMetricsError)?.message ?? "\(measured.name): \(error)")
            }
        }
        guard failures.isEmpty else {
            throw PMUMetricsError(message: failures.joined(separator: "\nPMUBenchmarkMetrics: "))
        }
        self.counters = counters
    }

    private static func open(_ measured: PMUMeasuredEvent, scope: PMUMetricScope, machineHasCorePMU: Bool?) throws -> Counter {
        // A thread listed in /proc/self/task may exit before its descriptor opens (ESRCH): list again.
        var attempts = 0
        while true {
            attempts += 1
            var options = CounterOptions(target: .callingThread, machineHasCorePMU: machineHasCorePMU)
            if scope == .process {
                options.target = .threads(try ProcessThreads.current())
                options.inherit = true
            }
            do {
                return try Counter(measured.event, options: options)
            } catch {
                if error.errno == .noSuchProcess && scope == .process && attempts < 3 { continue }
                throw PMUMetricsError(message: "\(measured.name): \(error)")
            }
        }
    }

    /// Reads every counter (disabled), then enables them: the values to subtract at the end.
    func start() throws(CounterError) -> [CounterValue] {
        var before: [CounterValue] = []
        before.reserveCapacity(counters.count)
        for counter in counters { before.append(try counter.read()) }
        for counter in counters { try counter.enable() }
        return before
    }

    /// Disables every counter (in reverse order: each counts the same enable/disable calls)
    /// and returns each one's count over the region.
    func stop(after before: [CounterValue]) throws(CounterError) -> [UInt64] {
        for counter in counters.reversed() { try counter.disable() }
        var counts: [UInt64] = []
        counts.reserveCapacity(counters.count)
        for (counter, start) in zip(counters, before) {
            counts.append(Self.count(from: start, to: try counter.read()))
        }
        return counts
    }

    /// The count between two readings: exact when the event ran the whole region, scaled
    /// when it was multiplexed, 0 when it never ran (a core PMU's event while the threads
    /// ran on another PMU's CPUs only).
    static func count(from start: CounterValue, to end: CounterValue) -> UInt64 {
        let raw = end.raw &- start.raw
        let enabled = end.timeEnabled &- start.timeEnabled
        let running = end.timeRunning &- start.timeRunning
        return CounterValue(raw: raw, timeEnabled: enabled, timeRunning: running).scaled ?? 0
    }
}
