/// `struct kvm_pmu_event_filter` (8 bytes): base_event u16 @0, nevents u16 @2,
/// action u8 @4, pad[3]. One range of PMUv3 event numbers allowed or denied for the
/// guest (`KVM_ARM_VCPU_PMU_V3_FILTER`).
///
/// The first filter a VM gets sets the default for every other event: an allow
/// list denies the rest, a deny list allows the rest. A denied event can still be
/// programmed by the guest; its counter stays at zero.
public struct PMUEventFilter: Hashable, Sendable {
    /// `KVM_PMU_EVENT_ALLOW` (0) or `KVM_PMU_EVENT_DENY` (1).
    public enum Action: UInt8, Hashable, Sendable {
        /// `KVM_PMU_EVENT_ALLOW`: the guest may count the range's events.
        case allow = 0
        /// `KVM_PMU_EVENT_DENY`: the range's events count nothing in the guest.
        case deny = 1
    }

    /// `sizeof(struct kvm_pmu_event_filter)`.
    package static let size = 8

    /// The first event number of the range.
    public var baseEvent: UInt16
    /// How many consecutive event numbers (at least 1).
    public var eventCount: UInt16
    /// `action`: whether the range is allowed or denied.
    public var action: Action

    /// The range of `eventCount` event numbers from `baseEvent`, allowed or denied.
    public init(baseEvent: UInt16, eventCount: UInt16 = 1, action: Action) {
        self.baseEvent = baseEvent
        self.eventCount = eventCount
        self.action = action
    }

    /// Allows the single event `event`.
    public static func allow(_ event: UInt16) -> PMUEventFilter { PMUEventFilter(baseEvent: event, action: .allow) }
    /// Denies the single event `event`.
    public static func deny(_ event: UInt16) -> PMUEventFilter { PMUEventFilter(baseEvent: event, action: .deny) }

    /// The structure's bytes.
    package var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        ByteImage.store(baseEvent, at: 0, in: &bytes)
        ByteImage.store(eventCount, at: 2, in: &bytes)
        ByteImage.store(action.rawValue, at: 4, in: &bytes)
        return bytes
    }

    /// Decodes 8 bytes (nil when shorter or the action is unknown).
    package init?(bytes: [UInt8]) {
        guard let base = ByteImage.load(UInt16.self, at: 0, in: bytes),
              let count = ByteImage.load(UInt16.self, at: 2, in: bytes),
              let raw = ByteImage.load(UInt8.self, at: 4, in: bytes),
              let action = Action(rawValue: raw) else { return nil }
        self.init(baseEvent: base, eventCount: count, action: action)
    }

    /// Why the kernel would refuse this filter whatever the PMU, or nil: the range must
    /// stay within the 16-bit event space (KVM answers EINVAL past the PMU's own event
    /// space, 10 bits on PMUv3 for Armv8.0, 16 bits from Armv8.1).
    package var problem: String? {
        if UInt32(baseEvent) + UInt32(eventCount) > 0x1_0000 {
            return "events 0x\(String(baseEvent, radix: 16)) + \(eventCount) run past 0xffff"
        }
        return nil
    }
}
