import CPerfEvents

/// Reads the PMUs the kernel registers under `<root>/bus/event_source/devices`.
///
/// For each device directory it reads `type` (required), `cpus` or
/// `cpumask`, `caps/*`, `format/*` and `events/*` (with the `.scale`,
/// `.unit`, `.per-pkg` and `.snapshot` attributes of each alias). It never
/// stops at the first bad file: ``discover()`` returns every PMU it could
/// read together with a ``SysfsError`` for each problem.
///
/// All reads go through `FileSystem`, so the same code runs on `/sys`, on a
/// recorded fixture tree (by passing its root) or on mocked `SystemCalls`.
public struct PMUDiscovery: Sendable {
    /// The sysfs mount point, `/sys` on a live system.
    public var root: String
    /// How files are read.
    package var fileSystem: FileSystem

    /// The environment variable that overrides the sysfs root, for tests
    /// and for running on a tree recorded from another machine.
    package static let rootEnvironmentVariable = "PERF_EVENTS_SYSFS_ROOT"

    /// Discovery under `root`: `/sys`, or a recorded tree with the same layout;
    /// nil reads `$PERF_EVENTS_SYSFS_ROOT` when it is set and not empty, else `/sys`.
    public init(root: String? = nil) {
        self.init(root: root ?? PMUDiscovery.defaultRoot(), fileSystem: FileSystem())
    }

    package init(root: String = PMUDiscovery.defaultRoot(), fileSystem: FileSystem) {
        self.root = root
        self.fileSystem = fileSystem
    }

    /// `$PERF_EVENTS_SYSFS_ROOT` when set and not empty, else `/sys`.
    ///
    /// - Parameter environment: looks a variable up; the process environment by default.
    package static func defaultRoot(environment: (String) -> String? = processEnvironment) -> String {
        if let value = environment(rootEnvironmentVariable), !value.isEmpty { return value }
        return "/sys"
    }

    /// The process environment's value for `name` (`getenv(3)`), nil when unset.
    package static func processEnvironment(_ name: String) -> String? {
        name.withCString { cName -> String? in
            guard let value = cpe_getenv(cName) else { return nil }
            return String(cString: value)
        }
    }

    /// `<root>/bus/event_source/devices`.
    package var devicesPath: String { joinPath(root, "bus/event_source/devices") }

    /// Reads every PMU.
    ///
    /// Throws only when the devices directory itself cannot be listed (no
    /// sysfs at `root`); every other problem lands in ``PMUInventory/problems``.
    public func discover() throws(SysfsError) -> PMUInventory {
        let devices = devicesPath
        let entries: [DirectoryEntry]
        do {
            entries = try fileSystem.list(devices)
        } catch {
            throw Self.sysfsError(error, path: devices, missingIs: .missing)
        }
        var pmus: [PMU] = []
        var problems: [SysfsError] = []
        for entry in entries {
            let reading = readPMU(directory: joinPath(devices, entry.name), name: entry.name)
            if let pmu = reading.pmu { pmus.append(pmu) }
            problems.append(contentsOf: reading.problems)
        }
        return PMUInventory(pmus: pmus, problems: problems, devicesPath: devices)
    }

    /// Discovers and looks up one PMU by name (see ``PMUInventory/pmu(named:)``).
    public func pmu(named name: String) throws(PMULookupError) -> PMU {
        let inventory: PMUInventory
        do {
            inventory = try discover()
        } catch {
            throw PMULookupError(reason: .unreadable(error))
        }
        return try inventory.pmu(named: name)
    }

    /// One PMU read from its directory, with the problems met (a nil PMU when
    /// it cannot be used at all).
    struct Reading {
        var pmu: PMU?
        var problems: [SysfsError] = []
    }

