import Foundation

/// A seeded generator of event strings for ``GeneratedConformanceTests``: perf's grammar
/// (generic, cache, raw, `TYPE:CONFIG`, `pmu/terms/`, aliases, tracepoints, breakpoints,
/// globs, groups and named groups, modifiers) over one sysfs tree's own PMUs, aliases and
/// format terms, read from the tree. A share of the strings is mutated on purpose (a byte
/// dropped, doubled or swapped for one of perf's separators) so that both-refuse is exercised
/// too. The same seed and vocabulary give the same strings.
struct EventStringGenerator {
    /// What a tree offers: its PMUs (read from `bus/event_source/devices`) and tracepoints.
    struct Vocabulary: Sendable {
        struct PMU: Sendable {
            var name: String
            var type: UInt32
            /// Format terms with the number of bits each covers.
            var terms: [(name: String, bits: Int)]
            /// Alias names (`events/`, without `.scale`, `.unit`, …).
            var aliases: [String]
        }
        var pmus: [PMU]
        /// `subsystem:name`, a sample of the live tracefs.
        var tracepoints: [String]

        /// Reads `root`'s PMUs and `tracefs`'s tracepoints (up to `tracepointLimit`, chosen by `seed`).
        static func read(sysfsRoot root: String, tracefs: String = "/sys/kernel/tracing", seed: UInt64) -> Vocabulary {
            let files = FileManager.default
            let devices = root + "/bus/event_source/devices"
            var pmus: [PMU] = []
            for name in ((try? files.contentsOfDirectory(atPath: devices)) ?? []).sorted() {
                let directory = devices + "/" + name
                let type = UInt32(read(directory + "/type") ?? "") ?? 0
                var terms: [(String, Int)] = []
                for term in ((try? files.contentsOfDirectory(atPath: directory + "/format")) ?? []).sorted() {
                    terms.append((term, bits(read(directory + "/format/" + term) ?? "")))
                }
                let aliases = ((try? files.contentsOfDirectory(atPath: directory + "/events")) ?? [])
                    .filter { !$0.contains(".") }.sorted()
                pmus.append(PMU(name: name, type: type, terms: terms, aliases: aliases))
            }
            var tracepoints: [String] = []
            var random = SplitMix64(seed: seed ^ 0x7472_6163_6570_6f69)
            let events = tracefs + "/events"
            let systems = ((try? files.contentsOfDirectory(atPath: events)) ?? []).sorted().filter {
                files.fileExists(atPath: "\(events)/\($0)/enable")
            }
            // Always the syscalls and sched subsystems (perf's own examples), then a few others.
            var chosen = systems.filter { ["syscalls", "sched", "irq"].contains($0) }
            for _ in 0..<6 where !systems.isEmpty { chosen.append(random.pick(systems)) }
            for system in Set(chosen).sorted() {
                let names = ((try? files.contentsOfDirectory(atPath: "\(events)/\(system)")) ?? []).sorted().filter {
                    files.fileExists(atPath: "\(events)/\(system)/\($0)/id")
                }
                for _ in 0..<min(8, names.count) { tracepoints.append("\(system):\(random.pick(names))") }
            }
            return Vocabulary(pmus: pmus, tracepoints: Array(Set(tracepoints)).sorted())
        }

        static func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// How many bits a format (`config:0-7,16`, `config1:5`) covers.
        static func bits(_ format: String) -> Int {
            guard let colon = format.firstIndex(of: ":") else { return 0 }
            return format[format.index(after: colon)...].split(separator: ",").reduce(0) { total, range in
                let ends = range.split(separator: "-").compactMap { Int($0) }
                return total + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
            }
        }
    }

    var random: SplitMix64
    let vocabulary: Vocabulary

    init(seed: UInt64, vocabulary: Vocabulary) {
        self.random = SplitMix64(seed: seed)
        self.vocabulary = vocabulary
    }

