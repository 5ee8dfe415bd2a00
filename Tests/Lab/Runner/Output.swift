import CPerfEvents
import PerfEvents

/// The runner's output: one line per fact, written with write(2) at once (stdout is a
/// pipe in the lab, and stdio would hold everything back until exit).
///
/// Grammar (parsed by Tests/Lab/check-lab.py):
///
///     fact <name> key=value key=value … [msg=free text to the end of the line]
///     done errors=<n>
///
/// Values never contain spaces (empty ones are written `-`); `msg=` comes last.
enum Out {
    /// Failures the runner met where it expected none (the checker judges the facts);
    /// VCPU threads may count one at the same time, hence the atomic tally.
    static var errors: Int { Int(cpe_load_acquire_u64(errorTally)) }
    nonisolated(unsafe) private static let errorTally: UnsafeMutablePointer<UInt64> = {
        let tally = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        tally.initialize(to: 0)
        return tally
    }()

    static func line(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(10)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = retryingInterrupts { SystemCalls.current.write(1, UnsafeRawBufferPointer(rebasing: raw[offset...])) }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    static func fact(_ name: String, _ fields: [(String, String)], msg: String? = nil) {
        var text = "fact " + name
        for (key, value) in fields { text += " " + key + "=" + token(value) }
        if let msg { text += " msg=" + oneLine(msg) }
        line(text)
    }

    /// An unexpected failure: counted, and shown as a fact the checker reports.
    static func error(_ step: String, _ fields: [(String, String)] = [], msg: String) {
        _ = cpe_atomic_increment_u64(errorTally)
        fact("error", [("step", step)] + fields, msg: msg)
    }

    static func token(_ value: String) -> String {
        if value.isEmpty { return "-" }
        var bytes: [UInt8] = []
        for byte in value.utf8 { bytes.append(byte == 32 || byte == 9 || byte == 10 ? 95 : byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func oneLine(_ value: String) -> String {
        var bytes: [UInt8] = []
        for byte in value.utf8 { bytes.append(byte == 10 || byte == 13 ? 32 : byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    static func cpus(_ set: CPUSet?) -> String { set.map { $0.isEmpty ? "-" : $0.description } ?? "-" }
}

extension CounterValue {
    /// `counted`, `multiplexed`, `notCounted` or `notSupported`.
    var statusToken: String {
        switch status {
        case .counted: return "counted"
        case .multiplexed: return "multiplexed"
        case .notCounted: return "notCounted"
        case .notSupported: return "notSupported"
        }
    }

    var fields: [(String, String)] {
        [("status", statusToken), ("raw", "\(raw)"), ("enabled", "\(timeEnabled)"), ("running", "\(timeRunning)")]
    }
}

extension EventSource {
    /// A one-word form of the source for the output.
    var token: String {
        switch self {
        case .sysfsAlias: return "sysfs-alias"
        case .formatTerms: return "format-terms"
        case .libpfm: return "libpfm"
        case .legacyGeneric: return "legacy-generic"
        case .extendedTypeGeneric: return "extended-type"
        case .raw: return "raw"
        case .tracepoint: return "tracepoint"
        case .breakpoint: return "breakpoint"
        }
    }
}
