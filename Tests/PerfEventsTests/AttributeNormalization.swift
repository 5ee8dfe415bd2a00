/// What a deliberate difference of grouping or placement lets differ between perf's groups and
/// ours, as a rewrite of ``Conformance/canonical(_:)``'s text that both sides get: the row's
/// difference is exactly that when the two texts are then equal. A generated string in the class
/// of several such rows (`{cycles,cs}:e` on big.LITTLE: `e` moved to the leader, and the group
/// repeated per core PMU) is explained by all of them together, applied in this order, and by
/// nothing looser.
enum AttributeNormalization: Int, CaseIterable, Sendable, Comparable {
    /// `exclude_guest` left out of an event that also excludes the host (perf 6.12 adds a
    /// group's `p`-implied exclude_guest to a member that says `G`).
    case guestWithHostExcluded
    /// `pinned` and `exclusive` left out (set on the leader here, on members by perf).
    case pinnedAndExclusive
    /// The members of each group in name order (tracefs globs expand in readdir order in perf).
    case memberOrder
    /// The groups left out: only the set of distinct events (perf regroups by PMU).
    case grouping

    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    func apply(_ text: String) -> String {
        switch self {
        case .guestWithHostExcluded:
            // Event by event: the events of canonical()'s text are separated by ';', '{' and '}'.
            var result = ""
            var event = ""
            func flush() {
                if event.contains("exclude_guest=1") && event.contains("exclude_host=1") {
                    event = event.replacingOccurrences(of: "exclude_guest=1 ", with: "")
                        .replacingOccurrences(of: " exclude_guest=1", with: "")
                }
                result += event
                event = ""
            }
            for character in text {
                if ";{}".contains(character) {
                    flush()
                    result.append(character)
                } else {
                    event.append(character)
                }
            }
            flush()
            return result
        case .pinnedAndExclusive:
            return ["pinned=1", "exclusive=1"].reduce(text) { text, field in
                text.replacingOccurrences(of: " " + field, with: "").replacingOccurrences(of: field + " ", with: "")
                    .replacingOccurrences(of: field, with: "")
            }
        case .memberOrder:
            return text.split(separator: "{").map { group in
                group.split(separator: "}").first.map {
                    $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.sorted().joined(separator: "; ")
                } ?? ""
            }.sorted().joined(separator: " | ")
        case .grouping:
            // (A set: canonical() keeps identical groups once.)
            return Set(text.split(whereSeparator: { "{};|".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0 != "," }).sorted().joined(separator: " | ")
        }
    }

    /// Whether `difference` is one of attributes that `normalizations` make equal.
    static func explain(_ difference: Conformance.Difference, by normalizations: some Sequence<Self>) -> Bool {
        guard case .attributes(let perf, let ours) = difference else { return false }
        let steps = Set(normalizations).sorted()
        guard !steps.isEmpty else { return false }
        func normalized(_ text: String) -> String { steps.reduce(text) { $1.apply($0) } }
        return normalized(perf) == normalized(ours)
    }

    /// The direction of a row whose whole difference is this one.
    var direction: @Sendable (Conformance.Difference) -> Bool {
        let step = self
        return { Self.explain($0, by: [step]) }
    }
}