    /// perf 6.1's generic hardware and software names (tools/perf/util/parse-events.c).
    static let hardware = [
        "cpu-cycles", "cycles", "instructions", "cache-references", "cache-misses", "branch-instructions", "branches",
        "branch-misses", "bus-cycles", "stalled-cycles-frontend", "idle-cycles-frontend", "stalled-cycles-backend",
        "idle-cycles-backend", "ref-cycles",
    ]
    static let software = [
        "cpu-clock", "task-clock", "page-faults", "faults", "minor-faults", "major-faults", "context-switches", "cs",
        "cpu-migrations", "migrations", "alignment-faults", "emulation-faults", "dummy", "bpf-output",
        "cgroup-switches",
    ]
    /// perf 6.1's cache names, operations and results (evsel__hw_cache*), every spelling.
    static let caches = [
        "L1-dcache", "l1-d", "l1d", "L1-data", "L1-icache", "l1-i", "l1i", "L1-instruction", "LLC", "L2", "dTLB",
        "d-tlb", "Data-TLB", "iTLB", "i-tlb", "Instruction-TLB", "branch", "branches", "bpu", "btb", "bpc", "node",
    ]
    static let cacheOps = [
        "load", "loads", "read", "store", "stores", "write", "prefetch", "prefetches", "speculative-read",
        "speculative-load",
    ]
    static let cacheResults = ["refs", "Reference", "ops", "access", "misses", "miss"]
    /// Every modifier letter perf 6.1's lexer takes (`[ukhpPGHSDIWeb]`), and a few it does not.
    static let modifierLetters = Array("ukhpPGHSDIWeb")
    static let foreignLetters = Array("zxRB")

    /// One generated string and the perf command that must be asked (perf record for the sampling terms).
    mutating func next() -> (event: String, tool: PerfOracle.Tool) {
        var items: [String] = []
        let count = random.weighted([6, 3, 1]) + 1
        for _ in 0..<count { items.append(random.chance(0.2) ? group() : event()) }
        var text = items.joined(separator: ",")
        if random.chance(0.1) { text = mutate(text) }
        // The terms perf stat refuses ("not usable in 'perf stat'") or drops: asked of perf record.
        let sampling = ["period=", "freq=", "call-graph=", "max-stack=", "stack-size=", "overwrite", "aux-output",
                        "/time/", "/time,", ",time/", ",time,", "inherit"]
        return (text, sampling.contains { text.contains($0) } ? .record : .stat)
    }

    mutating func group() -> String {
        let members = (0...random.below(3)).map { _ in event() }
        let name = random.chance(0.1) ? random.pick(["g", "grp1", "my_group", "a.b"]) : ""
        return name + "{" + members.joined(separator: ",") + "}" + (random.chance(0.5) ? ":" + modifiers() : "")
    }

    mutating func event() -> String {
        switch random.weighted([3, 2, 5, 2, 1, 2, 1, 1, 1]) {
        case 0: return random.pick(Self.hardware) + optionalModifiers()
        case 1: return random.pick(Self.software) + optionalModifiers()
        case 2: return pmuEvent()
        case 3: return cache() + optionalModifiers()
        case 4: return "r" + hexDigits(random.below(5) + 1) + optionalModifiers()
        case 5: return tracepoint()
        case 6: return typeConfig()
        case 7: return breakpoint()
        default:
            let pmu = random.pick(vocabulary.pmus)
            // A bare alias (perf looks it up on every PMU).
            return pmu.aliases.isEmpty ? random.pick(Self.software) : caseVariant(random.pick(pmu.aliases)) + optionalModifiers()
        }
    }

    mutating func cache() -> String {
        var parts = [random.pick(Self.caches)]
        if random.chance(0.8) { parts.append(random.pick(Self.cacheOps)) }
        if random.chance(0.7) { parts.append(random.pick(Self.cacheResults)) }
        return parts.joined(separator: "-")
    }

    mutating func pmuEvent() -> String {
        let pmu = random.pick(vocabulary.pmus)
        var name = pmu.name
        if random.chance(0.06), name.count > 3 {
            // A PMU glob (perf matches `uncore_imc*`-like patterns against every PMU).
            name = String(name.prefix(max(1, name.count - 1 - random.below(3)))) + "*"
        } else if random.chance(0.03) {
            name = random.pick(["nosuchpmu", name.uppercased(), name + "_"])
        }
        var terms: [String] = []
        let count = random.weighted([1, 4, 3, 2, 1])
        for _ in 0..<count { terms.append(term(pmu)) }
        let separator = random.chance(0.03) ? random.pick([", ", " ,", ",,"]) : ","
        var text = name + "/" + terms.joined(separator: separator) + "/"
        if random.chance(0.35) {
            text += (random.chance(0.5) ? ":" : "") + modifiers()
        }
        return text
    }

