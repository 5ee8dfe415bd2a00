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
    /// `exclude_user`: do not count in user space (set by `:k` and `:h`).
    public var excludeUser: Bool
    /// `exclude_kernel`: do not count in the kernel (set by `:u` and `:h`).
    public var excludeKernel: Bool
    /// `exclude_hv`: do not count in the hypervisor (set by `:u` and `:k`).
    public var excludeHypervisor: Bool
    /// `exclude_guest`: do not count while a guest runs (`:H`, and the `p` modifiers).
    public var excludeGuest: Bool
    /// `exclude_host`: count only while a guest runs (`:G`).
    public var excludeHost: Bool
    /// `exclude_idle`: do not count while the CPU is idle (`:I`).
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

    /// Attributes of the PMU type `type`, with every other field given or zero/false.
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
    /// `PERF_TYPE_HARDWARE`: a generic hardware event (``HardwareEvent``).
    public static let hardware: UInt32 = 0
    /// `PERF_TYPE_SOFTWARE`: a kernel software event (``SoftwareEvent``).
    public static let software: UInt32 = 1
    /// `PERF_TYPE_TRACEPOINT`: a tracepoint, its tracefs id in `config`.
    public static let tracepoint: UInt32 = 2
    /// `PERF_TYPE_HW_CACHE`: a generic cache event (``CacheEvent``).
    public static let hardwareCache: UInt32 = 3
    /// `PERF_TYPE_RAW`: a CPU-specific event code in `config` (perf's `rNNNN`).
    public static let raw: UInt32 = 4
    /// `PERF_TYPE_BREAKPOINT`: a hardware breakpoint or watchpoint (perf's `mem:`).
    public static let breakpoint: UInt32 = 5
}
