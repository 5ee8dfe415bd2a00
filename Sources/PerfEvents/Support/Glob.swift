/// Shell-style wildcard matching, as perf uses for tracepoint globs (`sched:*`,
/// `syscalls:sys_enter_getpp*`): `*` any run of characters, `?` one character,
/// `[abc]`, `[a-z]` and `[!abc]` one character of (or not of) a set. Bytes, not
/// grapheme clusters: tracefs names are ASCII.
package enum Glob {
    /// Whether `text` contains a wildcard character.
    package static func isPattern(_ text: String) -> Bool {
        text.utf8.contains(where: isGlobCharacter)
    }

    /// Whether all of `name` matches `pattern`.
    package static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8), n = Array(name.utf8)
        var pi = 0, ni = 0
        var starP = -1, starN = 0
        while ni < n.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi
                starN = ni
                pi += 1
                continue
            }
            if pi < p.count, let next = matchOne(p, pi, n[ni]) {
                pi = next
                ni += 1
                continue
            }
            guard starP >= 0 else { return false }
            // Let the last '*' take one more character and try again.
            pi = starP + 1
            starN += 1
            ni = starN
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// If the pattern element at `index` matches `byte`, the index after it.
    private static func matchOne(_ p: [UInt8], _ index: Int, _ byte: UInt8) -> Int? {
        switch p[index] {
        case UInt8(ascii: "?"):
            return index + 1
        case UInt8(ascii: "["):
            var i = index + 1
            var negate = false
            if i < p.count, p[i] == UInt8(ascii: "!") || p[i] == UInt8(ascii: "^") {
                negate = true
                i += 1
            }
            var matched = false
            var first = true
            while i < p.count, first || p[i] != UInt8(ascii: "]") {
                first = false
                if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                    if p[i] <= byte && byte <= p[i + 2] { matched = true }
                    i += 3
                } else {
                    if p[i] == byte { matched = true }
                    i += 1
                }
            }
            // No closing ']': the '[' is an ordinary character.
            guard i < p.count else { return p[index] == byte ? index + 1 : nil }
            return matched != negate ? i + 1 : nil
        default:
            return p[index] == byte ? index + 1 : nil
        }
    }
}
