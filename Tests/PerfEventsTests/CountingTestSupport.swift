import Foundation
import CPerfEvents
@testable import PerfEvents

/// A thread-safe box for what a mocked system call saw.
final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func update<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { update { $0 } }
}

/// What one perf_event_open call was given.
struct OpenCall: Hashable {
    var type: UInt32
    var size: UInt32
    var config: UInt64
    var config1: UInt64
    var config2: UInt64
    var bpType: UInt32
    var readFormat: UInt64
    var flags: UInt64
    var pid: Int32
    var cpu: Int32
    var group: Int32
    var openFlags: UInt64

    init(_ attr: UnsafeMutablePointer<perf_event_attr>, pid: Int32, cpu: Int32, group: Int32, flags: UInt64) {
        type = attr.pointee.type
        size = attr.pointee.size
        config = attr.pointee.config
        config1 = attr.pointee.config1
        config2 = attr.pointee.config2
        bpType = attr.pointee.bp_type
        readFormat = attr.pointee.read_format
        self.flags = AttributeFlags(bitFieldsOf: attr.pointee).rawValue
        self.pid = pid
        self.cpu = cpu
        self.group = group
        openFlags = flags
    }
}

/// A kernel that answers perf_event_open with `result` (an fd or -errno),
/// records every call, and fakes descriptors so that close can be checked.
func mockKernel(
    openResult: @escaping @Sendable (OpenCall) -> Int32,
    calls: Recorder<[OpenCall]> = Recorder([]),
    closed: Recorder<[Int32]> = Recorder([])
) -> SystemMock {
    var system = SystemMock()
    system.perfEventOpen = { attr, pid, cpu, group, flags in
        let call = OpenCall(attr, pid: pid, cpu: cpu, group: group, flags: flags)
        calls.update { $0.append(call) }
        return openResult(call)
    }
    system.close = { fd in
        if fd >= 1000 { closed.update { $0.append(fd) }; return 0 }
        return cpe_close(fd)
    }
    return system
}

/// A directory standing in for /proc, with `sys/kernel/perf_event_paranoid` = `value` (nil: absent).
func fakeProc(paranoid value: String?) throws -> String {
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("counting-proc-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root + "/sys/kernel", withIntermediateDirectories: true)
    if let value {
        try (value + "\n").write(toFile: root + "/sys/kernel/perf_event_paranoid", atomically: true, encoding: .utf8)
    }
    return root
}

/// Native-endian bytes of `words`.
func bytes(_ words: [UInt64]) -> [UInt8] {
    words.withUnsafeBytes { Array($0) }
}

enum Software {
    static let taskClock = EventAttributes(type: LegacyType.software, config: 1)
    static let pageFaults = EventAttributes(type: LegacyType.software, config: 2)
    static let contextSwitches = EventAttributes(type: LegacyType.software, config: 3)
    static let cpuMigrations = EventAttributes(type: LegacyType.software, config: 4)
}
