import CPerfEvents

/// One entry of a directory listing.
public struct DirectoryEntry: Hashable, Sendable {
    /// What the directory says the entry is (`d_type`).
    public enum Kind: Hashable, Sendable {
        case file, directory, symbolicLink, other
    }
    public var name: String
    public var kind: Kind
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// The system calls this library makes, as a value of replaceable functions:
/// the package's test seam (`package` access, not part of the public API).
///
/// Every function follows the kernel's raw convention: it returns a
/// non-negative result or `-errno`. ``SystemCalls/live`` calls the kernel
/// through the `CPerfEvents` shims; tests (and tools that embed the library)
/// replace single functions to play the kernel, for instance to make
/// `perf_event_open` fail with `EACCES`, without touching global state:
///
/// ```swift
/// var system = SystemCalls.live
/// system.perfEventOpen = { _, _, _, _, _ in -Errno.permissionDenied.rawValue }
/// ```
///
/// Objects that own descriptors (counters, groups, virtual machines) keep the
/// `SystemCalls` they were created with, so a mock follows them to `close`.
package struct SystemCalls: Sendable {
    /// `perf_event_open(2)`: attr, pid, cpu, group fd, flags → fd or -errno.
    package var perfEventOpen: @Sendable (UnsafeMutablePointer<perf_event_attr>, Int32, Int32, Int32, UInt64) -> Int32
    /// `ioctl(2)` with an integer or pointer argument → result or -errno.
    /// Replacing it makes ``controlsTheKernel`` false.
    package var ioctl: @Sendable (_ fd: Int32, _ request: UInt64, _ argument: UInt64) -> Int32 {
        didSet { controlsTheKernel = false }
    }
    /// Whether ``ioctl`` is the kernel's `ioctl(2)`: counters then call it
    /// directly (inlined) to enable and disable. Only ``live`` sets it.
    package private(set) var controlsTheKernel = false
    /// `open(2)` with `O_CLOEXEC` added → fd or -errno.
    package var open: @Sendable (_ path: String, _ flags: Int32) -> Int32
    /// `read(2)` → bytes read or -errno. Replacing it makes ``readsTheKernel`` false.
    package var read: @Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        didSet { readsTheKernel = false }
    }
    /// Whether ``read`` is the kernel's `read(2)`: counters then call it directly
    /// (inlined, no closure) on their read hot path. Only ``live`` sets it.
    package private(set) var readsTheKernel = false
    /// `write(2)` → bytes written or -errno.
    package var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int
    /// `close(2)` → 0 or -errno.
    package var close: @Sendable (_ fd: Int32) -> Int32
    /// `mmap(2)` of a shared mapping → address or -errno.
    package var mmap: @Sendable (_ length: Int, _ protection: Int32, _ flags: Int32, _ fd: Int32, _ offset: Int64) -> Int64
    /// `munmap(2)` → 0 or -errno.
    package var munmap: @Sendable (_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32
    /// `opendir(3)`/`readdir(3)`: the entries of a directory, or -errno.
    package var listDirectory: @Sendable (_ path: String) -> Result<[DirectoryEntry], Errno>
    /// `stat(2)` reduced to what discovery needs: 1 file, 2 directory, 3 other, or -errno.
    package var fileType: @Sendable (_ path: String) -> Int32
    /// `sched_setaffinity(2)` on a thread (0 = the caller) with a CPU bit mask.
    package var setAffinity: @Sendable (_ tid: Int32, _ mask: [UInt64]) -> Int32
    /// `sched_getaffinity(2)`: the CPU bit mask of a thread, or -errno.
    package var getAffinity: @Sendable (_ tid: Int32) -> Result<[UInt64], Errno>
    /// The size of a memory page in bytes (`sysconf(_SC_PAGESIZE)`): the length
    /// of a perf event's metadata mapping. Not in the initializer, so that
    /// existing callers keep compiling; replace it on a value like the others.
    package var pageSize: @Sendable () -> Int = { Int(cpe_page_size()) }
    /// `poll(2)` for readability on descriptors, at most `timeoutMilliseconds`
    /// (never unbounded): one flag byte per descriptor (1 readable, 2 hung up,
    /// 4 error) and how many are ready, or -errno. Replace it like ``pageSize``.
    package var poll: @Sendable (_ descriptors: [Int32], _ timeoutMilliseconds: Int32) -> (ready: Int32, flags: [UInt8]) = {
        descriptors, timeout in
        var flags = [UInt8](repeating: 0, count: descriptors.count)
        let ready = descriptors.withUnsafeBufferPointer { fds in
            flags.withUnsafeMutableBufferPointer {
                cpe_poll_readable(fds.baseAddress, $0.baseAddress, UInt32(fds.count), timeout)
            }
        }
        return (ready, flags)
    }

    package init(
        perfEventOpen: @escaping @Sendable (UnsafeMutablePointer<perf_event_attr>, Int32, Int32, Int32, UInt64) -> Int32,
        ioctl: @escaping @Sendable (Int32, UInt64, UInt64) -> Int32,
        open: @escaping @Sendable (String, Int32) -> Int32,
        read: @escaping @Sendable (Int32, UnsafeMutableRawBufferPointer) -> Int,
        write: @escaping @Sendable (Int32, UnsafeRawBufferPointer) -> Int,
        close: @escaping @Sendable (Int32) -> Int32,
        mmap: @escaping @Sendable (Int, Int32, Int32, Int32, Int64) -> Int64,
        munmap: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Int32,
        listDirectory: @escaping @Sendable (String) -> Result<[DirectoryEntry], Errno>,
        fileType: @escaping @Sendable (String) -> Int32,
        setAffinity: @escaping @Sendable (Int32, [UInt64]) -> Int32,
        getAffinity: @escaping @Sendable (Int32) -> Result<[UInt64], Errno>
    ) {
        self.perfEventOpen = perfEventOpen
        self.ioctl = ioctl
        self.open = open
        self.read = read
        self.write = write
        self.close = close
        self.mmap = mmap
        self.munmap = munmap
        self.listDirectory = listDirectory
        self.fileType = fileType
        self.setAffinity = setAffinity
        self.getAffinity = getAffinity
    }

    /// The real kernel.
    package static let live: SystemCalls = {
        var calls = kernel
        calls.readsTheKernel = true
        calls.controlsTheKernel = true
        return calls
    }()

    private static let kernel = SystemCalls(
        perfEventOpen: { attr, pid, cpu, group, flags in cpe_perf_event_open(attr, pid, cpu, group, flags) },
        ioctl: { fd, request, argument in cpe_ioctl(fd, request, argument) },
        open: { path, flags in path.withCString { cpe_open($0, flags) } },
        read: { fd, buffer in Int(cpe_read(fd, buffer.baseAddress, UInt64(buffer.count))) },
        write: { fd, buffer in Int(cpe_write(fd, buffer.baseAddress, UInt64(buffer.count))) },
        close: { fd in cpe_close(fd) },
        mmap: { length, protection, flags, fd, offset in
            cpe_mmap(nil, UInt64(length), protection, flags, fd, offset)
        },
        munmap: { address, length in cpe_munmap(address, UInt64(length)) },
        listDirectory: { path in liveListDirectory(path) },
        fileType: { path in path.withCString { cpe_file_type($0) } },
        setAffinity: { tid, mask in
            mask.withUnsafeBufferPointer { cpe_set_affinity(tid, $0.baseAddress, UInt64($0.count)) }
        },
        getAffinity: { tid in
            // 16 words cover 1024 CPUs, the kernel's default CONFIG_NR_CPUS ceiling on our targets.
            var mask = [UInt64](repeating: 0, count: 16)
            let result = mask.withUnsafeMutableBufferPointer {
                cpe_get_affinity(tid, $0.baseAddress, UInt64($0.count))
            }
            return result < 0 ? .failure(Errno(rawValue: -result)) : .success(mask)
        }
    )
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
