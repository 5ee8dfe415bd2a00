import CPerfEvents
import PerfEvents

/// A counting tracepoint on the calling thread (any CPU), such as
/// `kvm:kvm_pio`: the kernel's own count of the exits a vCPU thread made,
/// to check the benchmark's count against.
final class TracepointCounter {
    let name: String
    private let fd: Int32

    /// Opens `name` (sys:event) enabled, counting from now.
    init(_ name: String, fileSystem: FileSystem) throws(BenchFailure) {
        let id: UInt64
        switch EventCatalog.tracepointID(name, fileSystem: fileSystem) {
        case .success(let value): id = value
        case .failure(let failure): throw failure
        }
        var attr = perf_event_attr()
        attr.size = cpe_PERF_ATTR_SIZE
        attr.type = LegacyType.tracepoint
        attr.config = id
        let fd = cpe_perf_event_open(&attr, 0, -1, -1, UInt64(PERF_FLAG_FD_CLOEXEC))
        if fd < 0 { throw BenchFailure("perf_event_open tracepoint \(name): \(Errno(rawValue: -fd))") }
        self.name = name
        self.fd = fd
    }

    /// The count so far; nil when the read fails.
    func read() -> UInt64? {
        var value: UInt64 = 0
        let got = withUnsafeMutableBytes(of: &value) { cpe_read(fd, $0.baseAddress, 8) }
        return got == 8 ? value : nil
    }

    deinit { _ = cpe_close(fd) }
}
