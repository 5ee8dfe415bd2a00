/// A set of CPU numbers, written in the kernel's CPU-list syntax
/// (`0-3,8,10-11`), as in sysfs `cpus`/`cpumask` files and `--cpus` options.
public struct CPUSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    /// The largest CPU number we accept. Linux's CONFIG_NR_CPUS tops out at 8192.
    package static let maximumCPU = 8191

    /// The CPUs in ascending order, without duplicates.
    public private(set) var cpus: [Int]

    /// A set of the given CPUs (duplicates removed, sorted).
    public init<S: Sequence>(_ cpus: S) where S.Element == Int {
        var sorted = Array(cpus).sorted()
        var unique: [Int] = []
        unique.reserveCapacity(sorted.count)
        for cpu in sorted where unique.last != cpu { unique.append(cpu) }
        sorted = unique
        self.cpus = sorted
    }

    /// Parses a CPU list such as `0-3,8,10-11`. An empty string is the empty set.
    public init(parsing text: String) throws(CPUListError) {
        let list = trimmed(text)
        var cpus: [Int] = []
        if list.isEmpty {
            self.init(cpus)
            return
        }
        for piece in list.split(separator: ",", omittingEmptySubsequences: false) {
            let part = String(piece)
            if part.isEmpty {
                throw CPUListError(input: list, part: part, problem: "empty element (two commas, or a comma at an end)")
            }
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            switch bounds.count {
            case 1:
                cpus.append(try Self.number(String(bounds[0]), in: list))
            case 2:
                let low = try Self.number(String(bounds[0]), in: list)
                let high = try Self.number(String(bounds[1]), in: list)
                if low > high {
                    throw CPUListError(input: list, part: part, problem: "range goes backwards (\(low) > \(high))")
                }
                cpus.append(contentsOf: low...high)
            default:
                throw CPUListError(input: list, part: part, problem: "a range has one '-' between two CPU numbers")
            }
        }
        self.init(cpus)
    }

    private static func number(_ text: String, in list: String) throws(CPUListError) -> Int {
        if text.isEmpty {
            throw CPUListError(input: list, part: text, problem: "missing CPU number")
        }
        for byte in text.utf8 where byte < 48 || byte > 57 {
            throw CPUListError(input: list, part: text, problem: "'\(text)' is not a CPU number")
        }
        guard let value = Int(text), value <= maximumCPU else {
            throw CPUListError(input: list, part: text, problem: "CPU \(text) is beyond the largest possible CPU (\(maximumCPU))")
        }
        return value
    }

    /// Whether the set holds no CPU.
    public var isEmpty: Bool { cpus.isEmpty }
    /// How many CPUs the set holds.
    public var count: Int { cpus.count }
    /// Whether `cpu` is in the set.
    public func contains(_ cpu: Int) -> Bool { cpus.contains(cpu) }
    public func makeIterator() -> IndexingIterator<[Int]> { cpus.makeIterator() }

    /// Whether every CPU of `other` is in this set.
    public func isSuperset(of other: CPUSet) -> Bool {
        other.cpus.allSatisfy { contains($0) }
    }

    /// The CPUs in both sets.
    public func intersection(_ other: CPUSet) -> CPUSet {
        CPUSet(cpus.filter { other.contains($0) })
    }

    /// The CPUs in either set.
    public func union(_ other: CPUSet) -> CPUSet {
        CPUSet(cpus + other.cpus)
    }

    /// The CPU-list form, with runs collapsed: `0-3,8,10-11`.
    public var description: String {
        var parts: [String] = []
        var index = 0
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count && cpus[end + 1] == cpus[end] + 1 { end += 1 }
            parts.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// The set as a bit mask of 64-bit words, as `sched_setaffinity(2)` takes it.
    package var mask: [UInt64] {
        guard let last = cpus.last else { return [0] }
        var words = [UInt64](repeating: 0, count: last / 64 + 1)
        for cpu in cpus { words[cpu / 64] |= 1 << UInt64(cpu % 64) }
        return words
    }

    /// The set a bit mask stands for.
    package init(mask: [UInt64]) {
        var cpus: [Int] = []
        for (word, bits) in mask.enumerated() where bits != 0 {
            for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 { cpus.append(word * 64 + bit) }
        }
        self.init(cpus)
    }
}

/// A CPU list that does not parse.
public struct CPUListError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole list as given.
    package var input: String
    /// The element that is wrong.
    package var part: String
    /// What is wrong with it.
    package var problem: String

    public var description: String {
        "invalid CPU list '\(input)': \(problem); expected a list such as 0-3,8,10-11"
    }
}
