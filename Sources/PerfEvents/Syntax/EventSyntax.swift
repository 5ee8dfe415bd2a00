/// A parsed event string (`-e` list): top-level items in order, each a
/// single event or a `{…}` group.
package struct EventListSyntax: Hashable, Sendable {
    /// The string that was parsed.
    package var input: String
    /// The comma-separated items, in order.
    package var groups: [EventGroupSyntax]
}

/// One top-level item of an event list: a `{a,b}:mod` group, or a single
/// event (a group of one with ``isGroup`` false).
package struct EventGroupSyntax: Hashable, Sendable {
    /// The item's text as written, such as `{cycles,instructions}:u`.
    package var text: String
    /// Byte offset of the item in the whole input.
    package var offset: Int
    /// True for `{…}`: the members are to be scheduled together, as one perf group.
    package var isGroup: Bool
    /// The events, in order.
    package var members: [EventSyntax]
    /// Modifiers after the closing brace; they apply to every member.
    package var modifiers: EventModifiers
    /// The group's name, for perf's `name{a,b}` form.
    package var name: String? = nil
}

/// One event as written.
package struct EventSyntax: Hashable, Sendable {
    /// The event's text as written, modifiers included (`cycles:u`).
    package var text: String
    /// Byte offset of the event in the whole input.
    package var offset: Int
    /// What the event names.
    package var kind: Kind
    /// The modifiers after the event's colon (or after the closing slash).
    package var modifiers: EventModifiers

    /// The forms perf's event syntax has.
    package enum Kind: Hashable, Sendable {
        /// A bare name: a generic hardware/software/cache name (`cycles`,
        /// `L1-dcache-load-misses`, `cs`) or a sysfs alias of any PMU (`tsc`).
        case name(String)
        /// `pmu/term=value,term,…/`: an alias, format terms, `configN=` words or
        /// a generic name, on the PMU called `pmu`.
        case pmu(name: String, terms: [EventTerm])
        /// `rNNNN`: a raw config in hexadecimal.
        case raw(UInt64)
        /// `TYPE:CONFIG` in decimal or hexadecimal (`1:1` is software event 1): the
        /// `perf_event_attr` type and config as numbers.
        case numeric(type: UInt32, config: UInt64)
        /// `subsystem:event`: a tracepoint.
        case tracepoint(system: String, event: String)
        /// `mem:ADDR[/LEN][:rwx]`: a hardware breakpoint or watchpoint.
        case breakpoint(address: UInt64, length: UInt64?, access: BreakpointAccess)
        /// `pmu::EVENT:UMASK:mod=value`: a libpfm4 event string, passed through whole.
        case libpfm(String)
    }
}

/// What a breakpoint triggers on (`HW_BREAKPOINT_R`/`W`/`X` bits of `bp_type`).
public struct BreakpointAccess: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `r`: data reads.
    public static let read = BreakpointAccess(rawValue: 1)
    /// `w`: data writes.
    public static let write = BreakpointAccess(rawValue: 2)
    /// `x`: instruction execution.
    public static let execute = BreakpointAccess(rawValue: 4)
}
