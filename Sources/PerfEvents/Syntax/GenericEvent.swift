/// The kernel's fixed, PMU-independent event names, as perf spells them:
/// hardware events (`PERF_TYPE_HARDWARE`), software events
/// (`PERF_TYPE_SOFTWARE`) and hardware-cache events (`PERF_TYPE_HW_CACHE`).
package enum GenericEvent: Hashable, Sendable {
    /// A `PERF_COUNT_HW_*` id (0 cycles … 9 ref-cycles).
    case hardware(UInt64)
    /// A `PERF_COUNT_SW_*` id (0 cpu-clock … 11 cgroup-switches).
    case software(UInt64)
    /// A cache event: `cache | op << 8 | result << 16`.
    case cache(UInt64)

    /// The legacy `perf_event_attr.type` of this event.
    package var legacyType: UInt32 {
        switch self {
        case .hardware: return LegacyType.hardware
        case .software: return LegacyType.software
        case .cache: return LegacyType.hardwareCache
        }
    }

    /// The legacy config value (the id, or the packed cache triple).
    package var config: UInt64 {
        switch self {
        case .hardware(let id), .software(let id), .cache(let id): return id
        }
    }

    /// Whether the event is counted by a core PMU (hardware and cache events).
    package var needsCorePMU: Bool {
        if case .software = self { return false }
        return true
    }

    /// Looks `name` up among the hardware, software and cache names, spelled exactly as
    /// perf's lexer spells them (`cycles`, `LLC-loads`, `l1d-misses`): perf refuses
    /// `CYCLES` and `Task-Clock`, so this does too.
    package init?(named name: String) {
        if let event = HardwareEvent.allCases.first(where: { $0.names.contains(name) }) {
            self = .hardware(event.rawValue)
            return
        }
        if let event = SoftwareEvent.allCases.first(where: { $0.names.contains(name) }) {
            self = .software(event.rawValue)
            return
        }
        guard let cache = Self.parseCache(name) else { return nil }
        self = .cache(cache)
    }

    /// `PERF_COUNT_HW_CACHE_*` caches, with perf's spellings (its lexer's, case and all),
    /// and which operations perf accepts on each (bit 0 read, 1 write, 2 prefetch).
    static let caches: [(names: [String], operations: UInt8)] = [
        (["L1-dcache", "l1-d", "l1d", "L1-data"], 0b111),
        (["L1-icache", "l1-i", "l1i", "L1-instruction"], 0b101),
        (["LLC", "L2"], 0b111),
        (["dTLB", "d-tlb", "Data-TLB"], 0b111),
        (["iTLB", "i-tlb", "Instruction-TLB"], 0b001),
        // Not "branches": perf 6.1's lexer reads it as the hardware event, and `branches-loads`
        // is a parser error there (found by the generated conformance strings).
        (["branch", "bpu", "btb", "bpc"], 0b001),
        (["node"], 0b111),
    ]

    /// `PERF_COUNT_HW_CACHE_OP_*`: read, write, prefetch.
    static let cacheOperations: [[String]] = [
        ["load", "loads", "read"],
        ["store", "stores", "write"],
        ["prefetch", "prefetches", "speculative-read", "speculative-load"],
    ]

    /// `PERF_COUNT_HW_CACHE_RESULT_*`: access, miss.
    static let cacheResults: [[String]] = [
        ["refs", "Reference", "ops", "access"],
        ["misses", "miss"],
    ]

    /// Parses `cache[-op][-result]`, as perf does: the cache name
    /// (which may itself contain dashes) first, then at most one operation and
    /// one result in either order; operation defaults to read, result to access.
    static func parseCache(_ name: String) -> UInt64? {
        for (cacheID, cache) in caches.enumerated() {
            for cacheName in cache.names {
                guard name == cacheName || name.hasPrefix(cacheName + "-") else { continue }
                let rest = String(decoding: Array(name.utf8.dropFirst(cacheName.utf8.count)), as: UTF8.self)
                if let config = parseOperationAndResult(rest, cache: UInt64(cacheID), operations: cache.operations) {
                    return config
                }
            }
        }
        return nil
    }

    private static func parseOperationAndResult(_ rest: String, cache: UInt64, operations: UInt8) -> UInt64? {
        var operation: UInt64?
        var result: UInt64?
        var remaining = Substring(rest)
        while !remaining.isEmpty {
            guard remaining.first == "-" else { return nil }
            remaining = remaining.dropFirst()
            var matched = false
            // Longest match first so "speculative-read" wins over a shorter word.
            if operation == nil, let (id, length) = longestPrefix(remaining, in: cacheOperations) {
                operation = id
                remaining = remaining.dropFirst(length)
                matched = true
            } else if result == nil, let (id, length) = longestPrefix(remaining, in: cacheResults) {
                result = id
                remaining = remaining.dropFirst(length)
                matched = true
            }
            if !matched { return nil }
        }
        let op = operation ?? 0
        guard operations & (1 << UInt8(op)) != 0 else { return nil }
        return cache | op << 8 | (result ?? 0) << 16
    }

    /// The id and length of the longest word of `table` that `text` starts with,
    /// followed by the end or a dash.
    private static func longestPrefix(_ text: Substring, in table: [[String]]) -> (UInt64, Int)? {
        var best: (UInt64, Int)?
        for (id, words) in table.enumerated() {
            for word in words where text.hasPrefix(word) {
                let after = text.dropFirst(word.count)
                guard after.isEmpty || after.first == "-" else { continue }
                if best == nil || word.count > (best?.1 ?? 0) { best = (UInt64(id), word.count) }
            }
        }
        return best
    }

    /// Every canonical name (no aliases), for suggestions and listings.
    package static var canonicalNames: [String] {
        var names: [String] = []
        for event in HardwareEvent.allCases { names.append(event.names[0]) }
        for event in SoftwareEvent.allCases { names.append(event.names[0]) }
        let canonicalCaches = ["L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node"]
        for (index, cache) in caches.enumerated() {
            for (op, words) in cacheOperations.enumerated() where cache.operations & (1 << UInt8(op)) != 0 {
                names.append(canonicalCaches[index] + "-" + words[1])
                names.append(canonicalCaches[index] + "-" + words[0] + "-misses")
            }
        }
        return names
    }

    /// Every accepted spelling of hardware and software names (lowercase), for suggestions.
    static var allSimpleNames: [String] {
        HardwareEvent.allCases.flatMap { $0.names } + SoftwareEvent.allCases.flatMap { $0.names }
    }
}
