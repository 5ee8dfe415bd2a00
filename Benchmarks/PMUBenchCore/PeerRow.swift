/// The library next to a tool a performance engineer would pick instead (PAPI,
/// perf's own PMU scan, perf stat), measured in the same run: one operation on
/// both sides, ours over the peer's as a paired ratio with its interval, and the
/// goal that ratio is held to. A measurement, not a gate: `--check` never reads
/// it (the CI gate stays on Swift/C), and a peer that cannot run here says why.
public struct PeerRow: Codable, Hashable, Sendable {
    /// `papi`, `discovery` or `tool`: the table the row belongs to.
    public var table: String
    /// What is measured on both sides: `perf::TASK-CLOCK (set of 1)`, a sysfs tree, a command.
    public var subject: String
    /// The quantity: `read`, `start`, `stop`, `wall`, `peak RSS`, `tool CPU`, `slowdown`.
    public var metric: String
    /// Our side, as called: `Counter.read()`, `PMUDiscovery.discover()`, `pmu stat -- true`.
    public var ours: String
    /// The peer's side, as called: `PAPI_read()`, `perf bench internals pmu-scan`.
    public var peer: String
    /// The unit of the medians: `ns`, `us`, `KiB`, `x1000` (a ratio to running alone, in thousandths).
    public var unit: String
    /// Our median and the peer's; nil when not measured.
    public var oursMedian: Double?
    public var peerMedian: Double?
    /// Pairs (blocks or interleaved runs) behind the medians.
    public var pairs: Int
    /// Ours over the peer's, paired, with its bootstrap 95 % interval.
    public var oursOverPeer: RatioEstimate?
    /// The goal: the interval's upper end at most this (1.00: never slower; 0.5: at most half).
    public var goal: Double?
    /// Why there are no numbers; nil when measured.
    public var unavailable: PeerUnavailable?
    /// What each side does, in a few words (read format, files read, …).
    public var note: String?

    public init(table: String, subject: String, metric: String, ours: String, peer: String, unit: String,
                oursMedian: Double? = nil, peerMedian: Double? = nil, pairs: Int = 0,
                oursOverPeer: RatioEstimate? = nil, goal: Double? = nil, unavailable: PeerUnavailable? = nil,
                note: String? = nil) {
        self.table = table
        self.subject = subject
        self.metric = metric
        self.ours = ours
        self.peer = peer
        self.unit = unit
        self.oursMedian = oursMedian
        self.peerMedian = peerMedian
        self.pairs = pairs
        self.oursOverPeer = oursOverPeer
        self.goal = goal
        self.unavailable = unavailable
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case table, subject, metric, ours, peer, unit, pairs, goal, unavailable, note
        case oursMedian = "ours_median"
        case peerMedian = "peer_median"
        case oursOverPeer = "ours_over_peer"
    }

    /// A row measured from paired samples: `ours[i]` and `peer[i]` of the same
    /// block or interleaved run, per repetition. The medians are of every pair's
    /// values, the ratio the paired estimate of ``PairedRatio``.
    public static func paired(table: String, subject: String, metric: String, ours: String, peer: String, unit: String,
                              oursValues: [[UInt64]], peerValues: [[UInt64]], goal: Double?, note: String? = nil) -> PeerRow {
        let flatOurs = oursValues.joined().map { Double($0) }
        let flatPeer = peerValues.joined().map { Double($0) }
        return PeerRow(table: table, subject: subject, metric: metric, ours: ours, peer: peer, unit: unit,
                       oursMedian: flatOurs.isEmpty ? nil : PairedRatio.median(flatOurs),
                       peerMedian: flatPeer.isEmpty ? nil : PairedRatio.median(flatPeer),
                       pairs: zip(oursValues, peerValues).map { min($0.count, $1.count) }.reduce(0, +),
                       oursOverPeer: PairedRatio.estimate(PairedRatio.blockRatios(oursValues, peerValues)),
                       goal: goal, note: note)
    }

    /// What the run says of the goal: met (the whole interval at or under it), missed
    /// (the whole interval over it), or open (the interval straddles it); nil without
    /// a goal or a ratio.
    public var verdict: PeerVerdict? {
        guard let goal, let ratio = oursOverPeer, unavailable == nil else { return nil }
        if ratio.high <= goal { return .met }
        if ratio.low > goal { return .missed }
        return .open
    }
}

/// How a peer row stands against its goal.
public enum PeerVerdict: String, Codable, Hashable, Sendable {
    case met
    case missed
    /// The interval holds the goal: this run cannot say.
    case open
}

/// Why a peer could not be measured here, typed as the `unavailable` rows' conditions
/// are; it is the peer's or the host's state, never a failure of the library.
public struct PeerUnavailable: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Cause: String, Codable, Hashable, Sendable, CaseIterable {
        /// The peer is not installed (no libpapi, no perf 6.3+).
        case notInstalled = "peer-not-installed"
        /// The peer crashed or exited with an error (its words are quoted).
        case peerFailed = "peer-failed"
        /// The peer cannot count this here (PAPI's perf_event component disabled, an event it lacks).
        case peerCannotCount = "peer-cannot-count"
        /// The host lacks what the comparison needs (no recorded tree mountable, no core PMU).
        case hostCondition = "host-condition"
        /// Our side failed: the library or the benchmark (shown, never hidden).
        case oursFailed = "ours-failed"
    }

    public var cause: Cause
    public var reason: String

    public init(_ cause: Cause, _ reason: String) {
        self.cause = cause
        self.reason = reason
    }

    public var description: String { "\(reason) [\(cause.rawValue)]" }
}
