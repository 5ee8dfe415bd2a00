/// Why the adapter cannot count: an event that did not resolve or open (its text
/// and the library's reason), or a metric the benchmark's configuration lacks.
public struct PMUMetricsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { "PMUBenchmarkMetrics: " + message }
}
