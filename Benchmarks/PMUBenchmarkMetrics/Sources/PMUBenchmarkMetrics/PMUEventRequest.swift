import PerfEvents

/// An event a benchmark asks to count. Hardware and cache events become one
/// metric per core PMU (`cpu_core/cycles`, `cpu_atom/cycles`), each opened with
/// that PMU's own type; the rest are counted once (`task-clock`,
/// `syscalls:sys_enter_getppid`).
public enum PMUEventRequest: Hashable, Sendable {
    /// A generic hardware event on every core PMU (`Resolver.event(_:on:)`: the
    /// PMU's own alias, or the extended type with the alias as fallback).
    case hardware(HardwareEvent)
    /// A hardware event as each core PMU's own sysfs alias where it publishes one
    /// (`Resolver.nativeEvent(_:on:)`), else as ``hardware(_:)``.
    case native(HardwareEvent)
    /// A generic cache event on every core PMU.
    case cache(CacheEvent)
    /// The tracepoint `subsystem:name`, resolved through tracefs when the benchmark starts.
    case tracepoint(String, String)
    /// An event already made: `Event.software(.taskClock)`, a resolved or raw event.
    case event(Event)

    /// The generic name (`cycles`) a per-PMU metric is called by, under its PMU's name.
    var genericName: String? {
        switch self {
        case .hardware(let hardware), .native(let hardware): return hardware.name
        case .cache(let cache): return cache.name
        case .tracepoint, .event: return nil
        }
    }
}
