import Glibc

/// Writes a perf.data file (the "PERFILE2" layout `perf record` writes) that
/// `perf script` and `perf report` read: the records as the ring buffers held
/// them, with PERF_RECORD_FINISHED_ROUND after each drain round (records from
/// several per-CPU buffers are in time order only within a buffer; the round
/// marks tell perf how far it may sort), then the feature sections, the ids
/// and the attributes, then the header written last, at offset 0.
///
/// Layout: header (104 bytes) | data | feature table (16 bytes per feature
/// set, in bit order, where perf looks for it: right after the data) |
/// feature contents | ids | attributes.
struct PerfDataFile {
    /// One event as the file describes it.
    struct Attribute {
        /// `perf_event_attr` as opened, `size` bytes of it.
        var bytes: [UInt8]
        /// The kernel's id of every descriptor of the event.
        var ids: [UInt64]
        var name: String
    }

    /// The features this writer sets (tools/perf/util/header.h numbers).
    enum Feature: Int, CaseIterable {
        case tracingData = 1, hostname = 3, osRelease = 4, version = 5, architecture = 6, cpuCount = 7
        case commandLine = 11, eventDescription = 12
    }

    static let headerSize = 104
    static let finishedRound: UInt32 = 68
    /// perf 6.1 reads attributes of at most PERF_ATTR_SIZE_VER7 (128) bytes.
    static let attributeSizeForOldReaders = 128

    let path: String
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var dataSize = 0
    private(set) var failure: String?

