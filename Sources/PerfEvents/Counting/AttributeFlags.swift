/// The one-bit (and `precise_ip` two-bit) fields of `perf_event_attr`, numbered
/// as the kernel ABI numbers them. `CPerfEvents` sets the C bit fields from
/// this mask by name (`cpe_attr_set_flags`), since Swift does not import them
/// all cleanly.
public struct AttributeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Open the event off; `enable()` (or exec, with ``enableOnExec``) turns it on.
    public static let disabled = AttributeFlags(rawValue: 1 << 0)
    /// Children created after the open are counted too (added on read).
    public static let inherit = AttributeFlags(rawValue: 1 << 1)
    /// Always on the PMU, or in error state (`:D`).
    public static let pinned = AttributeFlags(rawValue: 1 << 2)
    /// The only group on the PMU while it runs (`:e`).
    public static let exclusive = AttributeFlags(rawValue: 1 << 3)
    public static let excludeUser = AttributeFlags(rawValue: 1 << 4)
    public static let excludeKernel = AttributeFlags(rawValue: 1 << 5)
    public static let excludeHypervisor = AttributeFlags(rawValue: 1 << 6)
    public static let excludeIdle = AttributeFlags(rawValue: 1 << 7)
    /// Enable the event when the target next calls `exec`.
    public static let enableOnExec = AttributeFlags(rawValue: 1 << 12)
    public static let excludeHost = AttributeFlags(rawValue: 1 << 19)
    public static let excludeGuest = AttributeFlags(rawValue: 1 << 20)

    /// Where `precise_ip` (0…3) lives in the mask.
    static let preciseShift: UInt64 = 15

    /// `precise_ip` as stored in this mask.
    public var precise: UInt8 {
        get { UInt8(truncatingIfNeeded: (rawValue >> Self.preciseShift) & 3) }
        set {
            rawValue = (rawValue & ~(3 << Self.preciseShift)) | ((UInt64(newValue) & 3) << Self.preciseShift)
        }
    }

    /// The filter and scheduling bits an ``EventAttributes`` asks for.
    public init(_ attributes: EventAttributes) {
        self = []
        if attributes.pinned { insert(.pinned) }
        if attributes.exclusive { insert(.exclusive) }
        if attributes.excludeUser { insert(.excludeUser) }
        if attributes.excludeKernel { insert(.excludeKernel) }
        if attributes.excludeHypervisor { insert(.excludeHypervisor) }
        if attributes.excludeIdle { insert(.excludeIdle) }
        if attributes.excludeHost { insert(.excludeHost) }
        if attributes.excludeGuest { insert(.excludeGuest) }
        precise = attributes.precise
    }
}
