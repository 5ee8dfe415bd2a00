/// The kernel's tracing file system, where tracepoint ids live:
/// `<root>/kernel/tracing/events/<subsystem>/<event>/id`, or under the older
/// `<root>/kernel/debug/tracing` mount point.
///
/// `root` is the sysfs root (`/sys` on a live system, a fixture tree in tests).
public struct Tracefs: Sendable {
    /// The sysfs root.
    public var root: String
    /// How files are read.
    package var fileSystem: FileSystem

    /// Tracefs under the sysfs root `root`.
    public init(root: String = "/sys") {
        self.init(root: root, fileSystem: FileSystem())
    }

    package init(root: String, fileSystem: FileSystem) {
        self.root = root
        self.fileSystem = fileSystem
    }

    /// The places tracefs may be mounted, in the order they are tried.
    package var candidateDirectories: [String] {
        [joinPath(root, "kernel/tracing"), joinPath(root, "kernel/debug/tracing")]
    }

    /// The `events` directory of the first mounted tracefs, or nil.
    package var eventsDirectory: String? {
        for directory in candidateDirectories {
            let events = joinPath(directory, "events")
            if fileSystem.isDirectory(events) { return events }
        }
        return nil
    }

    /// The tracepoint subsystems (`sched`, `syscalls`, …).
    package func subsystems() throws(TracefsError) -> [String] {
        let events = try mountedEvents()
        return try directories(in: events)
    }

    /// The events of one subsystem.
    package func events(in subsystem: String) throws(TracefsError) -> [String] {
        let events = try mountedEvents()
        let directory = joinPath(events, subsystem)
        guard fileSystem.isDirectory(directory) else {
            throw TracefsError.noSubsystem(
                subsystem: subsystem, suggestions: Suggestions.closest(to: subsystem, among: (try? directories(in: events)) ?? []))
        }
        return try directories(in: directory)
    }

    /// The id of tracepoint `subsystem:event`, what `perf_event_attr.config` takes with type 2.
    public func id(subsystem: String, event: String) throws(TracefsError) -> UInt64 {
        let events = try mountedEvents()
        guard isSafeName(subsystem), isSafeName(event) else {
            throw TracefsError.noEvent(subsystem: subsystem, event: event, suggestions: [])
        }
        let subsystemDirectory = joinPath(events, subsystem)
        guard fileSystem.isDirectory(subsystemDirectory) else {
            throw TracefsError.noSubsystem(
                subsystem: subsystem, suggestions: Suggestions.closest(to: subsystem, among: (try? directories(in: events)) ?? []))
        }
        let path = joinPath(joinPath(subsystemDirectory, event), "id")
        guard fileSystem.exists(path) else {
            throw TracefsError.noEvent(
                subsystem: subsystem, event: event,
                suggestions: Suggestions.closest(to: event, among: (try? directories(in: subsystemDirectory)) ?? []))
        }
        let text: String
        do {
            text = try fileSystem.readAttribute(path)
        } catch {
            throw TracefsError.unreadable(error)
        }
        guard let id = parseNumber(text) else {
            throw TracefsError.malformedID(path: path, content: text)
        }
        return id
    }

    private func mountedEvents() throws(TracefsError) -> String {
        if let events = eventsDirectory { return events }
        // Mounted but closed to this user (tracefs is mode 0700): say so, not "not mounted".
        for directory in candidateDirectories {
            let events = joinPath(directory, "events")
            let type = fileSystem.system.fileType(events)
            if type == -Errno.permissionDenied.rawValue || type == -Errno.notPermitted.rawValue {
                throw TracefsError.unreadable(SystemError(call: "stat", subject: events, errno: Errno(rawValue: -type)))
            }
        }
        throw TracefsError.notMounted(candidates: candidateDirectories)
    }

    private func directories(in path: String) throws(TracefsError) -> [String] {
        do {
            return try fileSystem.list(path).filter { $0.kind == .directory }.map { $0.name }
        } catch {
            throw TracefsError.unreadable(error)
        }
    }

    /// No path separators or dot-dot: a name cannot climb out of the events tree.
    private func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/"))
    }
}

/// Why a tracepoint id could not be read.
public enum TracefsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Neither mount point has an `events` directory.
    case notMounted(candidates: [String])
    /// No such subsystem directory.
    case noSubsystem(subsystem: String, suggestions: [String])
    /// The subsystem has no such event.
    case noEvent(subsystem: String, event: String, suggestions: [String])
    /// A file or directory could not be read (permissions: tracefs is root-only by default).
    case unreadable(SystemError)
    /// An `id` file that holds no number.
    case malformedID(path: String, content: String)

    public var description: String {
        switch self {
        case .notMounted(let candidates):
            let first = candidates.first ?? "/sys/kernel/tracing"
            return "tracefs is not mounted: mount -t tracefs nodev \(first) (looked in \(candidates.joined(separator: " and ")))"
        case .noSubsystem(let subsystem, let names):
            return "no tracepoint subsystem '\(subsystem)'\(didYouMean(names)) (list them with `ls <tracefs>/events`)"
        case .noEvent(let subsystem, let event, let names):
            return "no tracepoint \(subsystem):\(event)\(didYouMean(names.map { "\(subsystem):\($0)" }))"
        case .unreadable(let error):
            return "cannot read tracefs: \(error) (tracefs is readable by root only unless its mode was changed)"
        case .malformedID(let path, let content):
            return "tracepoint id file \(path) holds '\(content)', not a number"
        }
    }
}
