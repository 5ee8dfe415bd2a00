/// Swift against C (or any two implementations) as a paired comparison: the
/// implementations run in alternating blocks, so block *i* of one and block
/// *i* of the other saw the same machine; the ratio of their block medians
/// cancels the drift between blocks. The estimate is the median of those
/// per-block ratios, and its 95 % confidence interval comes from a two-level
/// bootstrap: repetitions resampled, then blocks within each, so both the
/// noise between blocks and the larger noise between runs widen it.
public struct RatioEstimate: Codable, Hashable, Sendable {
    /// The median of the paired per-block ratios.
    public var value: Double
    /// The bootstrap 95 % interval of that median.
    public var low: Double
    public var high: Double
    /// Pairs of blocks, and the repetitions they came from.
    public var blocks: Int
    public var repetitions: Int

    public init(value: Double, low: Double, high: Double, blocks: Int, repetitions: Int) {
        self.value = value
        self.low = low
        self.high = high
        self.blocks = blocks
        self.repetitions = repetitions
    }

    /// Whether `other`'s interval and this one's share a value.
    public func overlaps(_ other: RatioEstimate) -> Bool { low <= other.high && other.low <= high }
}

public enum PairedRatio {
    /// Per repetition, the ratio of each block median of `numerator` to the
    /// block median at the same position of `denominator` (as many as both
    /// have; a zero denominator block is skipped).
    public static func blockRatios(_ numerator: [[UInt64]], _ denominator: [[UInt64]]) -> [[Double]] {
        zip(numerator, denominator).map { top, bottom in
            zip(top, bottom).compactMap { a, b in b == 0 ? nil : Double(a) / Double(b) }
        }
    }

    /// The median of every ratio with its bootstrap 95 % interval; nil when
    /// there is no ratio at all.
    public static func estimate(_ ratios: [[Double]], resamples: Int = 2_000, seed: UInt64 = 0x5EED) -> RatioEstimate? {
        let repetitions = ratios.filter { !$0.isEmpty }
        let all = repetitions.flatMap { $0 }
        guard !all.isEmpty else { return nil }
        let value = median(all)
        var generator = SeededGenerator(seed: seed)
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        var sample: [Double] = []
        sample.reserveCapacity(all.count)
        for _ in 0..<resamples {
            sample.removeAll(keepingCapacity: true)
            for _ in repetitions.indices {
                let blocks = repetitions[Int.random(in: 0..<repetitions.count, using: &generator)]
                for _ in blocks.indices {
                    sample.append(blocks[Int.random(in: 0..<blocks.count, using: &generator)])
                }
            }
            medians.append(median(sample))
        }
        medians.sort()
        return RatioEstimate(value: value, low: quantile(sorted: medians, 0.025), high: quantile(sorted: medians, 0.975),
                             blocks: all.count, repetitions: repetitions.count)
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The `q` quantile of sorted values, interpolated linearly.
    static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let position = q * Double(sorted.count - 1)
        let below = Int(position)
        let above = Swift.min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// The median of a block of samples (the upper middle for an even count):
    /// what the interleaver keeps of each block.
    public static func blockMedian(_ samples: UnsafeBufferPointer<UInt64>) -> UInt64 {
        guard !samples.isEmpty else { return 0 }
        var sorted = Array(samples)
        sorted.sort()
        return sorted[sorted.count / 2]
    }
}
