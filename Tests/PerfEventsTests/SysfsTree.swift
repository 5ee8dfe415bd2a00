import Foundation
import Testing

/// A sysfs tree (a recording under Fixtures/sysfs, or the live `/sys`) read with
/// plain file reads, independently of the library: what the tests expect the
/// library and the `pmu` command to find there.
///
/// Nothing here is written down about any machine: every expectation comes from
/// the files of the tree at test time, so the same test holds on every host.
struct SysfsTree: Sendable, CustomTestStringConvertible {
    /// `amd-epyc-pvm`, `rk3399`, … or `live /sys`.
    var name: String
    /// The sysfs root (`/sys` for the live host).
    var root: String
    /// Whether this is the machine the tests run on.
    var isLive: Bool

    var testDescription: String { name }

    /// The recorded trees under Fixtures/sysfs (see its README).
    static let recordedNames = ["amd-epyc-pvm", "intel-xeon-pvm", "x86-server", "alderlake", "rk3399", "juno"]

    static func recorded(_ name: String) -> SysfsTree {
        SysfsTree(name: name, root: SysfsFixtures.root(name), isLive: false)
    }

    /// The machine the tests run on, as its kernel describes it now.
    static let live = SysfsTree(name: "live /sys", root: "/sys", isLive: true)

    /// Every recorded tree, then the live host: the machine matrix.
    static var all: [SysfsTree] { recordedNames.map(recorded) + [live] }

    /// `pmu` arguments that make it read this tree: none for the live host (its
    /// default, `/sys`), `--sysfs-root ROOT` for a recording.
    var cliArguments: [String] { isLive ? [] : ["--sysfs-root", root] }

    var devicesPath: String { root + "/bus/event_source/devices" }

    // MARK: what the files say

    /// One `format/<name>` file: its config word and bits in ascending order.
    struct Format: Equatable {
        var word: String
        var bits: [Int]

        var mask: UInt64 { bits.reduce(UInt64(0)) { $0 | 1 << UInt64($1) } }
    }

    /// One term of an `events/<alias>` file.
    enum TermValue: Equatable {
        case number(UInt64)
        case implicit
        case parameter
        case text(String)
    }

    struct Term: Equatable {
        var name: String
        var value: TermValue
    }

    /// One `events/<alias>` file with its `.scale` and `.unit` siblings.
    struct Alias {
        var name: String
        var terms: [Term]
        var scale: String?
        var unit: String?
    }

    /// One device directory.
    struct Device {
        var name: String
        var type: UInt32
        var hasCPUsFile: Bool
        var hasCPUMaskFile: Bool
        /// From `cpus`, else from `cpumask`; nil when there is neither.
        var cpus: Set<Int>?
        var formats: [String: Format]
        var aliases: [Alias]

        /// perf's rule for the kind of PMU (the kernel gives `cpus` to exactly the CPU PMUs
        /// that cover some CPUs; the homogeneous x86 `cpu` PMU has none).
        var kind: String {
            switch name {
            case "software", "tracepoint", "breakpoint": return name
            case "cpu", "cpum_cf": return "core"
            default: return hasCPUsFile ? "core" : hasCPUMaskFile ? "uncore" : "other"
            }
        }

        func alias(_ name: String) -> Alias? { aliases.first { $0.name == name } }
    }

