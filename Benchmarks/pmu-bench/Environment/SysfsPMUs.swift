// A minimal reading of /sys/bus/event_source/devices for pmu-bench.
//
// LEAD: replace `discoverPMUs` with the discovery layer once it exists; the
// benchmark only needs name, type, kind, cpus, `format/event` and `events/*`.
import PerfEvents

enum SysfsPMUs {
    static let root = "/sys/bus/event_source/devices"

    /// Every PMU the kernel registers, sorted by name; the error names the directory.
    static func discoverPMUs(fileSystem: FileSystem) throws(SystemError) -> [PMU] {
        var pmus: [PMU] = []
        for entry in try fileSystem.list(root) {
            let path = root + "/" + entry.name
            guard let type = UInt32((try? fileSystem.readAttribute(path + "/type")) ?? "") else { continue }
            var cpus: CPUSet?
            for file in ["cpus", "cpumask"] where cpus == nil {
                if let text = try? fileSystem.readAttribute(path + "/" + file), !text.isEmpty {
                    cpus = try? CPUSet(parsing: text)
                }
            }
            let kind = classify(name: entry.name, type: type, hasCPUs: fileSystem.exists(path + "/cpus"),
                                hasCPUMask: fileSystem.exists(path + "/cpumask"))
            var formats: [FormatField] = []
            if let format = try? fileSystem.readAttribute(path + "/format/event"), let field = parseFormat("event", format) {
                formats.append(field)
            }
            var aliases: [EventAlias] = []
            if let names = try? fileSystem.list(path + "/events") {
                for name in names.map(\.name) where !name.contains(".") {
                    if let text = try? fileSystem.readAttribute(path + "/events/" + name),
                       let terms = try? TermList.parse(text) {
                        aliases.append(EventAlias(name: name, terms: terms))
                    }
                }
            }
            pmus.append(PMU(name: entry.name, type: type, kind: kind, cpus: cpus, formats: formats,
                            aliases: aliases, path: path))
        }
        return pmus
    }

    static func classify(name: String, type: UInt32, hasCPUs: Bool, hasCPUMask: Bool) -> PMUKind {
        switch type {
        case LegacyType.software: return .software
        case LegacyType.tracepoint: return .tracepoint
        case LegacyType.breakpoint: return .breakpoint
        default: break
        }
        // `cpus` is what core PMUs of heterogeneous machines publish.
        if name == "cpu" || name.hasPrefix("cpu_") || name.hasPrefix("armv8") || name.hasPrefix("armv9") || hasCPUs {
            return .core
        }
        return hasCPUMask ? .uncore : .other
    }

    /// `config:0-7,32-35` → a format field; nil when it is not that shape.
    static func parseFormat(_ name: String, _ text: String) -> FormatField? {
        let parts = text.split(separator: ":")
        guard parts.count == 2 else { return nil }
        let word: ConfigWord
        switch parts[0] {
        case "config": word = .config
        case "config1": word = .config1
        case "config2": word = .config2
        case "config3": word = .config3
        default: return nil
        }
        var ranges: [ClosedRange<Int>] = []
        for piece in parts[1].split(separator: ",") {
            let bounds = piece.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { ranges.append(bounds[0]...bounds[0]) }
            else if bounds.count == 2, bounds[0] <= bounds[1] { ranges.append(bounds[0]...bounds[1]) }
            else { return nil }
        }
        return ranges.isEmpty ? nil : FormatField(name: name, word: word, ranges: ranges)
    }
}
