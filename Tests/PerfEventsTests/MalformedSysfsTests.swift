import Foundation
import Testing
@testable import PerfEvents

/// What one case of Fixtures/sysfs-malformed must produce.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    /// The case directory.
    var name: String
    /// The file the problem names, relative to the devices directory; nil when the case is no defect.
    var file: String?
    /// Whether the problem is the expected one.
    var matches: @Sendable (SysfsError.Problem) -> Bool
    /// Whether the `bad` PMU is still listed (with the bad entry left out).
    var badListed: Bool
    var testDescription: String { name }
}

private func cpuListProblem(_ part: String) -> @Sendable (SysfsError.Problem) -> Bool {
    { problem in
        if case .invalidCPUList(let error) = problem { return error.part == part }
        return false
    }
}

private func formatProblem(_ expected: FormatSpecError.Problem) -> @Sendable (SysfsError.Problem) -> Bool {
    { problem in
        if case .invalidFormat(let error) = problem { return error.problem == expected && error.term == "event" }
        return false
    }
}

private let none: @Sendable (SysfsError.Problem) -> Bool = { _ in false }

let malformedCases: [MalformedCase] = [
    MalformedCase(name: "type-not-a-number", file: "bad/type", matches: { $0 == .typeNotANumber("abc") }, badListed: false),
    MalformedCase(name: "type-missing", file: "bad/type", matches: { $0 == .missing }, badListed: false),
    MalformedCase(name: "type-out-of-range", file: "bad/type", matches: { $0 == .typeOutOfRange("4294967296") }, badListed: false),
    MalformedCase(name: "type-negative", file: "bad/type", matches: { $0 == .typeNotANumber("-1") }, badListed: false),
    MalformedCase(name: "type-empty", file: "bad/type", matches: { $0 == .empty }, badListed: false),
    MalformedCase(name: "type-directory", file: "bad/type", matches: { $0 == .isDirectory }, badListed: false),
    MalformedCase(name: "cpus-backwards", file: "bad/cpus", matches: cpuListProblem("4-2"), badListed: false),
    MalformedCase(name: "cpus-open-range", file: "bad/cpus", matches: cpuListProblem(""), badListed: false),
    MalformedCase(name: "cpus-huge-cpu", file: "bad/cpus", matches: cpuListProblem("99999"), badListed: false),
    MalformedCase(name: "cpumask-garbage", file: "bad/cpumask", matches: cpuListProblem("zero"), badListed: false),
    MalformedCase(name: "format-bit-70", file: "bad/format/event", matches: formatProblem(.bitOutOfRange("70")), badListed: true),
    MalformedCase(name: "format-unknown-word", file: "bad/format/event", matches: formatProblem(.unknownWord("config9")), badListed: true),
    MalformedCase(name: "format-backwards", file: "bad/format/event", matches: formatProblem(.backwardsRange(low: 5, high: 3)), badListed: true),
    MalformedCase(name: "format-overlap", file: "bad/format/event", matches: formatProblem(.overlappingRanges("0-7", "4-9")), badListed: true),
    MalformedCase(name: "format-garbage", file: "bad/format/event", matches: formatProblem(.missingColon), badListed: true),
    MalformedCase(name: "format-empty", file: "bad/format/event", matches: formatProblem(.empty), badListed: true),
    MalformedCase(name: "format-directory", file: "bad/format/umask", matches: { $0 == .isDirectory }, badListed: true),
    MalformedCase(name: "alias-garbage", file: "bad/events/broken", matches: { problem in
        if case .invalidAlias(let error) = problem { return error.term == "event=" }
        return false
    }, badListed: true),
    MalformedCase(name: "alias-empty", file: "bad/events/blank", matches: { $0 == .empty }, badListed: true),
    MalformedCase(name: "alias-bad-scale", file: "bad/events/reads.scale", matches: { problem in
        if case .invalidAliasAttribute(let value, _) = problem { return value == "fast" }
        return false
    }, badListed: true),
    MalformedCase(name: "alias-orphan-attribute", file: "bad/events/ghost.unit",
                  matches: { $0 == .orphanAliasAttribute(alias: "ghost") }, badListed: true),
    MalformedCase(name: "alias-flags", file: "bad/events/bad.snapshot", matches: { problem in
        if case .invalidAliasAttribute(let value, let expected) = problem { return value == "yes" && expected == "1 or 0" }
        return false
    }, badListed: true),
    MalformedCase(name: "not-a-directory", file: "bad", matches: { $0 == .notDirectory }, badListed: false),
    // Not defects: discovery must accept them.
    MalformedCase(name: "alias-unknown-term", file: nil, matches: none, badListed: true),
    MalformedCase(name: "no-trailing-newline", file: nil, matches: none, badListed: true),
    MalformedCase(name: "crlf", file: nil, matches: none, badListed: true),
]

