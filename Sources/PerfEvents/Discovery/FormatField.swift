/// Which 64-bit word of `perf_event_attr` a format term lives in.
package enum ConfigWord: Int, Hashable, Sendable, CaseIterable, Comparable {
    case config = 0, config1, config2, config3

    /// The name used in sysfs format files.
    package var name: String {
        switch self {
        case .config: return "config"
        case .config1: return "config1"
        case .config2: return "config2"
        case .config3: return "config3"
        }
    }

    /// The word called `name` in a format file (`config`, `config1`, `config2`, `config3`).
    package init?(name: String) {
        switch name {
        case "config": self = .config
        case "config1": self = .config1
        case "config2": self = .config2
        case "config3": self = .config3
        default: return nil
        }
    }

    package static func < (lhs: ConfigWord, rhs: ConfigWord) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A sysfs `format/<term>` file: where a term's value goes, bit by bit.
///
/// `config1:0,2,4,6,8,20-28` scatters a value's low bits over the listed
/// positions in ascending bit order, lowest value bit first, as perf does
/// (`pmu_format_value` walks the field's bit map from bit 0 up), so the
/// order of the ranges in the file does not matter.
package struct FormatField: Hashable, Sendable, CustomStringConvertible {
    /// The term name, such as `event`, `umask` or `cmask`.
    package var name: String
    /// The config word the bits belong to.
    package var word: ConfigWord
    /// The bit ranges; ``init(name:parsing:)`` sorts them in ascending order.
    package var ranges: [ClosedRange<Int>]

    /// A field of `word` made of `ranges` (bits 0…63), taken as given.
    package init(name: String, word: ConfigWord, ranges: [ClosedRange<Int>]) {
        self.name = name
        self.word = word
        self.ranges = ranges
    }

    /// Parses the content of a sysfs format file, such as `config:0-7`,
    /// `config1:0,2,4,6,8,20-28` or `config:18`, for the term `name`.
    ///
    /// Surrounding white space (the trailing newline, a carriage return) is
    /// ignored. Bits are decimal, 0…63; a range is `low-high` with
    /// `low <= high`; ranges of one field must not overlap.
    package init(name: String, parsing spec: String) throws(FormatSpecError) {
        let text = trimmed(spec)
        func failure(_ part: String, _ problem: FormatSpecError.Problem) -> FormatSpecError {
            FormatSpecError(term: name, spec: text, part: part, problem: problem)
        }
        if text.isEmpty { throw failure("", .empty) }
        let sides = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard sides.count == 2 else { throw failure(text, .missingColon) }
        let wordName = String(sides[0])
        guard let word = ConfigWord(name: wordName) else { throw failure(wordName, .unknownWord(wordName)) }
        let list = String(sides[1])
        if list.isEmpty { throw failure(text, .noBits) }
        var ranges: [ClosedRange<Int>] = []
        for piece in list.split(separator: ",", omittingEmptySubsequences: false) {
            let part = String(piece)
            if part.isEmpty { throw failure(part, .emptyElement) }
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            switch bounds.count {
            case 1:
                let bit = try Self.bit(String(bounds[0]), part: part, failure)
                ranges.append(bit...bit)
            case 2:
                let low = try Self.bit(String(bounds[0]), part: part, failure)
                let high = try Self.bit(String(bounds[1]), part: part, failure)
                if low > high { throw failure(part, .backwardsRange(low: low, high: high)) }
                ranges.append(low...high)
            default:
                throw failure(part, .notABit(part))
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        for index in ranges.indices.dropFirst() where ranges[index].lowerBound <= ranges[index - 1].upperBound {
            throw failure(
                Self.rangeText(ranges[index]),
                .overlappingRanges(Self.rangeText(ranges[index - 1]), Self.rangeText(ranges[index])))
        }
        self.init(name: name, word: word, ranges: ranges)
    }

    private static func bit(
        _ text: String, part: String, _ failure: (String, FormatSpecError.Problem) -> FormatSpecError
    ) throws(FormatSpecError) -> Int {
        if text.isEmpty || !text.utf8.allSatisfy(isDigit) { throw failure(part, .notABit(text)) }
        var value = 0
        for digit in text.utf8 {
            value = value * 10 + Int(digit - 48)
            // Stop early so absurdly long numbers cannot overflow.
            if value > 63 { throw failure(part, .bitOutOfRange(text)) }
        }
        return value
    }

    private static func rangeText(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }

    /// How many bits the field holds.
    package var width: Int { mask.nonzeroBitCount }

    /// The bits of the config word this field occupies.
    package var mask: UInt64 {
        var mask: UInt64 = 0
        for range in ranges where range.lowerBound >= 0 && range.upperBound <= 63 {
            for bit in range { mask |= 1 << UInt64(bit) }
        }
        return mask
    }

    /// The largest value the field can hold (all `width` bits set).
    package var maximumValue: UInt64 {
        width >= 64 ? UInt64.max : (1 << UInt64(width)) - 1
    }

    /// Scatters `value` over the field's bits: value bit 0 goes to the
    /// lowest bit of the field, value bit 1 to the next one, and so on.
    /// The result has only the field's bits set; OR it into ``word``.
    ///
    /// Throws when `value` has bits set beyond the field's width, rather
    /// than silently dropping them.
    package func pack(_ value: UInt64) throws(FormatValueError) -> UInt64 {
        if value > maximumValue {
            throw FormatValueError(term: name, value: value, width: width)
        }
        let mask = self.mask
        var packed: UInt64 = 0
        var valueBit: UInt64 = 0
        for bit in 0..<UInt64(64) where mask & (1 << bit) != 0 {
            if value & (1 << valueBit) != 0 { packed |= 1 << bit }
            valueBit += 1
        }
        return packed
    }

    /// Gathers the field's value back from a config word: the inverse of ``pack(_:)``.
    package func unpack(_ config: UInt64) -> UInt64 {
        let mask = self.mask
        var value: UInt64 = 0
        var valueBit: UInt64 = 0
        for bit in 0..<UInt64(64) where mask & (1 << bit) != 0 {
            if config & (1 << bit) != 0 { value |= 1 << valueBit }
            valueBit += 1
        }
        return value
    }

    /// Whether this field shares bits of the same config word with `other`.
    ///
    /// Overlaps between two fields of one PMU are legitimate: the Intel core
    /// PMU publishes `offcore_rsp` (`config1:0-63`), `ldlat` (`config1:0-15`)
    /// and `frontend` (`config1:0-23`), meant for different events. perf
    /// accepts them; so does discovery. See ``PMU/overlappingFormats``.
    package func overlaps(_ other: FormatField) -> Bool {
        word == other.word && mask & other.mask != 0
    }

    /// The format-file form, such as `config1:0,2,4,6,8,20-28`.
    package var spec: String {
        word.name + ":" + ranges.map(Self.rangeText).joined(separator: ",")
    }

    /// `name=spec`, such as `umask=config:8-15`.
    package var description: String { name + "=" + spec }
}

/// A sysfs format file whose content does not parse.
public struct FormatSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    package enum Problem: Hashable, Sendable {
        /// The file is empty.
        case empty
        /// No `:` between the config word and the bits.
        case missingColon
        /// The word before `:` is not `config`, `config1`, `config2` or `config3`.
        case unknownWord(String)
        /// Nothing after the `:`.
        case noBits
        /// Two commas in a row, or a comma at an end.
        case emptyElement
        /// Something that is not a decimal bit number.
        case notABit(String)
        /// A bit number above 63.
        case bitOutOfRange(String)
        /// `high-low` with `high > low`.
        case backwardsRange(low: Int, high: Int)
        /// Two ranges of the field share bits.
        case overlappingRanges(String, String)
    }

    /// The term (format file name).
    package var term: String
    /// The whole content as given (trimmed).
    package var spec: String
    /// The element that is wrong.
    package var part: String
    /// What is wrong with it.
    package var problem: Problem

    /// An error about `part` of `spec`, the format of `term`.
    package init(term: String, spec: String, part: String, problem: Problem) {
        self.term = term
        self.spec = spec
        self.part = part
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .empty: what = "the format is empty"
        case .missingColon: what = "no ':' between the config word and the bits"
        case .unknownWord(let word): what = "'\(word)' is not a config word (config, config1, config2 or config3)"
        case .noBits: what = "no bits after ':'"
        case .emptyElement: what = "empty bit range (two commas, or a comma at an end)"
        case .notABit(let text): what = "'\(text)' is not a bit number"
        case .bitOutOfRange(let text): what = "bit \(text) is beyond 63 (config words have 64 bits)"
        case .backwardsRange(let low, let high): what = "range '\(part)' goes backwards (\(low) > \(high))"
        case .overlappingRanges(let first, let second): what = "ranges \(first) and \(second) overlap"
        }
        return "invalid format '\(spec)' for term '\(term)': \(what); expected a format such as config:0-7 or config1:0,2,20-28"
    }
}

/// A term value that does not fit the bits its format field has.
public struct FormatValueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The term, such as `umask`.
    package var term: String
    /// The value that was given.
    package var value: UInt64
    /// How many bits the field has.
    package var width: Int

    /// An error for `value`, too wide for the `width` bits of `term`.
    package init(term: String, value: UInt64, width: Int) {
        self.term = term
        self.value = value
        self.width = width
    }

    public var description: String {
        let maximum: UInt64 = width >= 64 ? UInt64.max : (1 << UInt64(max(width, 0))) - 1
        return "value 0x\(String(value, radix: 16)) (\(value)) is too wide for term '\(term)': "
            + "its format has \(width) bit\(width == 1 ? "" : "s"), so the largest value is 0x\(String(maximum, radix: 16))"
    }
}
