import Histogram

/// The distribution of one set of latency samples, in nanoseconds, as the
/// report carries it: the extremes, the percentiles that matter for a
/// syscall-sized operation, and the moments.
public struct LatencySummary: Codable, Hashable, Sendable {
    public var min: UInt64
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
    public var mean: Double
    public var stddev: Double

    public init(min: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64,
                mean: Double, stddev: Double) {
        self.min = min
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
        self.stddev = stddev
    }

    /// The summary of a recorded histogram (values at HdrHistogram's three
    /// significant digits: p50 is exact to 0.1 %, enough for a 1.03 ratio).
    public init(_ histogram: Histogram<UInt64>) {
        self.init(
            min: histogram.min, p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
            p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9),
            max: histogram.max, mean: histogram.mean, stddev: histogram.stdDeviation)
    }
}

/// Collects latency samples (ns) into an HdrHistogram, block after block.
public struct LatencyRecorder: Sendable {
    /// 60 s: anything longer is a stuck system, not a latency; it is clamped and counted.
    public static let highestTrackable: UInt64 = 60_000_000_000

    public private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestTrackable,
        numberOfSignificantValueDigits: .three)
    /// Samples above ``highestTrackable`` (recorded as that value).
    public private(set) var clamped: UInt64 = 0

    public init() {}

    /// Records every sample of a block.
    public mutating func record(_ samples: UnsafeBufferPointer<UInt64>) {
        for value in samples { record(value) }
    }

    /// Records `count` samples of `value` (a histogram's `[value, count]` pair).
    public mutating func record(_ value: UInt64, count: UInt64) {
        guard count > 0 else { return }
        var value = value
        if value > Self.highestTrackable {
            value = Self.highestTrackable
            clamped += count
        }
        _ = histogram.record(value, count: count)
    }

    /// Records one sample.
    public mutating func record(_ value: UInt64) {
        var value = value
        if value > Self.highestTrackable {
            value = Self.highestTrackable
            clamped += 1
        }
        _ = histogram.record(value)
    }

    /// Adds every sample `other` recorded.
    public mutating func merge(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
        clamped += other.clamped
    }

    /// The recorded values as `[value, count]` pairs, smallest first: the raw
    /// distribution a report keeps.
    public var recordedPairs: [[UInt64]] {
        var pairs: [[UInt64]] = []
        for entry in histogram.recordedValues() {
            pairs.append([entry.value, UInt64(entry.count)])
        }
        return pairs
    }

    /// How many samples were recorded.
    public var count: UInt64 { histogram.totalCount }

    /// The summary, or nil when nothing was recorded (never a silent zero).
    public var summary: LatencySummary? {
        count == 0 ? nil : LatencySummary(histogram)
    }
}