    /// Creates (or truncates) `path`; the data starts after room for the header.
    init(path: String) throws(CLIError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CLIError("cannot create '\(path)': \(String(cString: strerror(errno))); check the directory and its permissions")
        }
        self.path = path
        self.descriptor = descriptor
        pending = [UInt8](repeating: 0, count: Self.headerSize)
        pending.reserveCapacity(1 << 20)
    }

    /// Appends records as read from a ring buffer (whole records, back to back).
    mutating func appendRecords(_ bytes: [UInt8]) {
        pending += bytes
        dataSize += bytes.count
        if pending.count >= 1 << 20 { flush() }
    }

    /// PERF_RECORD_FINISHED_ROUND: everything before it may be sorted and delivered.
    mutating func finishRound() {
        var record = [UInt8](repeating: 0, count: 8)
        store(Self.finishedRound, in: &record, at: 0)
        store(UInt16(8), in: &record, at: 6)
        appendRecords(record)
    }

    private mutating func flush() {
        guard !pending.isEmpty else { return }
        if failure == nil {
            let written = pending.withUnsafeBytes { bytes -> Bool in
                guard let base = bytes.baseAddress else { return true }
                var offset = 0
                while offset < bytes.count {
                    let result = write(descriptor, base + offset, bytes.count - offset)
                    if result < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += result
                }
                return true
            }
            if !written { failure = "cannot write '\(path)': \(String(cString: strerror(errno)))" }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes the features, ids, attributes and header, and closes the file.
    mutating func finish(attributes: [Attribute], features: [Feature: [UInt8]]) throws(CLIError) {
        var fileOffset = Self.headerSize + dataSize
        let present = Feature.allCases.filter { features[$0] != nil }
        // The feature table, then each feature's bytes.
        var table: [UInt8] = []
        var contents: [UInt8] = []
        var contentOffset = fileOffset + 16 * present.count
        for feature in present {
            let bytes = features[feature] ?? []
            appendWord(UInt64(contentOffset), to: &table)
            appendWord(UInt64(bytes.count), to: &table)
            contents += bytes
            contentOffset += bytes.count
        }
        pending += table
        pending += contents
        fileOffset = contentOffset
        // The ids of each attribute, then the attributes, each followed by where its ids are.
        var idSections: [(offset: Int, size: Int)] = []
        for attribute in attributes {
            idSections.append((fileOffset, 8 * attribute.ids.count))
            for id in attribute.ids { appendWord(id, to: &pending) }
            fileOffset += 8 * attribute.ids.count
        }
        let attributeSize = attributes.map(\.bytes.count).max() ?? Self.attributeSizeForOldReaders
        let attributesOffset = fileOffset
        for (attribute, ids) in zip(attributes, idSections) {
            var bytes = attribute.bytes
            bytes += [UInt8](repeating: 0, count: attributeSize - bytes.count)
            store(UInt32(attributeSize), in: &bytes, at: 4)
            pending += bytes
            appendWord(UInt64(ids.offset), to: &pending)
            appendWord(UInt64(ids.size), to: &pending)
        }
        let attributesSize = attributes.count * (attributeSize + 16)
        flush()
        // The header, at the start.
        var header: [UInt8] = []
        header += Array("PERFILE2".utf8)
        appendWord(UInt64(Self.headerSize), to: &header)
        appendWord(UInt64(attributeSize + 16), to: &header)
        appendWord(UInt64(attributesOffset), to: &header)
        appendWord(UInt64(attributesSize), to: &header)
        appendWord(UInt64(Self.headerSize), to: &header)
        appendWord(UInt64(dataSize), to: &header)
        appendWord(0, to: &header)  // event_types: unused since 2011
        appendWord(0, to: &header)
        var bitmap = [UInt64](repeating: 0, count: 4)
        for feature in present { bitmap[feature.rawValue / 64] |= 1 << UInt64(feature.rawValue % 64) }
        for word in bitmap { appendWord(word, to: &header) }
        let written = header.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        if written != header.count && failure == nil {
            failure = "cannot write the header of '\(path)': \(String(cString: strerror(errno)))"
        }
        if close(descriptor) != 0 && failure == nil {
            failure = "cannot close '\(path)': \(String(cString: strerror(errno)))"
        }
        if let failure { throw CLIError(failure) }
    }

    // MARK: feature contents (tools/perf/util/header.c's layouts)

    /// A string as perf writes one: u32 length (padded to 64 with NULs), then the bytes.
    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8) + [0]
        let padded = (bytes.count + 63) / 64 * 64
        var out: [UInt8] = []
        appendU32(UInt32(padded), to: &out)
        out += bytes + [UInt8](repeating: 0, count: padded - bytes.count)
        return out
    }

    /// HEADER_NRCPUS: CPUs available, then online.
    static func cpuCount(available: Int, online: Int) -> [UInt8] {
        var out: [UInt8] = []
        appendU32(UInt32(available), to: &out)
        appendU32(UInt32(online), to: &out)
        return out
    }

    /// HEADER_CMDLINE: a count, then each argument (the program first).
    static func commandLine(_ arguments: [String]) -> [UInt8] {
        var out: [UInt8] = []
        appendU32(UInt32(arguments.count), to: &out)
        for argument in arguments { out += string(argument) }
        return out
    }

    /// HEADER_EVENT_DESC: count, attribute size, then per event its attribute, id count, name and ids.
    static func eventDescription(_ attributes: [Attribute]) -> [UInt8] {
        let size = attributes.map(\.bytes.count).max() ?? attributeSizeForOldReaders
        var out: [UInt8] = []
        appendU32(UInt32(attributes.count), to: &out)
        appendU32(UInt32(size), to: &out)
        for attribute in attributes {
            var bytes = attribute.bytes + [UInt8](repeating: 0, count: size - attribute.bytes.count)
            store(UInt32(size), in: &bytes, at: 4)
            out += bytes
            appendU32(UInt32(attribute.ids.count), to: &out)
            out += string(attribute.name)
            for id in attribute.ids { appendWord(id, to: &out) }
        }
        return out
    }

    static func appendU32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

/// Appends a little-endian u64.
func appendWord(_ value: UInt64, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
}

/// Stores a fixed-width integer, little-endian, at `offset` of `bytes`.
func store<Value: FixedWidthInteger>(_ value: Value, in bytes: inout [UInt8], at offset: Int) {
    withUnsafeBytes(of: value.littleEndian) { raw in
        for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
    }
}