    /// Reads the PMU in `directory`.
    func readPMU(directory: String, name: String) -> Reading {
        var reading = Reading()
        // Device entries are symbolic links to directories: stat follows them
        // and reports a loop as ELOOP.
        let fileType = fileSystem.system.fileType(directory)
        if fileType < 0 {
            let error = SystemError(call: "stat", subject: directory, errno: Errno(rawValue: -fileType))
            reading.problems.append(SysfsError(path: directory, problem: .unreadable(error)))
            return reading
        }
        if fileType != 2 {
            reading.problems.append(SysfsError(path: directory, problem: .notDirectory))
            return reading
        }

        // type: required.
        let typePath = joinPath(directory, "type")
        let type: UInt32
        do {
            type = try Self.parseType(try readRequired(typePath), path: typePath)
        } catch {
            reading.problems.append(error)
            return reading
        }

        // cpus / cpumask: optional, but a PMU whose CPUs cannot be known is unusable.
        let cpusPath = joinPath(directory, "cpus")
        let cpumaskPath = joinPath(directory, "cpumask")
        var cpus: CPUSet?
        var hasCPUs = false
        var hasCPUMask = false
        do {
            if let text = try readOptional(cpusPath) {
                hasCPUs = true
                cpus = try Self.parseCPUs(text, path: cpusPath)
            }
            if let text = try readOptional(cpumaskPath) {
                hasCPUMask = true
                let mask = try Self.parseCPUs(text, path: cpumaskPath)
                if cpus == nil { cpus = mask }
            }
        } catch {
            reading.problems.append(error)
            return reading
        }

        let kind = PMUKind.classify(name: name, hasCPUsFile: hasCPUs, hasCPUMaskFile: hasCPUMask)
        var pmu = PMU(name: name, type: type, kind: kind, cpus: cpus, path: directory)
        pmu.capabilities = readCapabilities(joinPath(directory, "caps"), problems: &reading.problems)
        pmu.formats = readFormats(joinPath(directory, "format"), problems: &reading.problems)
        pmu.aliases = readAliases(joinPath(directory, "events"), problems: &reading.problems)
        reading.pmu = pmu
        return reading
    }

    // MARK: pure parsing

    /// Parses the content of a `type` file: a decimal number that fits 32 bits.
    static func parseType(_ text: String, path: String) throws(SysfsError) -> UInt32 {
        let value = trimmed(text)
        if value.isEmpty { throw SysfsError(path: path, problem: .empty) }
        if !value.utf8.allSatisfy(isDigit) { throw SysfsError(path: path, problem: .typeNotANumber(value)) }
        var number: UInt64 = 0
        for digit in value.utf8 {
            number = number * 10 + UInt64(digit - 48)
            if number > UInt64(UInt32.max) { throw SysfsError(path: path, problem: .typeOutOfRange(value)) }
        }
        return UInt32(number)
    }

    static func parseCPUs(_ text: String, path: String) throws(SysfsError) -> CPUSet {
        do {
            return try CPUSet(parsing: text)
        } catch {
            throw SysfsError(path: path, problem: .invalidCPUList(error))
        }
    }

    /// Whether `text` is a decimal floating-point number as the kernel writes
    /// scales: `1`, `0.001`, `6.103515625e-5`, `2.3283064365386962890625e-10`.
    static func isScale(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        var mantissaDigits = 0
        while let byte = bytes.first, isDigit(byte) { mantissaDigits += 1; bytes = bytes.dropFirst() }
        if bytes.first == 46 {  // '.'
            bytes = bytes.dropFirst()
            while let byte = bytes.first, isDigit(byte) { mantissaDigits += 1; bytes = bytes.dropFirst() }
        }
        if mantissaDigits == 0 { return false }
        if let byte = bytes.first, byte == 101 || byte == 69 {  // 'e' 'E'
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == 43 || sign == 45 { bytes = bytes.dropFirst() }
            var exponentDigits = 0
            while let byte = bytes.first, isDigit(byte) { exponentDigits += 1; bytes = bytes.dropFirst() }
            if exponentDigits == 0 { return false }
        }
        return bytes.isEmpty
    }

    // MARK: directories

    private func readCapabilities(_ path: String, problems: inout [SysfsError]) -> [String: String] {
        var capabilities: [String: String] = [:]
        for entry in listOptional(path, problems: &problems) {
            let file = joinPath(path, entry.name)
            do {
                if let value = try readOptional(file) { capabilities[entry.name] = value }
            } catch {
                problems.append(error)
            }
        }
        return capabilities
    }

    private func readFormats(_ path: String, problems: inout [SysfsError]) -> [FormatField] {
        var formats: [FormatField] = []
        for entry in listOptional(path, problems: &problems) {
            do {
                if let field = try readFormat(joinPath(path, entry.name), name: entry.name) { formats.append(field) }
            } catch {
                problems.append(error)
            }
        }
        return formats.sorted { $0.name < $1.name }
    }

    private func readFormat(_ file: String, name: String) throws(SysfsError) -> FormatField? {
        guard let text = try readOptional(file) else { return nil }
        do {
            return try FormatField(name: name, parsing: text)
        } catch {
            throw SysfsError(path: file, problem: .invalidFormat(error))
        }
    }

