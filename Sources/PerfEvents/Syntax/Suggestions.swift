/// "Did you mean" candidates for a name the user mistyped.
enum Suggestions {
    /// The names in `candidates` closest to `name`: those within a small edit
    /// distance (case-insensitive), and those that `name` is a prefix of or
    /// that are a prefix of `name` (`cpu` → `cpu_core`, `cpu_atom`).
    /// Closest first; at most `limit`.
    static func closest(to name: String, among candidates: [String], limit: Int = 5) -> [String] {
        let query = asciiLowercased(name)
        if query.isEmpty { return [] }
        let allowed = max(1, min(3, query.utf8.count / 3))
        var scored: [(distance: Int, name: String)] = []
        for candidate in candidates {
            let lowered = asciiLowercased(candidate)
            if lowered == query { continue }
            let distance = editDistance(query, lowered)
            if distance <= allowed || lowered.hasPrefix(query) || query.hasPrefix(lowered) {
                scored.append((distance, candidate))
            }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
        return scored.prefix(limit).map { $0.name }
    }

    /// Levenshtein distance over UTF-8 bytes: insertions, deletions and substitutions.
    static func editDistance(_ left: String, _ right: String) -> Int {
        let a = Array(left.utf8), b = Array(right.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
