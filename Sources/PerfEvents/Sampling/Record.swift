/// One record of a perf ring buffer, decoded.
public enum Record: Hashable, Sendable {
    case sample(Sample)
    /// Records the kernel dropped because the buffer was full.
    case lost(LostRecord)
    /// Sampling of an event paused for the rest of a tick (too many interrupts).
    case throttle(ThrottleRecord)
    /// Sampling resumed.
    case unthrottle(ThrottleRecord)
    /// A thread's name changed (or `exec` gave it one).
    case comm(CommRecord)
    case exit(TaskRecord)
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
    public var id: UInt64
    public var count: UInt64
    public var sampleID: SampleID?
}

/// `PERF_RECORD_THROTTLE` / `UNTHROTTLE`.
public struct ThrottleRecord: Hashable, Sendable {
    public var time: UInt64
    public var id: UInt64
    public var streamID: UInt64
    public var sampleID: SampleID?
}

/// `PERF_RECORD_COMM`.
public struct CommRecord: Hashable, Sendable {
    public var pid: Int32
    public var tid: Int32
    /// The new name (at most 15 characters, as the kernel keeps it).
    public var name: String
    /// Whether `exec` caused it (`PERF_RECORD_MISC_COMM_EXEC`, with `comm_exec`).
    public var isExec: Bool
    public var sampleID: SampleID?
}

/// `PERF_RECORD_FORK` / `EXIT`.
public struct TaskRecord: Hashable, Sendable {
    public var pid: Int32
    public var parentPID: Int32
    public var tid: Int32
    public var parentTID: Int32
    public var time: UInt64
    public var sampleID: SampleID?
}

/// `PERF_RECORD_MMAP2`.
public struct Mmap2Record: Hashable, Sendable {
    public var pid: Int32
    public var tid: Int32
    public var address: UInt64
    public var length: UInt64
    public var pageOffset: UInt64
    /// Device, inode and generation of the file; nil when the record carries a build id.
    public var file: MappedFile?
    /// The build id (`PERF_RECORD_MISC_MMAP_BUILD_ID`, with `build_id`).
    public var buildID: [UInt8]?
    public var protection: UInt32
    public var flags: UInt32
    public var filename: String
    public var sampleID: SampleID?
}

/// The file behind a mapping.
public struct MappedFile: Hashable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var inode: UInt64
    public var inodeGeneration: UInt64
}
