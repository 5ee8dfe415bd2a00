import CPerfEvents

/// One entry of a directory listing.
@usableFromInline package struct DirectoryEntry: Hashable, Sendable {
    /// What the directory says the entry is (`d_type`).
    package enum Kind: Hashable, Sendable {
        case file, directory, symbolicLink, other
    }
    package var name: String
    package var kind: Kind
    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// The system calls this package makes: the one thin layer between its code and
/// the kernel (`package` access, not part of the public API).
///
/// Every function follows the kernel's raw convention: it returns a non-negative
/// result or `-errno`, through the `CPerfEvents` shims. The test seam is decided
/// at build time, as swift-system's mocking is: in a build with `SYSTEM_MOCKING`
/// (the debug builds the tests run) a value made while a ``SystemMock`` is
/// installed on the thread (``SystemMock/installed(_:)``) answers from that mock;
/// in every other build (release, the Embedded lab) this is an empty value whose
/// calls are the kernel's, inlined: the seam costs nothing there.
///
/// Objects that own descriptors (counters, groups, virtual machines, VCPUs) keep the
/// value made when they were created, so a mock follows them to `close`, and to the
/// raw threads a VCPU runs on.
package struct SystemCalls: Sendable {
    #if SYSTEM_MOCKING
    /// The mock installed on the thread that made this value, nil for the kernel.
    @usableFromInline let mock: SystemMock?

    @inlinable init(mock: SystemMock?) { self.mock = mock }
    #else
    @inlinable init() {}
    #endif

    /// The system calls in force on the calling thread: the kernel's, or in a
    /// `SYSTEM_MOCKING` build the installed mock's.
    @inlinable package static var current: SystemCalls {
        #if SYSTEM_MOCKING
        return SystemCalls(mock: SystemMock.installedOnThisThread)
        #else
        return SystemCalls()
        #endif
    }

    /// Whether these are the kernel's calls (always, outside `SYSTEM_MOCKING` builds):
    /// counters then read and control their one descriptor inline, as C does.
    @inlinable package var isKernel: Bool {
        #if SYSTEM_MOCKING
        return mock == nil
        #else
        return true
        #endif
    }

    /// `perf_event_open(2)`: attr, pid, cpu, group fd, flags → fd or -errno.
    @inlinable package func perfEventOpen(
        _ attr: UnsafeMutablePointer<perf_event_attr>, _ pid: Int32, _ cpu: Int32, _ group: Int32, _ flags: UInt64
    ) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.perfEventOpen(attr, pid, cpu, group, flags) }
        #endif
        return Kernel.perfEventOpen(attr, pid, cpu, group, flags)
    }

    /// `ioctl(2)` with an integer or pointer argument → result or -errno.
    @inlinable package func ioctl(_ fd: Int32, _ request: UInt64, _ argument: UInt64) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.ioctl(fd, request, argument) }
        #endif
        return Kernel.ioctl(fd, request, argument)
    }

    /// `open(2)` with `O_CLOEXEC` added → fd or -errno.
    @inlinable package func open(_ path: String, _ flags: Int32) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.open(path, flags) }
        #endif
        return Kernel.open(path, flags)
    }

    /// `read(2)` → bytes read or -errno.
    @inlinable package func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        #if SYSTEM_MOCKING
        if let mock { return mock.read(fd, buffer) }
        #endif
        return Kernel.read(fd, buffer)
    }

    /// `write(2)` → bytes written or -errno.
    @inlinable package func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
        #if SYSTEM_MOCKING
        if let mock { return mock.write(fd, buffer) }
        #endif
        return Kernel.write(fd, buffer)
    }

    /// `close(2)` → 0 or -errno.
    @inlinable package func close(_ fd: Int32) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.close(fd) }
        #endif
        return Kernel.close(fd)
    }

    /// `mmap(2)` of a shared mapping → address or -errno.
    @inlinable package func mmap(_ length: Int, _ protection: Int32, _ flags: Int32, _ fd: Int32, _ offset: Int64) -> Int64 {
        #if SYSTEM_MOCKING
        if let mock { return mock.mmap(length, protection, flags, fd, offset) }
        #endif
        return Kernel.mmap(length, protection, flags, fd, offset)
    }

    /// `munmap(2)` → 0 or -errno.
    @inlinable package func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.munmap(address, length) }
        #endif
        return Kernel.munmap(address, length)
    }

    /// `opendir(3)`/`readdir(3)`: the entries of a directory, or -errno.
    @inlinable package func listDirectory(_ path: String) -> Result<[DirectoryEntry], Errno> {
        #if SYSTEM_MOCKING
        if let mock { return mock.listDirectory(path) }
        #endif
        return Kernel.listDirectory(path)
    }

    /// `stat(2)` reduced to what discovery needs: 1 file, 2 directory, 3 other, or -errno.
    @inlinable package func fileType(_ path: String) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.fileType(path) }
        #endif
        return Kernel.fileType(path)
    }

    /// `sched_setaffinity(2)` on a thread (0 = the caller) with a CPU bit mask.
    @inlinable package func setAffinity(_ tid: Int32, _ mask: [UInt64]) -> Int32 {
        #if SYSTEM_MOCKING
        if let mock { return mock.setAffinity(tid, mask) }
        #endif
        return Kernel.setAffinity(tid, mask)
    }

    /// `sched_getaffinity(2)`: the CPU bit mask of a thread, or -errno.
    @inlinable package func getAffinity(_ tid: Int32) -> Result<[UInt64], Errno> {
        #if SYSTEM_MOCKING
        if let mock { return mock.getAffinity(tid) }
        #endif
        return Kernel.getAffinity(tid)
    }

    /// The size of a memory page in bytes (`sysconf(_SC_PAGESIZE)`): the length
    /// of a perf event's metadata mapping.
    @inlinable package func pageSize() -> Int {
        #if SYSTEM_MOCKING
        if let mock { return mock.pageSize() }
        #endif
        return Kernel.pageSize()
    }

    /// `poll(2)` for readability on descriptors, at most `timeoutMilliseconds`
    /// (never unbounded): one flag byte per descriptor (1 readable, 2 hung up,
    /// 4 error) and how many are ready, or -errno.
    @inlinable package func poll(_ descriptors: [Int32], _ timeoutMilliseconds: Int32) -> (ready: Int32, flags: [UInt8]) {
        #if SYSTEM_MOCKING
        if let mock { return mock.poll(descriptors, timeoutMilliseconds) }
        #endif
        return Kernel.poll(descriptors, timeoutMilliseconds)
    }
}