    mutating func term(_ pmu: Vocabulary.PMU) -> String {
        let choice = random.weighted([5, 3, 2, 1, 1, 1, 1, 1])
        switch choice {
        case 0 where !pmu.terms.isEmpty:
            let format = random.pick(pmu.terms)
            if format.bits == 1, random.chance(0.5) { return format.name }  // a bare term is 1
            return format.name + "=" + number(bits: format.bits)
        case 1 where !pmu.aliases.isEmpty:
            return caseVariant(random.pick(pmu.aliases))
        case 2:
            return random.pick(["config", "config1", "config2"]) + "=" + number(bits: 64)
        case 3:
            return random.pick(["name=x", "name=my_event", "percore", "inherit", "no-inherit", "metric-id=m"])
        case 4:
            return random.pick(["period=", "freq="]) + number(bits: 20)
        case 5:
            return random.pick(["call-graph=no", "call-graph=fp", "max-stack=3", "overwrite", "no-overwrite",
                                "stack-size=4096", "time", "aux-output", "config3=1"])
        case 6:
            return random.pick(Self.hardware)
        default:
            return random.pick(["nosuch=1", "event", "=1", "event=", "umask=0x", "event=zz", "x"])
        }
    }

    mutating func tracepoint() -> String {
        guard !vocabulary.tracepoints.isEmpty else { return "cs" }
        var name = random.pick(vocabulary.tracepoints)
        if random.chance(0.2), let colon = name.firstIndex(of: ":") {
            // A glob that matches a few: the name's tail, or one character, replaced.
            let event = name[name.index(after: colon)...]
            let system = name[..<colon]
            let keep = max(1, event.count - 1 - random.below(3))
            name = random.chance(0.7)
                ? system + ":" + event.prefix(keep) + "*"
                : system + ":" + event.prefix(keep) + "?" + event.dropFirst(keep + 1)
        }
        if random.chance(0.03) { name += "_nosuch" }
        return name + (random.chance(0.3) ? ":" + modifiers() : "")
    }

    mutating func typeConfig() -> String {
        let type = random.chance(0.7) ? random.pick(["0", "1", "3"]) : String(random.pick(vocabulary.pmus).type)
        let config = random.chance(0.5) ? String(random.below(12)) : "0x" + String(random.below(12), radix: 16)
        return type + ":" + config + optionalModifiers()
    }

    mutating func breakpoint() -> String {
        let address = random.pick(["0x1000", "0x2000", "4096", "0X1000", "010", "0xffff"])
        var text = "mem:" + address
        if random.chance(0.5) { text += "/" + random.pick(["1", "2", "4", "8", "3", "0x4", "16", "0"]) }
        if random.chance(0.5) { text += ":" + random.pick(["r", "w", "x", "rw", "wr", "rwx", "rx", "q"]) }
        return text + optionalModifiers()
    }

    mutating func optionalModifiers() -> String {
        random.chance(0.3) ? ":" + modifiers() : ""
    }

    /// Modifier letters: mostly perf's, in any order, some repeated, now and then a foreign one.
    mutating func modifiers() -> String {
        var letters: [Character] = []
        for _ in 0..<(random.weighted([5, 3, 2, 1]) + 1) {
            letters.append(random.chance(0.03) ? random.pick(Self.foreignLetters) : random.pick(Self.modifierLetters))
        }
        if random.chance(0.08) { letters += ["p", "p", "p"] }
        return String(letters)
    }

    /// A number a `bits`-wide field may (or, at its edges, may not) hold: decimal, `0x`, `0X`,
    /// leading zeros.
    mutating func number(bits: Int) -> String {
        let top: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        let value: UInt64
        switch random.weighted([6, 2, 2, 1]) {
        case 0: value = random.next() % (min(top, 0x3ff) + 1)
        case 1: value = top
        case 2: value = bits >= 64 ? top : top + 1
        default: value = 0
        }
        switch random.weighted([4, 4, 1, 1, 1]) {
        case 0: return String(value)
        case 1: return "0x" + String(value, radix: 16)
        case 2: return "0X" + String(value, radix: 16)
        case 3: return "0" + String(value)
        default: return "0x" + String(value, radix: 16).uppercased()
        }
    }

    mutating func hexDigits(_ count: Int) -> String {
        String((0..<count).map { _ in random.pick(Array("0123456789abcdefABCDEF")) })
    }

    mutating func caseVariant(_ name: String) -> String {
        random.chance(0.05) ? name.uppercased() : name
    }

    /// One byte dropped, doubled, or replaced by one of perf's separators.
    mutating func mutate(_ text: String) -> String {
        var characters = Array(text)
        guard !characters.isEmpty else { return "," }
        let at = random.below(characters.count)
        switch random.below(4) {
        case 0: characters.remove(at: at)
        case 1: characters.insert(characters[at], at: at)
        case 2: characters[at] = random.pick(Array(",/{}:=* -"))
        default: characters.insert(random.pick(Array(",/{}:=* ")), at: at)
        }
        return String(characters)
    }
}

/// SplitMix64 (Steele, Lea and Flood): small, fast and the same everywhere.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
    mutating func chance(_ probability: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < probability }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// An index chosen with the given weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        var roll = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }
}
