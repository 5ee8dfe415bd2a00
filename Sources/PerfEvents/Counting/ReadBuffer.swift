/// What one `read(2)` of one counter descriptor says about one event.
public struct RawCount: Hashable, Sendable {
    /// The counter value.
    public var value: UInt64
    /// Nanoseconds the event was enabled (0 without `TOTAL_TIME_ENABLED`).
    public var timeEnabled: UInt64
    /// Nanoseconds the event was on a counter (0 without `TOTAL_TIME_RUNNING`).
    public var timeRunning: UInt64
    /// The kernel's id of the event (with `PERF_FORMAT_ID`).
    public var id: UInt64?
    /// Lost samples (with `PERF_FORMAT_LOST`).
    public var lost: UInt64?

    @inlinable
    package init(value: UInt64, timeEnabled: UInt64, timeRunning: UInt64, id: UInt64? = nil, lost: UInt64? = nil) {
        self.value = value
        self.timeEnabled = timeEnabled
        self.timeRunning = timeRunning
        self.id = id
        self.lost = lost
    }
}

/// A `read(2)` buffer that does not have the layout its read format promises.
package struct ReadBufferError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes the layout needs (at least).
    package var expected: Int
    /// The bytes there were.
    package var actual: Int
    /// The read format the buffer was decoded with.
    package var format: ReadFormat

    package var description: String {
        "counter read returned \(actual) bytes where read_format 0x" + String(format.rawValue, radix: 16)
            + " needs \(expected)"
    }
}

/// Decoders for the buffers `read(2)` returns from counter descriptors: pure
/// functions over bytes (native-endian `u64` words), tested on byte images.
package enum ReadBuffer {
    /// Decodes the layout without `PERF_FORMAT_GROUP`: value, [enabled], [running], [id], [lost].
    package static func decodeSingle(_ bytes: [UInt8], format: ReadFormat) throws(ReadBufferError) -> RawCount {
        let decoded = bytes.withUnsafeBytes { raw -> Result<RawCount, ReadBufferError> in
            do throws(ReadBufferError) { return .success(try decodeSingle(raw, format: format)) } catch { return .failure(error) }
        }
        return try decoded.get()
    }

    /// ``decodeSingle(_:format:)-([UInt8],_)`` over memory the caller owns (no copy).
    package static func decodeSingle(_ bytes: UnsafeRawBufferPointer, format: ReadFormat) throws(ReadBufferError) -> RawCount {
        let layout = SingleReadLayout(format)
        guard bytes.count >= layout.size, !format.contains(.group) else {
            throw ReadBufferError(expected: layout.size, actual: bytes.count, format: format)
        }
        return layout.decode(bytes)
    }

    /// Decodes the `PERF_FORMAT_GROUP` layout: nr, [enabled], [running], then
    /// nr × {value, [id], [lost]}; every member gets the group's times.
    package static func decodeGroup(_ bytes: [UInt8], format: ReadFormat) throws(ReadBufferError) -> [RawCount] {
        var values: [RawCount] = []
        let failure = bytes.withUnsafeBytes { raw -> ReadBufferError? in
            do throws(ReadBufferError) {
                try decodeGroup(raw, format: format) { values.append($0) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Decodes the `PERF_FORMAT_GROUP` layout from memory the caller owns,
    /// handing each member's count to `body` in order (nothing is allocated);
    /// returns the number of members.
    @discardableResult
    package static func decodeGroup(_ bytes: UnsafeRawBufferPointer, format: ReadFormat,
                                   _ body: (RawCount) -> Void) throws(ReadBufferError) -> Int {
        let layout = GroupReadLayout(format)
        let header = layout.header, perValue = layout.stride
        guard format.contains(.group), bytes.count >= header else {
            throw ReadBufferError(expected: header, actual: bytes.count, format: format)
        }
        let count = layout.memberCount(bytes)
        // Checked before multiplying so that a corrupt count cannot overflow.
        guard count <= UInt64((bytes.count - header) / perValue) else {
            // Int.max when the claimed size does not fit an Int (header included: found by fuzzing).
            let claimed = count > UInt64((Int.max - header) / perValue) ? Int.max : header + Int(count) * perValue
            throw ReadBufferError(expected: claimed, actual: bytes.count, format: format)
        }
        layout.decode(bytes, members: Int(count), body)
        return Int(count)
    }
}
