import PerfEvents

/// What one sampler's records added up to, and whether they account for
/// everything the kernel made: received samples, lost (from LOST records and,
/// on Linux 6.0+, from the kernel's own lost count read at the end),
/// throttling, and for events that sample every occurrence, the kernel's
/// count from a counting event opened alongside.
struct SampleSummary {
    var label: String
    var pmu: String
    var samples = 0
    /// Lost records reported by PERF_RECORD_LOST.
    var lostInRecords: UInt64 = 0
    /// The kernel's lost count (PERF_FORMAT_LOST) read at the end; nil before Linux 6.0.
    var lostByKernel: UInt64?
    var throttled = 0
    var unthrottled = 0
    var undecodable = 0
    /// Buffers whose records did not frame (the reader skipped them).
    var framingProblems = 0
    /// The kernel's count of the event (one per sample at period 1), when it was counted alongside.
    var counted: UInt64?
    /// Why there is no count to check against, when there is none.
    var uncheckedBecause: String?
    var addresses: [UInt64: Int] = [:]

    init(label: String, pmu: String) {
        self.label = label
        self.pmu = pmu
    }

    mutating func add(_ record: Record) {
        switch record {
        case .sample(let sample):
            samples += 1
            if let ip = sample.ip { addresses[ip, default: 0] += 1 }
        case .lost(let lost): lostInRecords += lost.count
        case .throttle: throttled += 1
        case .unthrottle: unthrottled += 1
        default: break
        }
    }

    /// The samples the kernel could not write: the leader's own lost count when
    /// the kernel has one (samples only), else what LOST records reported, which
    /// also counts lost COMM, MMAP2, FORK and EXIT records of the tracking event
    /// sharing the buffer (a LOST record says how many records, not whose).
    var lost: UInt64 { lostByKernel ?? lostInRecords }

    /// Counted minus received minus lost: 0 when every occurrence is accounted
    /// for; nil when there is no count to check against.
    var unaccounted: Int64? {
        guard let counted else { return nil }
        return Int64(bitPattern: counted &- UInt64(samples) &- lost)
    }

    /// The summary's accounting clause: "unaccounted: 0", or the gap named.
    var accounting: String {
        guard let unaccounted, let counted else {
            return "unaccounted: not checked (\(uncheckedBecause ?? "no count to check against"))"
        }
        var text = "the kernel counted \(counted); unaccounted: \(unaccounted)"
        if unaccounted != 0 {
            text += " (received \(samples) + lost \(lost) ≠ \(counted)"
            if lostByKernel == nil {
                text += "; this kernel, before 6.0, has no lost count of its own: LOST records also count lost task records"
                    + " and miss the losses after the last one"
            }
            if undecodable > 0 || framingProblems > 0 { text += "; \(undecodable) undecodable, \(framingProblems) unframed buffers" }
            text += ")"
        }
        return text
    }

    /// The most sampled addresses, most first (ties: lower address first).
    func topAddresses(_ count: Int) -> [(address: UInt64, samples: Int)] {
        addresses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map { ($0.key, $0.value) }
    }

    func text(top: Int) -> String {
        let lostSources = (lostByKernel.map { "\($0) by the kernel's count, " } ?? "") + "\(lostInRecords) records of any kind in LOST records"
        var lines = ["\(label) on \(pmu): \(samples) samples, \(lost) lost (\(lostSources)), \(throttled) throttled"
            + (undecodable > 0 ? ", \(undecodable) undecodable" : "") + "; " + accounting]
        for (address, count) in topAddresses(top) {
            let share = samples > 0 ? fixed(100 * Double(count) / Double(samples), digits: 1) : "0.0"
            lines.append("  \(hex(address))  \(count) samples (\(share)%)")
        }
        return lines.joined(separator: "\n")
    }
}
