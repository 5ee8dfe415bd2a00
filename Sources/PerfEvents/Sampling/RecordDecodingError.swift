/// A record whose bytes do not hold what its type and the event's
/// `sample_type` say it must: it is reported, never read past its end.
public struct RecordDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record's type.
    public var type: RecordType
    /// The bytes the record had (its header's size, or fewer when the buffer was shorter).
    public var size: Int
    /// The bytes needed to read `field`.
    public var needed: Int
    /// What could not be read.
    public var field: String

    package init(type: RecordType, size: Int, needed: Int, field: String) {
        self.type = type
        self.size = size
        self.needed = needed
        self.field = field
    }

    public var description: String {
        "\(type) record of \(size) bytes is too short for \(field) (needs \(needed));"
            + " the sample_type or read_format it was decoded with is not the event's"
    }
}
