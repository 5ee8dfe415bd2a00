/// `perf_event_header.type`: what a record in the ring buffer is
/// (`enum perf_event_type`).
public struct RecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `PERF_RECORD_MMAP`: a new mapping (`attr.mmap`), without its file's device and inode (see ``mmap2``).
    public static let mmap = RecordType(rawValue: 1)
    /// Records the kernel could not write: the buffer was full.
    public static let lost = RecordType(rawValue: 2)
    /// `PERF_RECORD_COMM`: a thread's name changed.
    public static let comm = RecordType(rawValue: 3)
    /// `PERF_RECORD_EXIT`: a thread exited.
    public static let exit = RecordType(rawValue: 4)
    /// The kernel stopped sampling this event for a tick: too many interrupts.
    public static let throttle = RecordType(rawValue: 5)
    /// `PERF_RECORD_UNTHROTTLE`: the kernel resumed sampling this event.
    public static let unthrottle = RecordType(rawValue: 6)
    /// `PERF_RECORD_FORK`: a thread or process was created.
    public static let fork = RecordType(rawValue: 7)
    /// `PERF_RECORD_READ`: an inherited event's count, written when a child exits (`inherit_stat`).
    public static let read = RecordType(rawValue: 8)
    /// `PERF_RECORD_SAMPLE`: a sample.
    public static let sample = RecordType(rawValue: 9)
    /// `PERF_RECORD_MMAP2`: a mapping with its file's device and inode or build id (`attr.mmap2`).
    public static let mmap2 = RecordType(rawValue: 10)
    /// `PERF_RECORD_LOST_SAMPLES`: samples dropped before they reached the buffer (by the PMU, such as Intel PEBS, or a BPF filter).
    public static let lostSamples = RecordType(rawValue: 13)

    public var description: String {
        switch self {
        case .mmap: return "MMAP"
        case .lost: return "LOST"
        case .comm: return "COMM"
        case .exit: return "EXIT"
        case .throttle: return "THROTTLE"
        case .unthrottle: return "UNTHROTTLE"
        case .fork: return "FORK"
        case .read: return "READ"
        case .sample: return "SAMPLE"
        case .mmap2: return "MMAP2"
        case .lostSamples: return "LOST_SAMPLES"
        default: return "type \(rawValue)"
        }
    }
}

/// `struct perf_event_header`: the 8 bytes every record starts with.
public struct RecordHeader: Hashable, Sendable {
    /// `type`: what the record is.
    public var type: RecordType
    /// `misc`: the CPU mode (`PERF_RECORD_MISC_*`) and per-type flags.
    public var misc: UInt16
    /// The record's whole size in bytes, header included.
    public var size: UInt16

    package init(type: RecordType, misc: UInt16, size: UInt16) {
        self.type = type
        self.misc = misc
        self.size = size
    }

    /// The header at the start of `bytes` (which must hold 8).
    init(loading bytes: UnsafeRawPointer) {
        type = RecordType(rawValue: bytes.loadUnaligned(as: UInt32.self))
        misc = bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        size = bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
    }

    /// `PERF_RECORD_MISC_COMM_EXEC`: a COMM record caused by `exec`.
    package static let commExec: UInt16 = 1 << 13
    /// `PERF_RECORD_MISC_MMAP_BUILD_ID`: an MMAP2 record carries a build id instead of device and inode.
    package static let mmapBuildID: UInt16 = 1 << 14
}
