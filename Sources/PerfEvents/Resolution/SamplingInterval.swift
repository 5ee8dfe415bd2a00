/// How often a sampling event samples: every `period` events
/// (`perf_event_attr.sample_period`, perf's `period=` term and `-c N`), or at
/// about `frequency` samples a second with the kernel adjusting the period
/// (`attr.freq = 1` and `sample_freq`, perf's `freq=` term and `-F HZ`).
///
/// A counting event has none (``EventAttributes/sampling`` is `nil`).
public enum SamplingInterval: Hashable, Sendable {
    /// Sample every `period` occurrences of the event.
    case period(UInt64)
    /// Sample about `frequency` times a second.
    case frequency(UInt64)

    /// The value of the `sample_period`/`sample_freq` union.
    public var value: UInt64 {
        switch self {
        case .period(let period): return period
        case .frequency(let frequency): return frequency
        }
    }

    /// Whether `attr.freq` is set.
    public var isFrequency: Bool {
        if case .frequency = self { return true }
        return false
    }
}
