/// Which 64-bit word of `perf_event_attr` a format term lives in.
public enum ConfigWord: Int, Hashable, Sendable, CaseIterable, Comparable {
    case config = 0, config1, config2, config3

    /// The name used in sysfs format files.
    public var name: String {
        switch self {
        case .config: return "config"
        case .config1: return "config1"
        case .config2: return "config2"
        case .config3: return "config3"
        }
    }

    public static func < (lhs: ConfigWord, rhs: ConfigWord) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A sysfs `format/<term>` file: where a term's value goes, bit by bit.
///
/// `config1:0,2,4,6,8,20-28` scatters a value's low bits over the listed
/// positions in order, lowest first, as the kernel and perf do.
public struct FormatField: Hashable, Sendable {
    /// The term name, such as `event`, `umask` or `cmask`.
    public var name: String
    /// The config word the bits belong to.
    public var word: ConfigWord
    /// The bit ranges, in the order they appear in the file.
    public var ranges: [ClosedRange<Int>]

    public init(name: String, word: ConfigWord, ranges: [ClosedRange<Int>]) {
        self.name = name
        self.word = word
        self.ranges = ranges
    }

    /// How many bits the field holds.
    public var width: Int { ranges.reduce(0) { $0 + $1.count } }

    /// The bits of the config word this field occupies.
    public var mask: UInt64 {
        var mask: UInt64 = 0
        for range in ranges {
            for bit in range { mask |= 1 << UInt64(bit) }
        }
        return mask
    }
}
