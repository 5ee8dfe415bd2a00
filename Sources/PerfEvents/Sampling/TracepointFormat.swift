/// The layout of a tracepoint's raw record, from its tracefs `format` file
/// (`events/SUBSYSTEM/EVENT/format`): the fields with their C declarations,
/// offsets, sizes and signedness. Decodes a sample's ``Sample/raw`` bytes by field.
///
/// ```text
/// name: sys_enter_getppid
/// ID: 186
/// format:
///     field:unsigned short common_type;    offset:0;    size:2;    signed:0;
///     ...
///     field:int __syscall_nr;    offset:8;    size:4;    signed:1;
/// ```
public struct TracepointFormat: Hashable, Sendable {
    /// One `field:` line.
    public struct Field: Hashable, Sendable {
        /// The field's name (`common_pid`, `__syscall_nr`, `filename`).
        public var name: String
        /// The C declaration before the name (`int`, `unsigned long`, `__data_loc char[]`).
        public var declaration: String
        /// `offset:`: where the field starts in the raw record, in bytes.
        public var offset: Int
        /// `size:`: the field's size in bytes.
        public var size: Int
        /// `signed:1`: whether an integer field is signed.
        public var isSigned: Bool
        /// Whether the declaration is an array (`char comm[16]`): decoded as bytes or text.
        public var isArray: Bool
        /// `__data_loc`: the field holds the offset (low 16 bits) and length (high 16) of data later in the record.
        public var isDynamic: Bool
    }

    /// The event's name (`name:` line).
    public var name: String
    /// The tracepoint id (`ID:` line): what `common_type` holds.
    public var id: UInt64
    /// Every field, common ones first, in the file's order.
    public var fields: [Field]

