/// perf's event modifiers, the letters after an event's or a group's colon
/// (`cycles:u`, `{a,b}:k`, `cpu/event=0x3c/pp`).
///
/// Each letter may appear once, except `p` (up to three times):
///
/// | letter | meaning |
/// |---|---|
/// | `u` `k` `h` | count only user / kernel / hypervisor; the first of them excludes the other two |
/// | `G` `H` | count only in guest / host; the first of them excludes the other |
/// | `I` | do not count while idle (`exclude_idle`) |
/// | `p` `pp` `ppp` | `precise_ip` 1…3 (also excludes guest, as precise sampling needs) |
/// | `P` | the highest precision the PMU has (chosen when opening) |
/// | `D` | pinned: always on the PMU (group leaders only) |
/// | `e` | exclusive: alone on the PMU (group leaders only) |
/// | `S` | read the group's values when sampling |
/// | `W` | weak group: fall back to separate events if the group does not fit (perf 6.1 takes it on a single event too, where it changes nothing) |
/// | `b` | count with a BPF program (perf's `--bpf-counters`): no `perf_event_attr` bit; perf 6.1 takes it |
///
/// As in upstream perf (since its `exclude_HG_default` change), `u`/`k`/`h`
/// leave `exclude_guest` alone; perf 6.1's tool additionally sets
/// `exclude_guest` on every event by default, which is a tool policy and not
/// part of the syntax.
public struct EventModifiers: Hashable, Sendable {
    /// `u`: count in user space (without `k` or `h` too, the kernel and hypervisor are excluded).
    public var user = false
    /// `k`: count in the kernel (without `u` or `h` too, user space and the hypervisor are excluded).
    public var kernel = false
    /// `h`: count in the hypervisor (without `u` or `k` too, user space and the kernel are excluded).
    public var hypervisor = false
    /// `G`: count in guests (without `H` too, the host is excluded: `exclude_host`).
    public var guest = false
    /// `H`: count on the host (without `G` too, guests are excluded: `exclude_guest`).
    public var host = false
    /// `I`: do not count while the CPU is idle (`exclude_idle`).
    public var nonIdle = false
    /// How many `p`s (0…3).
    public var precise: UInt8 = 0
    /// `P`: the highest `precise_ip` the PMU accepts, found when opening.
    public var preciseMax = false
    /// `D`: pinned, always on the PMU (`pinned`; group leaders only).
    public var pinned = false
    /// `e`: exclusive, alone on the PMU (`exclusive`; group leaders only).
    public var exclusive = false
    /// `S`: read the group's counts with each sample (`PERF_SAMPLE_READ`).
    public var sampleRead = false
    /// `W`: weak group: open the members as separate events if the group does not fit.
    public var weak = false
    /// `b`: perf's BPF counters; no attribute of its own.
    public var bpfCounter = false

    /// No modifier.
    public init() {}

    /// `:u`: user space only.
    public static var userOnly: EventModifiers { var modifiers = EventModifiers(); modifiers.user = true; return modifiers }
    /// `:k`: kernel only.
    public static var kernelOnly: EventModifiers { var modifiers = EventModifiers(); modifiers.kernel = true; return modifiers }
    /// `:H`: host only (`exclude_guest`).
    public static var hostOnly: EventModifiers { var modifiers = EventModifiers(); modifiers.host = true; return modifiers }
    /// `:G`: guest only (`exclude_host`).
    public static var guestOnly: EventModifiers { var modifiers = EventModifiers(); modifiers.guest = true; return modifiers }

    /// No modifier at all.
    public var isEmpty: Bool { self == EventModifiers() }

    /// The modifier letters this library knows.
    static let letters: [UInt8] = Array("ukhGHIpPDeSWb".utf8)

    /// Whether every byte of `text` is a modifier letter (so `x:text` means modifiers, not a tracepoint).
    static func looksLikeModifiers(_ text: ArraySlice<UInt8>) -> Bool {
        !text.isEmpty && text.allSatisfy { letters.contains($0) }
    }

    /// Parses modifier letters; `offset` is where `text` starts in `input`, for errors. An empty
    /// list is no modifiers where `allowingEmpty` (perf takes `cs:` as `cs`, but not `{cs}:`).
    static func parse(
        _ text: ArraySlice<UInt8>, offset: Int, input: String, allowingEmpty: Bool
    ) throws(EventSyntaxError) -> EventModifiers {
        if text.isEmpty && allowingEmpty { return EventModifiers() }
        return try parse(text, offset: offset, input: input)
    }

