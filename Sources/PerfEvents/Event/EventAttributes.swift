/// The part of `perf_event_attr` that says *what* to count: the PMU type,
/// the config words and the privilege filters. Built by resolution from an
/// event string; turned into a real `perf_event_attr` by the counting layer.
public struct EventAttributes: Hashable, Sendable {
    /// `perf_event_attr.type`: always explicit, the PMU's own (dynamic) type or
    /// a legacy type (0 hardware, 1 software, 2 tracepoint, 3 hw-cache, 5 breakpoint).
    public var type: UInt32
    /// `config`; for legacy hardware/cache events on a heterogeneous machine the
    /// upper 32 bits carry the core PMU's type (the "extended type").
    public var config: UInt64
    /// `config1` (for breakpoints this word is `bp_addr`).
    public var config1: UInt64
    /// `config2` (for breakpoints this word is `bp_len`).
    public var config2: UInt64
    /// `config3`.
    public var config3: UInt64
    /// `bp_type` for breakpoint events (1 read, 2 write, 3 read/write, 4 execute).
    public var breakpointType: UInt32
    public var excludeUser: Bool
    public var excludeKernel: Bool
    public var excludeHypervisor: Bool
    public var excludeGuest: Bool
    public var excludeHost: Bool
    public var excludeIdle: Bool
    /// `precise_ip`, 0…3 (the `:p` modifiers).
    public var precise: UInt8
    /// Ask to always be on the PMU (`:D`).
    public var pinned: Bool
    /// Ask to be the only group on the PMU (`:e`).
    public var exclusive: Bool
    /// The sampling period or frequency the event string asks for (`period=`,
    /// `freq=`); `nil` for a counting event.
    public var sampling: SamplingInterval?

    public init(
        type: UInt32, config: UInt64 = 0, config1: UInt64 = 0, config2: UInt64 = 0, config3: UInt64 = 0,
        breakpointType: UInt32 = 0,
        excludeUser: Bool = false, excludeKernel: Bool = false, excludeHypervisor: Bool = false,
        excludeGuest: Bool = false, excludeHost: Bool = false, excludeIdle: Bool = false,
        precise: UInt8 = 0, pinned: Bool = false, exclusive: Bool = false,
        sampling: SamplingInterval? = nil
    ) {
        self.type = type
        self.config = config
        self.config1 = config1
        self.config2 = config2
        self.config3 = config3
        self.breakpointType = breakpointType
        self.excludeUser = excludeUser
        self.excludeKernel = excludeKernel
        self.excludeHypervisor = excludeHypervisor
        self.excludeGuest = excludeGuest
        self.excludeHost = excludeHost
        self.excludeIdle = excludeIdle
        self.precise = precise
        self.pinned = pinned
        self.exclusive = exclusive
        self.sampling = sampling
    }

    /// The word `word` of the config.
    package subscript(word: ConfigWord) -> UInt64 {
        get {
            switch word {
            case .config: return config
            case .config1: return config1
            case .config2: return config2
            case .config3: return config3
            }
        }
        set {
            switch word {
            case .config: config = newValue
            case .config1: config1 = newValue
            case .config2: config2 = newValue
            case .config3: config3 = newValue
            }
        }
    }
}

/// The kernel's fixed `perf_event_attr.type` values (`enum perf_type_id`).
public enum LegacyType {
    public static let hardware: UInt32 = 0
    public static let software: UInt32 = 1
    public static let tracepoint: UInt32 = 2
    public static let hardwareCache: UInt32 = 3
    public static let raw: UInt32 = 4
    public static let breakpoint: UInt32 = 5
}