private func devices(_ root: String) -> String { root + "/bus/event_source/devices" }

@Suite(.timeLimit(.minutes(5))) struct MalformedSysfsTests {
    @Test func everyCaseOnDiskHasAnExpectation() {
        #expect(SysfsFixtures.malformedCases == malformedCases.map { $0.name }.sorted())
    }

    @Test(arguments: malformedCases) func problemNamesTheFileAndGoodPMUSurvives(_ expectation: MalformedCase) throws {
        let root = SysfsFixtures.malformed(expectation.name)
        let inventory = try PMUDiscovery(root: root).discover()

        // The good PMU is always there, intact.
        let software = try inventory.pmu(named: "software")
        #expect(software.type == 1 && software.kind == .software)
        #expect(inventory.pmus.contains { $0.name == "bad" } == expectation.badListed)

        guard let file = expectation.file else {
            #expect(inventory.problems.isEmpty, "\(inventory.problems)")
            return
        }
        #expect(inventory.problems.count == 1, "\(inventory.problems)")
        let problem = try #require(inventory.problems.first)
        #expect(problem.path == devices(root) + "/" + file)
        #expect(expectation.matches(problem.problem), "\(problem.problem)")
        #expect(problem.description.hasPrefix(devices(root) + "/" + file + ": "))

        if !expectation.badListed {
            // Looking the broken PMU up explains why it is not usable.
            do {
                _ = try inventory.pmu(named: "bad")
                Issue.record("a malformed PMU was returned")
            } catch {
                guard case .malformed(let name, let problems) = error.reason else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(name == "bad")
                #expect(problems == [problem])
                #expect(error.description.contains(file))
            }
        }
    }

    @Test func malformedFormatLeavesTheOtherFieldsAndAliases() throws {
        let inventory = try PMUDiscovery(root: SysfsFixtures.malformed("format-directory")).discover()
        let bad = try inventory.pmu(named: "bad")
        #expect(bad.formats.map { $0.description } == ["event=config:0-7"])
        #expect(bad.type == 20)
    }

    @Test func aliasNamingAnUnknownTermIsKeptForResolutionToReject() throws {
        let inventory = try PMUDiscovery(root: SysfsFixtures.malformed("alias-unknown-term")).discover()
        let bad = try inventory.pmu(named: "bad")
        #expect(bad.alias(named: "odd")?.terms
                == [EventTerm(name: "event", value: .number(1)), EventTerm(name: "bogus", value: .number(3))])
        #expect(bad.format(named: "bogus") == nil)
    }

    @Test func aliasAttributes() throws {
        let inventory = try PMUDiscovery(root: SysfsFixtures.malformed("alias-flags")).discover()
        let bad = try inventory.pmu(named: "bad")
        #expect(bad.aliases.map { $0.name } == ["both", "pkg"])  // "bad" dropped: its snapshot file says "yes"
        let pkg = try #require(bad.alias(named: "pkg"))
        #expect(pkg.perPackage && pkg.snapshot)
        let both = try #require(bad.alias(named: "both"))
        #expect(!both.perPackage && !both.snapshot)
        let scaled = try PMUDiscovery(root: SysfsFixtures.malformed("alias-bad-scale")).discover()
        #expect(try scaled.pmu(named: "bad").aliases.isEmpty)
    }

    @Test(arguments: ["no-trailing-newline", "crlf"]) func lineEndingsDoNotMatter(_ name: String) throws {
        let inventory = try PMUDiscovery(root: SysfsFixtures.malformed(name)).discover()
        let bad = try inventory.pmu(named: "bad")
        #expect(bad.type == 20)
        #expect(bad.isCore)
        #expect(bad.cpus?.description == "0-1")
        #expect(bad.capabilities == ["pmu_name": "plain"])
        #expect(bad.formats.map { $0.description } == ["event=config:0-7"])
        #expect(bad.alias(named: "ev")?.terms == [EventTerm(name: "event", value: .number(0x3c))])
    }

    @Test func scaleSyntax() {
        for good in ["1", "0.001", "6.103515625e-5", "2.3283064365386962890625e-10", "1E+3", ".5", "5."] {
            #expect(PMUDiscovery.isScale(good), "\(good)")
        }
        for bad in ["", "fast", "1e", "e5", "1.2.3", "0x10", "-1", "1 2", "."] {
            #expect(!PMUDiscovery.isScale(bad), "\(bad)")
        }
    }

    @Test func typeParsing() throws {
        #expect(try PMUDiscovery.parseType("4294967295\n", path: "t") == UInt32.max)
        #expect(try PMUDiscovery.parseType("0004", path: "t") == 4)
        #expect(throws: SysfsError(path: "t", problem: .typeOutOfRange("99999999999999999999999"))) {
            try PMUDiscovery.parseType("99999999999999999999999", path: "t")
        }
        #expect(throws: SysfsError(path: "t", problem: .typeNotANumber("0x4"))) {
            try PMUDiscovery.parseType("0x4", path: "t")
        }
        #expect(throws: SysfsError(path: "t", problem: .typeNotANumber("4 5"))) {
            try PMUDiscovery.parseType("4 5\n", path: "t")
        }
    }
}

