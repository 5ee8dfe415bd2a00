/// Parses perf's term lists: `event=0x3c,umask=0x1,cmask=2,edge,name=foo,param=?`.
///
/// The same grammar appears in sysfs `events/<alias>` files and between the
/// slashes of `pmu/…/` in an event string, so both go through here.
package enum TermList {
    /// Parses `text` into terms, in order.
    ///
    /// - A term without `=` has ``EventTerm/Value/implicit`` (1, or an alias name).
    /// - Values are decimal, `0x`-prefixed hexadecimal, `?` (a parameter) or,
    ///   for anything else that starts with a letter, text.
    package static func parse(_ text: String) throws(TermListError) -> [EventTerm] {
        let list = trimmed(text)
        if list.isEmpty { return [] }
        var terms: [EventTerm] = []
        for piece in list.split(separator: ",", omittingEmptySubsequences: false) {
            let part = trimmed(String(piece))
            if part.isEmpty {
                throw TermListError(input: list, term: part, problem: "empty term (two commas, or a comma at an end)")
            }
            let sides = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = trimmed(String(sides[0]))
            guard isTermName(name) else {
                throw TermListError(
                    input: list, term: part,
                    problem: "'\(name)' is not a term name (letters, digits, '_', '-' and '.', starting with a letter)")
            }
            if sides.count == 1 {
                terms.append(EventTerm(name: name, value: .implicit))
                continue
            }
            let valueText = trimmed(String(sides[1]))
            terms.append(EventTerm(name: name, value: try value(valueText, term: part, in: list)))
        }
        return terms
    }

    /// Parses one value: decimal, `0x…` hexadecimal, `?`, or text.
    static func value(_ text: String, term: String, in list: String) throws(TermListError) -> EventTerm.Value {
        if text.isEmpty {
            throw TermListError(input: list, term: term, problem: "missing value after '='")
        }
        if text == "?" { return .parameter }
        if let number = parseNumber(text) { return .number(number) }
        guard let first = text.utf8.first, isLetter(first) else {
            throw TermListError(
                input: list, term: term,
                problem: "'\(text)' is not a number that fits in 64 bits (decimal or 0x-prefixed hexadecimal)")
        }
        // perf's lexer reads a text value as one name token (`[a-zA-Z0-9-_*?.:]` after the first
        // letter): `name=x*config2=1` is a parser error there, not the name 'x*config2=1'.
        let nameBytes = Array("-_*?.:".utf8)
        if let bad = text.utf8.first(where: { !(isLetter($0) || isDigit($0) || nameBytes.contains($0)) }) {
            throw TermListError(
                input: list, term: term,
                problem: "unexpected '\(String(decoding: [bad], as: UTF8.self))' in the value '\(text)' (a value is a number or a name: letters, digits, '-', '_', '*', '?', '.', ':')")
        }
        return .text(text)
    }

    static func isTermName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == 95 || $0 == 45 || $0 == 46 }
    }
}

/// Parses an unsigned 64-bit number written in decimal or with a `0x`/`0X` prefix.
/// Returns nil for anything else, including values that do not fit.
package func parseNumber(_ text: String) -> UInt64? {
    var utf8 = Substring(text).utf8[...]
    var radix: UInt64 = 10
    if utf8.count > 2, utf8.first == 48, let x = utf8.dropFirst().first, x == 120 || x == 88 {
        radix = 16
        utf8 = utf8.dropFirst(2)
    }
    if utf8.isEmpty { return nil }
    var value: UInt64 = 0
    for byte in utf8 {
        let digit: UInt64
        if isDigit(byte) {
            digit = UInt64(byte - 48)
        } else if radix == 16 && byte >= 97 && byte <= 102 {
            digit = UInt64(byte - 87)
        } else if radix == 16 && byte >= 65 && byte <= 70 {
            digit = UInt64(byte - 55)
        } else {
            return nil
        }
        let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
        let (sum, overflow2) = shifted.addingReportingOverflow(digit)
        if overflow1 || overflow2 { return nil }
        value = sum
    }
    return value
}

@inline(__always) func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) }
@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

/// A term list that does not parse.
public struct TermListError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole list as given.
    package var input: String
    /// The term that is wrong.
    package var term: String
    /// What is wrong with it.
    package var problem: String

    public var description: String {
        "invalid term list '\(input)' at '\(term)': \(problem)"
    }
}