    /// Parses the text of a `format` file.
    package init(parsing text: String) throws(TracepointFormatError) {
        var name = ""
        var id: UInt64?
        var fields: [Field] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = trimmed(String(rawLine))
            if line.hasPrefix("name:") {
                name = trimmed(String(line.dropFirst(5)))
            } else if line.hasPrefix("ID:") {
                id = parseNumber(trimmed(String(line.dropFirst(3))))
            } else if line.hasPrefix("field:") {
                fields.append(try Self.parseField(line))
            }
        }
        guard let id else { throw .missingID }
        guard !fields.isEmpty else { throw .noFields }
        self.name = name
        self.id = id
        self.fields = fields
    }

    /// Reads `subsystem:event`'s format file from the mounted tracefs.
    public init(subsystem: String, event: String, tracefs: Tracefs = Tracefs()) throws(TracepointFormatError) {
        guard let events = tracefs.eventsDirectory else {
            throw .unreadable(path: joinPath(tracefs.root, "kernel/tracing/events"), reason: "tracefs is not mounted")
        }
        guard !subsystem.isEmpty, !event.isEmpty, !subsystem.utf8.contains(47), !event.utf8.contains(47),
              subsystem != "..", event != ".." else {
            throw .unreadable(path: subsystem + ":" + event, reason: "not a tracepoint name")
        }
        let path = joinPath(joinPath(joinPath(events, subsystem), event), "format")
        let text: String
        do {
            text = try tracefs.fileSystem.readText(path)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        try self.init(parsing: text)
    }

    /// The field called `name`, if any.
    public func field(named name: String) -> Field? { fields.first { $0.name == name } }

    /// The value of every field in `raw` (a sample's raw bytes), in field order;
    /// a field that lies outside the bytes is left out.
    public func decode(_ raw: [UInt8]) -> [(name: String, value: TracepointValue)] {
        var values: [(name: String, value: TracepointValue)] = []
        for field in fields {
            if let value = decode(field, in: raw) { values.append((field.name, value)) }
        }
        return values
    }

    /// One field's value in `raw`, or nil when it lies outside the bytes.
    public func decode(_ field: Field, in raw: [UInt8]) -> TracepointValue? {
        guard field.offset >= 0, field.size >= 0, field.offset <= raw.count, field.size <= raw.count - field.offset else {
            return nil
        }
        let bytes = raw[field.offset..<(field.offset + field.size)]
        if field.isDynamic {
            guard field.size == 4 else { return .bytes(Array(bytes)) }
            let word = littleOrNative(bytes)
            let start = Int(word & 0xffff)
            let length = Int(word >> 16)
            guard start <= raw.count, length <= raw.count - start else { return nil }
            return .text(Self.text(raw[start..<(start + length)]))
        }
        if field.isArray {
            if field.declaration.hasPrefix("char") || field.declaration.hasPrefix("unsigned char") {
                return .text(Self.text(bytes))
            }
            return .bytes(Array(bytes))
        }
        switch field.size {
        case 1, 2, 4, 8:
            let word = littleOrNative(bytes)
            if field.isSigned {
                let shift = UInt64(64 - 8 * field.size)
                return .signed(Int64(bitPattern: word << shift) >> Int64(shift))
            }
            return .unsigned(word)
        default:
            return .bytes(Array(bytes))
        }
    }

    /// The native-endian integer in `bytes` (1…8 of them).
    private func littleOrNative(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { destination in
            var index = 0
            for byte in bytes.prefix(8) {
                #if _endian(big)
                destination[8 - bytes.count + index] = byte
                #else
                destination[index] = byte
                #endif
                index += 1
            }
        }
        return word
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// `field:TYPE NAME[N];	offset:O;	size:S;	signed:B;`
    static func parseField(_ line: String) throws(TracepointFormatError) -> Field {
        let parts = line.split(separator: ";").map { trimmed(String($0)) }.filter { !$0.isEmpty }
        var declarationText: String?
        var offset: Int?
        var size: Int?
        var isSigned = false
        for part in parts {
            if part.hasPrefix("field:") { declarationText = String(part.dropFirst(6)) }
            else if part.hasPrefix("offset:") { offset = Int(trimmed(String(part.dropFirst(7)))) }
            else if part.hasPrefix("size:") { size = Int(trimmed(String(part.dropFirst(5)))) }
            else if part.hasPrefix("signed:") { isSigned = trimmed(String(part.dropFirst(7))) == "1" }
        }
        guard let declarationText, let offset, let size, offset >= 0, size >= 0 else {
            throw .malformedField(line)
        }
        // The name is the last word, without an array suffix: "char comm[16]" → comm.
        var words = declarationText.split(separator: " ").map(String.init)
        guard var last = words.popLast() else { throw .malformedField(line) }
        var isArray = false
        if let bracket = last.firstIndex(of: "[") {
            isArray = true
            last = String(last[..<bracket])
        }
        if words.last?.hasSuffix("[]") == true { isArray = true }
        guard !last.isEmpty else { throw .malformedField(line) }
        let declaration = words.joined(separator: " ")
        return Field(name: last, declaration: declaration, offset: offset, size: size, isSigned: isSigned,
                     isArray: isArray, isDynamic: declaration.hasPrefix("__data_loc") || declaration.hasPrefix("__rel_loc"))
    }
}

/// One decoded tracepoint field.
public enum TracepointValue: Hashable, Sendable, CustomStringConvertible {
    /// An unsigned integer field of 1, 2, 4 or 8 bytes.
    case unsigned(UInt64)
    /// A signed integer field of 1, 2, 4 or 8 bytes, sign-extended.
    case signed(Int64)
    /// A `char` array or a `__data_loc` string, up to its first NUL.
    case text(String)
    /// Any other field (a non-`char` array, an odd size), as its bytes.
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .unsigned(let value): return "\(value)"
        case .signed(let value): return "\(value)"
        case .text(let text): return text
        case .bytes(let bytes): return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }
}

/// Why a tracepoint's format could not be read.
public enum TracepointFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The format file could not be read (tracefs not mounted, no such tracepoint, no permission).
    case unreadable(path: String, reason: String)
    /// The file has no `ID:` line.
    case missingID
    /// The file has no `field:` lines.
    case noFields
    /// A `field:` line (given) is not `field:TYPE NAME; offset:N; size:N; signed:0|1;`.
    case malformedField(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the tracepoint format \(path): \(reason) (tracefs is readable by root only unless its mode was changed)"
        case .missingID: return "the tracepoint format file has no 'ID:' line"
        case .noFields: return "the tracepoint format file has no 'field:' lines"
        case .malformedField(let line): return "the tracepoint format line '\(line)' is not 'field:TYPE NAME; offset:N; size:N; signed:0|1;'"
        }
    }
}