    /// The content of a file, trimmed; nil when it cannot be read.
    static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// The names of the device directories.
    func deviceNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: devicesPath).sorted()
    }

    /// Every device, sorted by type, then name (the order the library promises).
    func devices() throws -> [Device] {
        try deviceNames().map { try device($0) }.sorted { $0.type != $1.type ? $0.type < $1.type : $0.name < $1.name }
    }

    /// The device directories that are core PMUs, in type order.
    func coreDevices() throws -> [Device] { try devices().filter { $0.kind == "core" } }

    func device(_ name: String) throws -> Device {
        let directory = devicesPath + "/" + name
        let typeText = try #require(Self.read(directory + "/type"), "\(directory)/type")
        let type = try #require(UInt32(typeText), "\(directory)/type: \(typeText)")
        let cpusText = Self.read(directory + "/cpus")
        let maskText = Self.read(directory + "/cpumask")
        var formats: [String: Format] = [:]
        for entry in Self.entries(directory + "/format") {
            let text = try #require(Self.read(directory + "/format/" + entry))
            let format = try #require(Self.format(text), "\(directory)/format/\(entry): \(text)")
            formats[entry] = format
        }
        let suffixes = [".scale", ".unit", ".per-pkg", ".snapshot"]
        let eventFiles = Self.entries(directory + "/events")
        var aliases: [Alias] = []
        for entry in eventFiles where !suffixes.contains(where: { entry.hasSuffix($0) && entry != $0 }) {
            let path = directory + "/events/" + entry
            let text = try #require(Self.read(path), "\(path)")
            aliases.append(Alias(name: entry, terms: Self.terms(text),
                                 scale: Self.read(path + ".scale"), unit: Self.read(path + ".unit")))
        }
        return Device(
            name: name, type: type, hasCPUsFile: cpusText != nil, hasCPUMaskFile: maskText != nil,
            cpus: try (cpusText ?? maskText).map { text in try #require(Self.cpuList(text), "CPU list \(text)") },
            formats: formats, aliases: aliases)
    }

    // MARK: plain parsers (the kernel's formats, as perf documents them)

    /// `0-3,8,10-11` → {0, 1, 2, 3, 8, 10, 11}; `""` → {}.
    static func cpuList(_ text: String) -> Set<Int>? {
        var cpus: Set<Int> = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard let low = bounds.first ?? nil, let high = bounds.last ?? nil, bounds.count <= 2, low <= high else { return nil }
            cpus.formUnion(low...high)
        }
        return cpus
    }

    /// `config1:0,2,20-28` → word `config1`, bits 0, 2, 20…28.
    static func format(_ text: String) -> Format? {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let bits = cpuList(String(parts[1])) else { return nil }
        return Format(word: String(parts[0]), bits: bits.sorted())
    }

    /// `event=0x3c,umask=0x1,ldlat=3` → terms; `edge` alone is implicit, `ldlat=?` a parameter.
    static func terms(_ text: String) -> [Term] {
        text.split(separator: ",").map { part in
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { return Term(name: pair.first ?? "", value: .implicit) }
            let value = pair[1]
            if value == "?" { return Term(name: pair[0], value: .parameter) }
            if value.lowercased().hasPrefix("0x"), let number = UInt64(value.dropFirst(2), radix: 16) {
                return Term(name: pair[0], value: .number(number))
            }
            if let number = UInt64(value) { return Term(name: pair[0], value: .number(number)) }
            return Term(name: pair[0], value: .text(value))
        }
    }

    // MARK: expected resolution

    /// What `PMU/alias/` must resolve to: the PMU's type and config words packed from
    /// the alias's terms through the PMU's format files, or a refusal naming a term.
    enum Expected: Equatable {
        case attributes(type: UInt32, words: [String: UInt64])
        case refused(term: String)
    }

    static let words = ["config", "config1", "config2", "config3"]

    /// perf's packing: a term with no format file of its name sets a whole config word;
    /// a format term scatters its value's bits, lowest first, over the field's bits in
    /// ascending order, after clearing them. A value wider than its field, a parameter
    /// (`term=?`) or a term that is neither is refused.
    static func expected(_ alias: Alias, on device: Device) -> Expected {
        var words: [String: UInt64] = Dictionary(uniqueKeysWithValues: Self.words.map { ($0, 0) })
        func number(_ term: Term) -> UInt64? {
            switch term.value {
            case .number(let value): return value
            case .implicit: return 1
            case .parameter, .text: return nil
            }
        }
        for term in alias.terms where device.formats[term.name] == nil {
            guard Self.words.contains(term.name), let value = number(term) else { return .refused(term: term.name) }
            words[term.name] = value
        }
        for term in alias.terms {
            guard let format = device.formats[term.name] else { continue }
            guard let value = number(term) else { return .refused(term: term.name) }
            if format.bits.count < 64 && value >> UInt64(format.bits.count) != 0 { return .refused(term: term.name) }
            var bits: UInt64 = 0
            for (index, bit) in format.bits.enumerated() where value >> UInt64(index) & 1 == 1 {
                bits |= 1 << UInt64(bit)
            }
            words[format.word] = (words[format.word] ?? 0) & ~format.mask | bits
        }
        return .attributes(type: device.type, words: words)
    }
}
