#if SYSTEM_MOCKING
import CPerfEvents
import Glibc

/// The test seam (only in builds with `SYSTEM_MOCKING`, the debug builds the tests
/// run): a value of replaceable system calls, each the kernel's until replaced.
/// Installed on a thread (``installed(_:)``), it answers every ``SystemCalls`` value
/// made there, which objects keep: a mocked counter closes its mocked descriptors
/// through the mock, on whatever thread it goes away.
///
/// ```swift
/// var system = SystemMock()
/// system.perfEventOpen = { _, _, _, _, _ in -Errno.permissionDenied.rawValue }
/// let error = system.installed { () throws(CounterError) in try Counter(.software(.taskClock)) }
/// ```
@usableFromInline
package struct SystemMock: Sendable {
    @usableFromInline package var perfEventOpen: @Sendable (UnsafeMutablePointer<perf_event_attr>, Int32, Int32, Int32, UInt64) -> Int32 = Kernel.perfEventOpen
    @usableFromInline package var ioctl: @Sendable (_ fd: Int32, _ request: UInt64, _ argument: UInt64) -> Int32 = Kernel.ioctl
    @usableFromInline package var open: @Sendable (_ path: String, _ flags: Int32) -> Int32 = Kernel.open
    @usableFromInline package var read: @Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int = Kernel.read
    @usableFromInline package var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int = Kernel.write
    @usableFromInline package var close: @Sendable (_ fd: Int32) -> Int32 = Kernel.close
    @usableFromInline package var mmap: @Sendable (_ length: Int, _ protection: Int32, _ flags: Int32, _ fd: Int32, _ offset: Int64) -> Int64 = Kernel.mmap
    @usableFromInline package var munmap: @Sendable (_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32 = Kernel.munmap
    @usableFromInline package var listDirectory: @Sendable (_ path: String) -> Result<[DirectoryEntry], Errno> = Kernel.listDirectory
    @usableFromInline package var fileType: @Sendable (_ path: String) -> Int32 = Kernel.fileType
    @usableFromInline package var setAffinity: @Sendable (_ tid: Int32, _ mask: [UInt64]) -> Int32 = Kernel.setAffinity
    @usableFromInline package var getAffinity: @Sendable (_ tid: Int32) -> Result<[UInt64], Errno> = Kernel.getAffinity
    @usableFromInline package var pageSize: @Sendable () -> Int = Kernel.pageSize
    @usableFromInline package var poll: @Sendable (_ descriptors: [Int32], _ timeoutMilliseconds: Int32) -> (ready: Int32, flags: [UInt8]) = Kernel.poll

    /// Every call the kernel's, until replaced.
    package init() {}

    /// The system calls as this mock answers them (what an object made under ``installed(_:)`` keeps).
    package var calls: SystemCalls { SystemCalls(mock: self) }

    /// Runs `body` with this mock installed on the calling thread (the previous one,
    /// if any, back after): every ``SystemCalls/current`` made inside answers from it.
    package func installed<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let box = Box(self)
        let previous = pthread_getspecific(Self.key)
        pthread_setspecific(Self.key, Unmanaged.passRetained(box).toOpaque())
        defer {
            if let current = pthread_getspecific(Self.key) { Unmanaged<Box>.fromOpaque(current).release() }
            pthread_setspecific(Self.key, previous)
        }
        return try body()
    }

    /// The mock installed on the calling thread, nil when none.
    @usableFromInline package static var installedOnThisThread: SystemMock? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<Box>.fromOpaque(pointer).takeUnretainedValue().mock
    }

    private final class Box: @unchecked Sendable {
        let mock: SystemMock
        init(_ mock: SystemMock) { self.mock = mock }
    }

    /// The thread-specific slot (made once; a thread's box is released by ``installed(_:)``).
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
#endif