    private func readAlias(_ file: String, name: String) throws(SysfsError) -> EventAlias? {
        guard let text = try readOptional(file) else { return nil }
        if text.isEmpty { throw SysfsError(path: file, problem: .empty) }
        do {
            return EventAlias(name: name, terms: try TermList.parse(text))
        } catch {
            throw SysfsError(path: file, problem: .invalidAlias(error))
        }
    }

    /// The suffixes of alias attribute files, which describe `events/<alias>`.
    static let aliasAttributeSuffixes = [".scale", ".unit", ".per-pkg", ".snapshot"]

    private func readAliases(_ path: String, problems: inout [SysfsError]) -> [EventAlias] {
        let entries = listOptional(path, problems: &problems)
        var aliases: [String: EventAlias] = [:]
        var failed: Set<String> = []
        var attributes: [(alias: String, suffix: String, file: String)] = []
        for entry in entries {
            let file = joinPath(path, entry.name)
            if let suffix = Self.aliasAttributeSuffixes.first(where: { entry.name.hasSuffix($0) }),
               entry.name.utf8.count > suffix.utf8.count {
                let alias = String(entry.name.dropLast(suffix.count))
                attributes.append((alias, suffix, file))
                continue
            }
            do {
                if let alias = try readAlias(file, name: entry.name) { aliases[entry.name] = alias }
            } catch {
                failed.insert(entry.name)
                problems.append(error)
            }
        }
        for attribute in attributes {
            if failed.contains(attribute.alias) { continue }
            guard var alias = aliases[attribute.alias] else {
                problems.append(SysfsError(path: attribute.file, problem: .orphanAliasAttribute(alias: attribute.alias)))
                continue
            }
            do throws(SysfsError) {
                guard let text = try readOptional(attribute.file) else { continue }
                switch attribute.suffix {
                case ".scale":
                    guard Self.isScale(text) else {
                        throw SysfsError(
                            path: attribute.file,
                            problem: .invalidAliasAttribute(value: text, expected: "a decimal number such as 6.103515625e-5"))
                    }
                    alias.scale = text
                case ".unit":
                    alias.unit = text.isEmpty ? nil : text
                default:
                    let flag: Bool
                    switch text {
                    case "1", "": flag = true  // perf treats the file's presence as set
                    case "0": flag = false
                    default:
                        throw SysfsError(
                            path: attribute.file, problem: .invalidAliasAttribute(value: text, expected: "1 or 0"))
                    }
                    if attribute.suffix == ".per-pkg" { alias.perPackage = flag } else { alias.snapshot = flag }
                }
                aliases[attribute.alias] = alias
            } catch {
                // A wrong scale or flag would silently misreport counts: drop the alias.
                aliases[attribute.alias] = nil
                failed.insert(attribute.alias)
                problems.append(error)
            }
        }
        return aliases.values.sorted { $0.name < $1.name }
    }

    // MARK: reading

    /// A required attribute's trimmed content; a missing file is a problem.
    private func readRequired(_ path: String) throws(SysfsError) -> String {
        do {
            return try fileSystem.readAttribute(path)
        } catch {
            throw Self.sysfsError(error, path: path, missingIs: .missing)
        }
    }

    /// An optional attribute's trimmed content, nil when the file does not exist.
    private func readOptional(_ path: String) throws(SysfsError) -> String? {
        do {
            return try fileSystem.readAttribute(path)
        } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            throw Self.sysfsError(error, path: path, missingIs: .missing)
        }
    }

    /// An optional directory's entries, empty when it does not exist; a
    /// directory that cannot be listed is recorded as a problem.
    private func listOptional(_ path: String, problems: inout [SysfsError]) -> [DirectoryEntry] {
        do {
            return try fileSystem.list(path)
        } catch {
            if error.errno != .noSuchFileOrDirectory {
                problems.append(Self.sysfsError(error, path: path, missingIs: .missing))
            }
            return []
        }
    }

    private static func sysfsError(_ error: SystemError, path: String, missingIs: SysfsError.Problem) -> SysfsError {
        switch error.errno {
        case .noSuchFileOrDirectory: return SysfsError(path: path, problem: missingIs)
        case .isDirectory: return SysfsError(path: path, problem: .isDirectory)
        case .notDirectory: return SysfsError(path: path, problem: .notDirectory)
        default: return SysfsError(path: path, problem: .unreadable(error))
        }
    }
}
