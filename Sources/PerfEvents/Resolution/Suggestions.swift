/// The Levenshtein distance between two strings, by bytes and ignoring ASCII case.
func editDistance(_ a: String, _ b: String) -> Int {
    let left = Array(asciiLowercased(a).utf8)
    let right = Array(asciiLowercased(b).utf8)
    if left.isEmpty { return right.count }
    if right.isEmpty { return left.count }
    var previous = Array(0...right.count)
    var current = [Int](repeating: 0, count: right.count + 1)
    for i in 1...left.count {
        current[0] = i
        for j in 1...right.count {
            let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[right.count]
}

/// Up to `limit` candidates close to `name` (closest first): within a third of
/// the name's length (at least 2 edits), or containing it, or contained in it.
func suggestions(for name: String, among candidates: [String], limit: Int = 3) -> [String] {
    let lowered = asciiLowercased(name)
    let allowed = max(2, name.utf8.count / 3)
    var scored: [(distance: Int, name: String)] = []
    for candidate in candidates where !scored.contains(where: { $0.name == candidate }) {
        let distance = editDistance(name, candidate)
        let lowerCandidate = asciiLowercased(candidate)
        if distance <= allowed {
            scored.append((distance, candidate))
        } else if (lowered.utf8.count >= 3 && contains(lowerCandidate, lowered))
            || (lowerCandidate.utf8.count >= 3 && contains(lowered, lowerCandidate))
        {
            scored.append((allowed + 1, candidate))
        }
    }
    scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
    return scored.prefix(limit).map { $0.name }
}

/// Whether `text` contains `part` (bytewise).
func contains(_ text: String, _ part: String) -> Bool {
    let haystack = Array(text.utf8)
    let needle = Array(part.utf8)
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
        return true
    }
    return false
}

/// "; did you mean 'a' or 'b'?", or nothing.
func didYouMean(_ names: [String]) -> String {
    guard !names.isEmpty else { return "" }
    let quoted = names.map { "'\($0)'" }
    if quoted.count == 1 { return "; did you mean \(quoted[0])?" }
    return "; did you mean " + quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "") + "?"
}

/// The number as `0x…` hexadecimal.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