/// The kernel's answers: what ``SystemCalls`` calls outside a mock, and what a
/// ``SystemMock`` starts from.
@usableFromInline
enum Kernel {
    @inlinable static func perfEventOpen(
        _ attr: UnsafeMutablePointer<perf_event_attr>, _ pid: Int32, _ cpu: Int32, _ group: Int32, _ flags: UInt64
    ) -> Int32 {
        cpe_perf_event_open(attr, pid, cpu, group, flags)
    }
    @inlinable static func ioctl(_ fd: Int32, _ request: UInt64, _ argument: UInt64) -> Int32 {
        cpe_ioctl(fd, request, argument)
    }
    @inlinable static func open(_ path: String, _ flags: Int32) -> Int32 { path.withCString { cpe_open($0, flags) } }
    @inlinable static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        Int(cpe_read(fd, buffer.baseAddress, UInt64(buffer.count)))
    }
    @inlinable static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
        Int(cpe_write(fd, buffer.baseAddress, UInt64(buffer.count)))
    }
    @inlinable static func close(_ fd: Int32) -> Int32 { cpe_close(fd) }
    @inlinable static func mmap(_ length: Int, _ protection: Int32, _ flags: Int32, _ fd: Int32, _ offset: Int64) -> Int64 {
        cpe_mmap(nil, UInt64(length), protection, flags, fd, offset)
    }
    @inlinable static func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32 {
        cpe_munmap(address, UInt64(length))
    }
    @usableFromInline static func listDirectory(_ path: String) -> Result<[DirectoryEntry], Errno> {
        liveListDirectory(path)
    }
    @inlinable static func fileType(_ path: String) -> Int32 { path.withCString { cpe_file_type($0) } }
    @inlinable static func setAffinity(_ tid: Int32, _ mask: [UInt64]) -> Int32 {
        mask.withUnsafeBufferPointer { cpe_set_affinity(tid, $0.baseAddress, UInt64($0.count)) }
    }
    @usableFromInline static func getAffinity(_ tid: Int32) -> Result<[UInt64], Errno> {
        // 16 words cover 1024 CPUs, the kernel's default CONFIG_NR_CPUS ceiling on our targets.
        var mask = [UInt64](repeating: 0, count: 16)
        let result = mask.withUnsafeMutableBufferPointer {
            cpe_get_affinity(tid, $0.baseAddress, UInt64($0.count))
        }
        return result < 0 ? .failure(Errno(rawValue: -result)) : .success(mask)
    }
    @inlinable static func pageSize() -> Int { Int(cpe_page_size()) }
    @usableFromInline static func poll(_ descriptors: [Int32], _ timeout: Int32) -> (ready: Int32, flags: [UInt8]) {
        var flags = [UInt8](repeating: 0, count: descriptors.count)
        let ready = descriptors.withUnsafeBufferPointer { fds in
            flags.withUnsafeMutableBufferPointer {
                cpe_poll_readable(fds.baseAddress, $0.baseAddress, UInt32(fds.count), timeout)
            }
        }
        return (ready, flags)
    }
}

/// The entries of `path` except "." and "..", read one `readdir` at a time
/// (`cpe_readdir` clears errno right before each, so the Swift code between the
/// calls cannot make the end of the directory look like a failure).
private func liveListDirectory(_ path: String) -> Result<[DirectoryEntry], Errno> {
    var directory: UnsafeMutableRawPointer?
    let opened = path.withCString { cpe_opendir($0, &directory) }
    if opened < 0 { return .failure(Errno(rawValue: -opened)) }
    guard let directory else { return .failure(.badAddress) }
    defer { _ = cpe_closedir(directory) }
    var entries: [DirectoryEntry] = []
    while true {
        var name: UnsafePointer<CChar>?
        var type: UInt8 = 0
        let result = cpe_readdir(directory, &name, &type)
        if result < 0 { return .failure(Errno(rawValue: -result)) }
        guard result > 0, let name else { return .success(entries) }
        let text = String(cString: name)
        if text == "." || text == ".." { continue }
        entries.append(DirectoryEntry(name: text, kind: DirectoryEntry.Kind(directoryType: type)))
    }
}

extension DirectoryEntry.Kind {
    /// The kind a `d_type` value (`DT_*` of dirent.h, pinned in CPerfEvents.c) stands for.
    init(directoryType: UInt8) {
        switch directoryType {
        case 8: self = .file             // DT_REG
        case 4: self = .directory        // DT_DIR
        case 10: self = .symbolicLink    // DT_LNK
        default: self = .other
        }
    }
}