    /// Parses modifier letters (at least one); `offset` is where `text` starts in `input`, for errors.
    static func parse(
        _ text: ArraySlice<UInt8>, offset: Int, input: String
    ) throws(EventSyntaxError) -> EventModifiers {
        var modifiers = EventModifiers()
        if text.isEmpty {
            throw EventSyntaxError(
                input: input, offset: offset, part: "",
                problem: "empty modifier list after ':'; write letters from ukhGHIpPDeSWb, e.g. ':u'")
        }
        if text.elementsEqual("bpu".utf8) {
            // perf's lexer reads exactly 'bpu' as its cache name (the branch predictor), not as
            // the modifiers b, p, u: `cycles:bpu` is a parser error there.
            throw EventSyntaxError(
                input: input, offset: offset, part: "bpu",
                problem: "'bpu' after ':' is perf's cache name, not modifiers; write the letters in another order, e.g. ':upb'")
        }
        for (index, byte) in zip(text.indices, text) {
            let at = offset + (index - text.startIndex)
            let letter = String(decoding: [byte], as: UTF8.self)
            func once(_ flag: inout Bool, _ meaning: String) throws(EventSyntaxError) {
                if flag {
                    throw EventSyntaxError(
                        input: input, offset: at, part: letter,
                        problem: "duplicate modifier '\(letter)' (\(meaning)); each letter but 'p' may appear once")
                }
                flag = true
            }
            switch byte {
            case UInt8(ascii: "u"): try once(&modifiers.user, "user")
            case UInt8(ascii: "k"): try once(&modifiers.kernel, "kernel")
            case UInt8(ascii: "h"): try once(&modifiers.hypervisor, "hypervisor")
            case UInt8(ascii: "G"): try once(&modifiers.guest, "guest")
            case UInt8(ascii: "H"): try once(&modifiers.host, "host")
            case UInt8(ascii: "I"): try once(&modifiers.nonIdle, "non-idle")
            case UInt8(ascii: "P"): try once(&modifiers.preciseMax, "maximum precision")
            case UInt8(ascii: "D"): try once(&modifiers.pinned, "pinned")
            case UInt8(ascii: "e"): try once(&modifiers.exclusive, "exclusive")
            case UInt8(ascii: "S"): try once(&modifiers.sampleRead, "sample read")
            case UInt8(ascii: "W"): try once(&modifiers.weak, "weak group")
            case UInt8(ascii: "b"): try once(&modifiers.bpfCounter, "BPF counter")
            case UInt8(ascii: "p"):
                if modifiers.precise == 3 {
                    throw EventSyntaxError(
                        input: input, offset: at, part: letter,
                        problem: "at most three 'p' modifiers (precise_ip is 0 to 3)")
                }
                modifiers.precise += 1
            default:
                throw EventSyntaxError(
                    input: input, offset: at, part: letter,
                    problem: "unknown modifier '\(letter)'; modifiers are u k h G H I p pp ppp P D e S W b")
            }
        }
        return modifiers
    }

    /// Sets the privilege filters and flags of `attributes` as perf does.
    ///
    /// - Parameters:
    ///   - group: the modifiers come from a `{…}:mod` group: they refine what the
    ///     member's own modifiers set (perf starts from the member's attributes),
    ///     where an event's own modifiers start from nothing excluded.
    ///   - memberRestrictedGuestHost: the member's own modifiers had `G` or `H`.
    ///   - isLeader: the event leads its group (or stands alone); only leaders
    ///     take `D` and `e`.
    /// - Returns: false when the combined `precise_ip` would exceed 3.
    func apply(
        to attributes: inout EventAttributes, group: Bool, memberRestrictedGuestHost: Bool, isLeader: Bool
    ) -> Bool {
        var excludeUser = group ? attributes.excludeUser : false
        var excludeKernel = group ? attributes.excludeKernel : false
        var excludeHypervisor = group ? attributes.excludeHypervisor : false
        var excludeHost = group ? attributes.excludeHost : false
        var excludeGuest = group ? attributes.excludeGuest : false
        var exclude = excludeUser || excludeKernel || excludeHypervisor
        var restrictedGuestHost = group ? memberRestrictedGuestHost : false

        if precise > 0 { excludeGuest = true }
        if user || kernel || hypervisor {
            if !exclude {
                exclude = true
                excludeUser = true
                excludeKernel = true
                excludeHypervisor = true
            }
            if user { excludeUser = false }
            if kernel { excludeKernel = false }
            if hypervisor { excludeHypervisor = false }
        }
        if guest || host {
            if !restrictedGuestHost {
                restrictedGuestHost = true
                excludeGuest = true
                excludeHost = true
            }
            if guest { excludeGuest = false }
            if host { excludeHost = false }
        }
        attributes.excludeUser = excludeUser
        attributes.excludeKernel = excludeKernel
        attributes.excludeHypervisor = excludeHypervisor
        attributes.excludeHost = excludeHost
        attributes.excludeGuest = excludeGuest

        if precise > 0 {
            let combined = Int(attributes.precise) + Int(precise)
            if combined > 3 { return false }
            attributes.precise = UInt8(combined)
        }
        if nonIdle { attributes.excludeIdle = true }
        if pinned && isLeader { attributes.pinned = true }
        if exclusive && isLeader { attributes.exclusive = true }
        return true
    }

    /// The letters, in perf's canonical order.
    public var text: String {
        var letters = ""
        if user { letters += "u" }
        if kernel { letters += "k" }
        if hypervisor { letters += "h" }
        if guest { letters += "G" }
        if host { letters += "H" }
        if nonIdle { letters += "I" }
        for _ in 0..<precise { letters += "p" }
        if preciseMax { letters += "P" }
        if pinned { letters += "D" }
        if exclusive { letters += "e" }
        if sampleRead { letters += "S" }
        if weak { letters += "W" }
        if bpfCounter { letters += "b" }
        return letters
    }

    /// Both modifier sets together (a group's on top of a member's), for flags that just add up.
    func merged(with other: EventModifiers) -> EventModifiers {
        var result = self
        result.user = user || other.user
        result.kernel = kernel || other.kernel
        result.hypervisor = hypervisor || other.hypervisor
        result.guest = guest || other.guest
        result.host = host || other.host
        result.nonIdle = nonIdle || other.nonIdle
        result.precise = min(3, precise + other.precise)
        result.preciseMax = preciseMax || other.preciseMax
        result.pinned = pinned || other.pinned
        result.exclusive = exclusive || other.exclusive
        result.sampleRead = sampleRead || other.sampleRead
        result.weak = weak || other.weak
        result.bpfCounter = bpfCounter || other.bpfCounter
        return result
    }
}
