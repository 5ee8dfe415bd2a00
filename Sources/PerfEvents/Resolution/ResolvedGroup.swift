/// Events to be scheduled together: a `{…}` group (``isGroup``), or the events
/// one plain item expanded to (``isGroup`` false: each opens on its own).
///
/// A `{…}` group whose generic events expand over several core PMUs is split
/// into one group per core PMU, because the kernel cannot group events of
/// different PMUs; events bound to no core PMU (software, tracepoints) join each.
public struct ResolvedGroup: Hashable, Sendable {
    /// The item's text as written.
    public var text: String
    /// Whether these events form one perf group (leader first).
    public var isGroup: Bool
    /// The events, leader first.
    public var events: [Event]

    package init(text: String, isGroup: Bool, events: [Event]) {
        self.text = text
        self.isGroup = isGroup
        self.events = events
    }
}
