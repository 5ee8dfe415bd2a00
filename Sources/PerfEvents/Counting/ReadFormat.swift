/// `perf_event_attr.read_format`: which fields a `read(2)` of a counter returns.
///
/// The layouts (from `linux/perf_event.h`), every field a native-endian `u64`:
///
/// ```text
/// without GROUP:  value, [time_enabled], [time_running], [id], [lost]
/// with GROUP:     nr, [time_enabled], [time_running], nr × { value, [id], [lost] }
/// ```
package struct ReadFormat: OptionSet, Hashable, Sendable {
    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `PERF_FORMAT_TOTAL_TIME_ENABLED`: nanoseconds the event was enabled.
    package static let totalTimeEnabled = ReadFormat(rawValue: 1 << 0)
    /// `PERF_FORMAT_TOTAL_TIME_RUNNING`: nanoseconds the event was on a counter.
    package static let totalTimeRunning = ReadFormat(rawValue: 1 << 1)
    /// `PERF_FORMAT_ID`: the kernel's unique id of each event.
    package static let id = ReadFormat(rawValue: 1 << 2)
    /// `PERF_FORMAT_GROUP`: one read returns every event of the leader's group.
    package static let group = ReadFormat(rawValue: 1 << 3)
    /// `PERF_FORMAT_LOST` (Linux 6.0+): samples lost; always 0 when only counting.
    package static let lost = ReadFormat(rawValue: 1 << 4)

    /// What this library asks for: both times, the id and, where the kernel
    /// takes it, the lost count (see ``CounterOptions/requestLostCount``).
    package static let counting: ReadFormat = [.totalTimeEnabled, .totalTimeRunning, .id]

    /// The number of bytes a `read(2)` returns with this format, for a group of `events` events
    /// (ignored without ``group``).
    package func bufferSize(events: Int = 1) -> Int {
        var words = 1
        if contains(.totalTimeEnabled) { words += 1 }
        if contains(.totalTimeRunning) { words += 1 }
        var perValue = 1
        if contains(.id) { perValue += 1 }
        if contains(.lost) { perValue += 1 }
        if contains(.group) { return 8 * (words + events * perValue) }
        return 8 * (words + perValue - 1)
    }
}
