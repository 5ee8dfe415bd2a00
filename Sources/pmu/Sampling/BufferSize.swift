/// `-m/--mmap-pages` as `perf record` reads it: a number of data pages, or a
/// size with a B, K, M or G suffix; either is rounded up to a power of two of
/// pages (perf says so, and so do we).
struct BufferSize: Hashable, Sendable {
    enum Amount: Hashable, Sendable {
        case pages(UInt64)
        case bytes(UInt64)
    }

    var amount: Amount

    /// Parses `text`; nil when it is neither a page count nor a size.
    init?(parsing text: String) {
        var digits = Substring(text)
        var multiplier: UInt64?
        if let last = digits.last, !last.isNumber {
            switch last {
            case "B", "b": multiplier = 1
            case "K", "k": multiplier = 1 << 10
            case "M", "m": multiplier = 1 << 20
            case "G", "g": multiplier = 1 << 30
            default: return nil
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(digits) else { return nil }
        if let multiplier {
            let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
            guard !overflow else { return nil }
            amount = .bytes(bytes)
        } else {
            amount = .pages(value)
        }
    }

    /// Data pages for `pageSize`-byte pages: a power of two, at least 1, and
    /// whether that meant rounding up what was asked.
    func pages(pageSize: Int) -> (pages: Int, rounded: Bool)? {
        let asked: UInt64
        switch amount {
        case .pages(let pages): asked = pages
        case .bytes(let bytes): asked = (bytes + UInt64(pageSize) - 1) / UInt64(pageSize)
        }
        guard asked >= 1, asked <= 1 << 30 else { return nil }
        var pages: UInt64 = 1
        while pages < asked { pages <<= 1 }
        return (Int(pages), pages != asked)
    }

    /// perf record's default: `kernel.perf_event_mlock_kb` less the metadata
    /// page (516 KiB by default, so 512 KiB), in pages rounded down to a power of two.
    static func defaultPages(mlockKilobytes: Int?, pageSize: Int) -> Int {
        let kilobytes = (mlockKilobytes ?? 516) - pageSize / 1024
        let asked = max(1, kilobytes * 1024 / pageSize)
        var pages = 1
        while pages * 2 <= asked { pages *= 2 }
        return pages
    }
}
