/// One record of a perf ring buffer, decoded.
public enum Record: Hashable, Sendable {
    /// `PERF_RECORD_SAMPLE`: a sample of an event, with the fields `sample_type` asked for.
    case sample(Sample)
    /// Records the kernel dropped because the buffer was full.
    case lost(LostRecord)
    /// Sampling of an event paused for the rest of a tick (too many interrupts).
    case throttle(ThrottleRecord)
    /// Sampling resumed.
    case unthrottle(ThrottleRecord)
    /// A thread's name changed (or `exec` gave it one).
    case comm(CommRecord)
    /// `PERF_RECORD_EXIT`: a thread exited.
    case exit(TaskRecord)
    /// `PERF_RECORD_FORK`: a thread or process was created.
    case fork(TaskRecord)
    /// An executable mapping (with `mmap2`).
    case mmap2(Mmap2Record)
    /// A record type this library does not decode, skipped by its size.
    case other(RecordHeader)

    /// The record's type.
    public var type: RecordType {
        switch self {
        case .sample: return .sample
        case .lost: return .lost
        case .throttle: return .throttle
        case .unthrottle: return .unthrottle
        case .comm: return .comm
        case .exit: return .exit
        case .fork: return .fork
        case .mmap2: return .mmap2
        case .other(let header): return header.type
        }
    }
}

/// `PERF_RECORD_LOST`: `count` records of event `id` were not written.
public struct LostRecord: Hashable, Sendable {
    /// `id`: the unique id of the event whose records were lost (`PERF_FORMAT_ID`'s value).
    public var id: UInt64
    /// `lost`: how many records were not written.
    public var count: UInt64
    /// The `sample_id` trailer, when `sample_id_all` is set.
    public var sampleID: SampleID?
}

/// `PERF_RECORD_THROTTLE` / `UNTHROTTLE`.
public struct ThrottleRecord: Hashable, Sendable {
    /// `time`: when it happened, in perf's clock (nanoseconds).
    public var time: UInt64
    /// `id`: the unique id of the event.
    public var id: UInt64
    /// `stream_id`: the id of the original event (for an inherited event, the parent's).
    public var streamID: UInt64
    /// The `sample_id` trailer, when `sample_id_all` is set.
    public var sampleID: SampleID?
}

/// `PERF_RECORD_COMM`.
public struct CommRecord: Hashable, Sendable {
    /// `pid`: the process.
    public var pid: Int32
    /// `tid`: the thread whose name changed.
    public var tid: Int32
    /// The new name (at most 15 characters, as the kernel keeps it).
    public var name: String
    /// Whether `exec` caused it (`PERF_RECORD_MISC_COMM_EXEC`, with `comm_exec`).
    public var isExec: Bool
    /// The `sample_id` trailer, when `sample_id_all` is set.
    public var sampleID: SampleID?
}

/// `PERF_RECORD_FORK` / `EXIT`.
public struct TaskRecord: Hashable, Sendable {
    /// `pid`: the process of the thread created or exiting.
    public var pid: Int32
    /// `ppid`: the parent's process.
    public var parentPID: Int32
    /// `tid`: the thread created or exiting.
    public var tid: Int32
    /// `ptid`: the parent thread.
    public var parentTID: Int32
    /// `time`: when it happened, in perf's clock (nanoseconds).
    public var time: UInt64
    /// The `sample_id` trailer, when `sample_id_all` is set.
    public var sampleID: SampleID?
}

/// `PERF_RECORD_MMAP2`.
public struct Mmap2Record: Hashable, Sendable {
    /// `pid`: the process that mapped.
    public var pid: Int32
    /// `tid`: the thread that mapped.
    public var tid: Int32
    /// `addr`: the mapping's start address.
    public var address: UInt64
    /// `len`: the mapping's length in bytes.
    public var length: UInt64
    /// `pgoff`: the file offset the mapping starts at, in bytes.
    public var pageOffset: UInt64
    /// Device, inode and generation of the file; nil when the record carries a build id.
    public var file: MappedFile?
    /// The build id (`PERF_RECORD_MISC_MMAP_BUILD_ID`, with `build_id`).
    public var buildID: [UInt8]?
    /// `prot`: the `PROT_*` bits (`PROT_EXEC` 4 for code).
    public var protection: UInt32
    /// `flags`: the `MAP_*` bits (`MAP_SHARED`, `MAP_PRIVATE`, …).
    public var flags: UInt32
    /// `filename`: the mapped file's path, or a name such as `[vdso]` or `//anon`.
    public var filename: String
    /// The `sample_id` trailer, when `sample_id_all` is set.
    public var sampleID: SampleID?
}

/// The file behind a mapping.
public struct MappedFile: Hashable, Sendable {
    /// `maj`: the major number of the file's device.
    public var major: UInt32
    /// `min`: the minor number of the file's device.
    public var minor: UInt32
    /// `ino`: the file's inode number.
    public var inode: UInt64
    /// `ino_generation`: the inode's generation number.
    public var inodeGeneration: UInt64
}
