/// An event string that does not parse: where, what, and how to write it instead.
public struct EventSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole event string as given.
    public var input: String
    /// Byte offset of the offending part in ``input``.
    public var offset: Int
    /// The offending part (may be empty, for something missing at the end).
    public var part: String
    /// What is wrong, and what would be right.
    public var problem: String

    package init(input: String, offset: Int, part: String, problem: String) {
        self.input = input
        self.offset = offset
        self.part = part
        self.problem = problem
    }

    public var description: String {
        let near = part.isEmpty ? "" : " near '\(part)'"
        return "invalid event '\(input)' at byte \(offset)\(near): \(problem)"
    }
}
