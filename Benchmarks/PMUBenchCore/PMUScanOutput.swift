/// What `perf bench internals pmu-scan` prints: the average time of its core-PMU
/// scan and of its scan of every PMU (µs, over `-i` iterations).
public struct PMUScanOutput: Hashable, Sendable {
    public var coreMicroseconds: Double?
    public var allMicroseconds: Double?

    /// Reads `Average core PMU scanning took: 6.820 usec (+- 0.048 usec)` and
    /// `Average PMU scanning took: 306.210 usec (+- 79.434 usec)`.
    public static func parse(_ text: String) -> PMUScanOutput {
        var output = PMUScanOutput()
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            for (prefix, isCore) in [("Average core PMU scanning took:", true), ("Average PMU scanning took:", false)]
            where trimmed.hasPrefix(prefix) {
                let rest = trimmed.dropFirst(prefix.count).split(separator: " ")
                guard rest.count >= 2, rest[1] == "usec", let value = Double(rest[0]) else { continue }
                if isCore { output.coreMicroseconds = value } else { output.allMicroseconds = value }
            }
        }
        return output
    }
}