/// Failures that fixtures cannot hold: errno from the kernel, played through
/// mocked SystemCalls or real symbolic-link loops in a temporary directory.
@Suite(.timeLimit(.minutes(5))) struct SysfsSystemErrorTests {
    private func system(failing call: String, path suffix: String, with errno: Errno) -> FileSystem {
        var system = SystemMock()
        let live = SystemMock()
        switch call {
        case "open":
            system.open = { path, flags in
                path.hasSuffix(suffix) ? -errno.rawValue : live.open(path, flags)
            }
        case "read":
            // Fail reads of the one file whose descriptor we saw opened.
            let opened = OpenedDescriptors()
            system.open = { path, flags in
                let fd = live.open(path, flags)
                if path.hasSuffix(suffix) { opened.insert(fd) }
                return fd
            }
            system.read = { fd, buffer in opened.contains(fd) ? -Int(errno.rawValue) : live.read(fd, buffer) }
            system.close = { fd in opened.remove(fd); return live.close(fd) }
        case "opendir":
            system.listDirectory = { path in path.hasSuffix(suffix) ? .failure(errno) : live.listDirectory(path) }
        default:
            Issue.record("no mock for \(call)")
        }
        return system.installed { FileSystem() }
    }

    @Test func unreadableTypeDropsOnlyThatPMU() throws {
        let root = SysfsFixtures.root("rk3399")
        let fileSystem = system(failing: "open", path: "armv8_cortex_a72/type", with: .permissionDenied)
        let inventory = try PMUDiscovery(root: root, fileSystem: fileSystem).discover()
        #expect(inventory.pmus.map { $0.name } == ["software", "tracepoint", "breakpoint", "armv8_cortex_a53"])
        let problem = try #require(inventory.problems.first)
        #expect(inventory.problems.count == 1)
        #expect(problem.path == devices(root) + "/armv8_cortex_a72/type")
        #expect(problem.errno == .permissionDenied)
        guard case .unreadable(let error) = problem.problem else { Issue.record("\(problem)"); return }
        #expect(error.call == "open")
        #expect(problem.description.contains("EACCES"))
        #expect(problem.description.contains("armv8_cortex_a72/type"))
    }

    @Test func failedReadOfCPUsDropsThePMU() throws {
        let root = SysfsFixtures.root("alderlake")
        let fileSystem = system(failing: "read", path: "cpu_atom/cpus", with: .ioError)
        let inventory = try PMUDiscovery(root: root, fileSystem: fileSystem).discover()
        #expect(!inventory.pmus.contains { $0.name == "cpu_atom" })
        #expect(inventory.corePMUs.map { $0.name } == ["cpu_core"])
        #expect(inventory.problems.map { $0.path } == [devices(root) + "/cpu_atom/cpus"])
        #expect(inventory.problems.first?.errno == .ioError)
    }

    @Test func unlistableFormatDirectoryKeepsThePMU() throws {
        let root = SysfsFixtures.root("juno")
        let fileSystem = system(failing: "opendir", path: "armv8_cortex_a53/format", with: .permissionDenied)
        let inventory = try PMUDiscovery(root: root, fileSystem: fileSystem).discover()
        let pmu = try inventory.pmu(named: "armv8_cortex_a53")
        #expect(pmu.formats.isEmpty)
        #expect(pmu.aliases.count == 10)
        #expect(try inventory.pmu(named: "armv8_cortex_a72").formats.count == 6)
        #expect(inventory.problems.map { $0.path } == [devices(root) + "/armv8_cortex_a53/format"])
        #expect(inventory.problems.first?.errno == .permissionDenied)
    }

    @Test func unlistableDevicesDirectoryThrows() throws {
        let root = SysfsFixtures.root("juno")
        let fileSystem = system(failing: "opendir", path: "bus/event_source/devices", with: .permissionDenied)
        #expect(throws: SysfsError(
            path: devices(root),
            problem: .unreadable(SystemError(call: "opendir", subject: devices(root), errno: .permissionDenied)))
        ) {
            try PMUDiscovery(root: root, fileSystem: fileSystem).discover()
        }
    }

    @Test func symbolicLinksAndLoops() throws {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("perf-events-sysfs-\(UUID().uuidString)").path
        defer { try? manager.removeItem(atPath: root) }
        let devicesPath = devices(root)
        try manager.createDirectory(atPath: devicesPath, withIntermediateDirectories: true)
        // The real layout: devices/<name> is a link to a directory elsewhere.
        try manager.createDirectory(atPath: root + "/devices/software", withIntermediateDirectories: true)
        try "1\n".write(toFile: root + "/devices/software/type", atomically: false, encoding: .utf8)
        try manager.createSymbolicLink(atPath: devicesPath + "/software", withDestinationPath: "../../../devices/software")
        // A device entry that links to itself.
        try manager.createSymbolicLink(atPath: devicesPath + "/loop", withDestinationPath: "loop")
        // A good PMU with an alias file that links to itself.
        try manager.createDirectory(atPath: devicesPath + "/msr/events", withIntermediateDirectories: true)
        try "9\n".write(toFile: devicesPath + "/msr/type", atomically: false, encoding: .utf8)
        try "event=0x00\n".write(toFile: devicesPath + "/msr/events/tsc", atomically: false, encoding: .utf8)
        try manager.createSymbolicLink(atPath: devicesPath + "/msr/events/spin", withDestinationPath: "spin")

        let inventory = try PMUDiscovery(root: root).discover()
        #expect(inventory.pmus.map { "\($0.name)=\($0.type)" } == ["software=1", "msr=9"])
        #expect(try inventory.pmu(named: "msr").aliases.map { $0.name } == ["tsc"])
        #expect(inventory.problems.map { $0.path } == [devicesPath + "/loop", devicesPath + "/msr/events/spin"])
        #expect(inventory.problems.allSatisfy { $0.errno == .tooManySymbolicLinks })
        #expect(inventory.problems.allSatisfy { $0.description.contains("ELOOP") })
    }
}

/// Descriptors a mock has seen opened, shared between its closures.
final class OpenedDescriptors: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptors: Set<Int32> = []
    func insert(_ fd: Int32) { lock.withLock { _ = descriptors.insert(fd) } }
    func remove(_ fd: Int32) { lock.withLock { _ = descriptors.remove(fd) } }
    func contains(_ fd: Int32) -> Bool { lock.withLock { descriptors.contains(fd) } }
}
