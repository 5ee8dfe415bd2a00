/// Why a sampler could not be set up or read.
public enum SamplingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An event could not be opened (the counting layer's error, with its advice).
    case open(CounterError)
    /// The leader has no period or frequency.
    case notSampling(label: String)
    /// `sample_type` bits this library cannot decode.
    case unsupportedSampleType(SampleType)
    /// The number of data pages is not a power of two.
    case badBufferPages(Int)
    /// `mmap` of the ring buffer failed.
    case mapFailed(errno: Errno, bytes: Int)
    /// The metadata page's `data_offset`/`data_size` do not describe an area inside the mapping.
    case badDataArea(offset: Int, size: Int, mapped: Int)
    /// `PERF_EVENT_IOC_PAUSE_OUTPUT` failed (overwrite mode; Linux 4.7+).
    case pauseFailed(errno: Errno)
    /// `poll` failed.
    case pollFailed(errno: Errno)
    /// `read` of a sampling descriptor (its count and lost samples) failed or came back short.
    case readFailed(label: String, errno: Errno?, bytes: Int)
    /// `PERF_EVENT_IOC_ID` failed.
    case identifierFailed(label: String, errno: Errno)

    public var description: String {
        switch self {
        case .open(let error):
            return error.description
        case .notSampling(let label):
            return "\(label) has no sampling period or frequency: add period=N or freq=HZ to the event"
                + " (perf's -c N or -F HZ)"
        case .unsupportedSampleType(let type):
            return "sample_type bits 0x" + String(type.rawValue, radix: 16) + " are not decoded by this library"
                + " (it decodes IP, TID, TIME, ADDR, READ, CALLCHAIN, ID, CPU, PERIOD, STREAM_ID, RAW, IDENTIFIER)"
        case .badBufferPages(let pages):
            return "the ring buffer needs a power of two of data pages (1, 2, 4, …), not \(pages)"
        case .mapFailed(let errno, let bytes):
            var text = "cannot map the ring buffer (\(bytes) bytes): \(errno)"
            if errno == .permissionDenied || errno == .notPermitted {
                text += "; unprivileged users may lock only kernel.perf_event_mlock_kb (default 516 KiB) per user:"
                    + " use fewer pages, or raise the sysctl"
            } else if errno == .invalidArgument {
                text += "; an inherited event on any CPU (cpu -1) cannot be mapped: open it per CPU"
            }
            return text
        case .badDataArea(let offset, let size, let mapped):
            return "the ring buffer's metadata page says the data area is \(size) bytes at \(offset),"
                + " which is not a power of two inside the \(mapped) bytes mapped"
        case .pauseFailed(let errno):
            return "cannot pause the overwrite-mode ring buffer (PERF_EVENT_IOC_PAUSE_OUTPUT, Linux 4.7+): \(errno)"
        case .pollFailed(let errno):
            return "poll on the sampling descriptors failed: \(errno)"
        case .readFailed(let label, let errno, let bytes):
            if let errno { return "cannot read the count of \(label): \(errno)" }
            return "reading the count of \(label) gave \(bytes) bytes, fewer than its read format needs"
        case .identifierFailed(let label, let errno):
            return "cannot get the kernel's id of \(label) (PERF_EVENT_IOC_ID): \(errno)"
        }
    }
}
