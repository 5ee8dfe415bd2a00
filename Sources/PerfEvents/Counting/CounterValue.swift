/// The value of a counter: the raw count, how long it was enabled and
/// running, the count scaled to the whole enabled time, and whether that
/// scaling happened. What `perf stat` prints per event.
///
/// ```swift
/// let value = try counter.read()
/// switch value.status {
/// case .counted:       print(value.raw)
/// case .multiplexed:   print(value.scaled!, "(\(value.runningPercent)% of the time)")
/// case .notCounted:    print("<not counted>")
/// case .notSupported(let reason): print("<not supported>", reason)   // UnavailableReason
/// }
/// ```
public struct CounterValue: Hashable, Sendable {
    /// How to read ``raw`` and ``scaled``.
    public enum Status: Hashable, Sendable {
        /// The event was on a counter the whole time it was enabled: ``raw`` is exact.
        case counted
        /// The event shared the PMU with others and ran only part of the time:
        /// ``scaled`` estimates the full count as `raw × enabled ÷ running`.
        case multiplexed
        /// The event never got onto a counter (`time_running` is 0): there is
        /// no count, not a count of 0.
        case notCounted
        /// There is no count: the kernel refused the event, it did not resolve,
        /// or its PMU does not cover the CPUs counted; the reason says which.
        /// (Indirect: a value that counted stays cheap to copy and destroy.)
        indirect case notSupported(reason: UnavailableReason)
    }

    /// The count the kernel reports (summed over CPUs and threads).
    public var raw: UInt64
    /// Nanoseconds enabled (summed).
    public var timeEnabled: UInt64
    /// Nanoseconds running on a counter (summed).
    public var timeRunning: UInt64
    /// Lost samples, when the kernel reported them (summed).
    public var lost: UInt64?
    /// What the values mean.
    public var status: Status

    /// The count to show: ``raw`` when counted, `raw × enabled ÷ running` when
    /// multiplexed (computed in 128 bits, rounded down as perf does, and capped
    /// at `UInt64.max`), nil when there is no count.
    public var scaled: UInt64? {
        switch status {
        case .counted: return raw
        case .multiplexed: return Self.scale(raw, enabled: timeEnabled, running: timeRunning)
        case .notCounted, .notSupported: return nil
        }
    }

    /// The share of the enabled time the event ran, in percent (100 when it
    /// was not multiplexed, 0 when it never ran).
    public var runningPercent: UInt64 {
        guard timeEnabled > 0, timeRunning > 0 else { return 0 }
        guard timeRunning < timeEnabled else { return 100 }
        return Self.scale(100, enabled: timeRunning, running: timeEnabled) ?? 100
    }

    /// A value from the kernel's count and times (nanoseconds); ``status`` follows from the times:
    /// counted when it ran the whole enabled time, multiplexed when it ran part of it, not counted when it never ran.
    @inlinable
    public init(raw: UInt64, timeEnabled: UInt64, timeRunning: UInt64, lost: UInt64? = nil) {
        self.raw = raw
        self.timeEnabled = timeEnabled
        self.timeRunning = timeRunning
        self.lost = lost
        self.status = Self.status(enabled: timeEnabled, running: timeRunning)
    }

    /// The value of an event the kernel refused to open.
    package init(notSupported error: CounterError) {
        self.init(unavailable: .refused(error))
    }

    /// The value of an event that has no count, with the reason.
    package init(unavailable reason: UnavailableReason) {
        raw = 0
        timeEnabled = 0
        timeRunning = 0
        lost = nil
        status = .notSupported(reason: reason)
    }

    /// One descriptor's count.
    @inlinable
    public init(_ count: RawCount) {
        self.init(raw: count.value, timeEnabled: count.timeEnabled, timeRunning: count.timeRunning, lost: count.lost)
    }

    /// The sum over descriptors (CPUs × threads), as perf aggregates: raw
    /// counts, enabled and running times are added (wrapping, as the kernel's
    /// u64 counters do), then scaled once.
    public init<Counts: Sequence>(aggregating counts: Counts) where Counts.Element == RawCount {
        var raw: UInt64 = 0
        var enabled: UInt64 = 0
        var running: UInt64 = 0
        var lost: UInt64?
        for count in counts {
            raw &+= count.value
            enabled &+= count.timeEnabled
            running &+= count.timeRunning
            if let more = count.lost { lost = (lost ?? 0) &+ more }
        }
        self.init(raw: raw, timeEnabled: enabled, timeRunning: running, lost: lost)
    }

    /// `counted` when the event ran the whole enabled time, `multiplexed` when
    /// part of it, `notCounted` when never.
    @inlinable
    package static func status(enabled: UInt64, running: UInt64) -> Status {
        if running == 0 { return .notCounted }
        if running < enabled { return .multiplexed }
        return .counted
    }

    /// `count × enabled ÷ running` with a 128-bit intermediate, rounded down;
    /// nil when `running` is 0; `UInt64.max` when the result does not fit.
    package static func scale(_ count: UInt64, enabled: UInt64, running: UInt64) -> UInt64? {
        guard running > 0 else { return nil }
        let product = count.multipliedFullWidth(by: enabled)
        // The quotient fits in 64 bits exactly when the high word is below the divisor.
        guard product.high < running else { return UInt64.max }
        return running.dividingFullWidth(product).quotient
    }
}
