// Fuzz target `read-buffer`: ReadBuffer.decodeSingle and decodeGroup over any
// bytes and any read_format.
//
// Input: the first byte is the read_format (its low 5 bits, the ones the
// kernel defines, and bit 7 set adds an unknown bit 5), the rest is the buffer.

func fuzzReadBuffer(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let first = bytes.first else { return }
    var format = ReadFormat(rawValue: UInt64(first & 0x1f))
    if first & 0x80 != 0 { format.insert(ReadFormat(rawValue: 1 << 5)) }
    let buffer = Array(bytes.dropFirst())
    func word(_ index: Int) -> UInt64 {
        buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) }
    }
    let has = { (flag: ReadFormat) in format.contains(flag) }

    // Without GROUP: decodes exactly when the buffer holds the layout, and the fields are its words in order.
    let single = format.subtracting(.group)
    do {
        let count = try ReadBuffer.decodeSingle(buffer, format: format)
        precondition(!has(.group), "decodeSingle accepted a GROUP format")
        precondition(buffer.count >= format.bufferSize(), "decoded a buffer shorter than the layout")
        var index = 0
        func next() -> UInt64 { defer { index += 1 }; return word(index) }
        precondition(count.value == next())
        precondition(count.timeEnabled == (has(.totalTimeEnabled) ? next() : 0))
        precondition(count.timeRunning == (has(.totalTimeRunning) ? next() : 0))
        precondition(count.id == (has(.id) ? next() : nil))
        precondition(count.lost == (has(.lost) ? next() : nil))
        precondition(index * 8 == single.bufferSize(), "fields do not fill the layout")
        // Round trip: the fields, written back, are the buffer's first bytes.
        precondition(encode(count, format: format) == Array(buffer.prefix(index * 8)), "single round trip failed")
    } catch {
        precondition(has(.group) || buffer.count < single.bufferSize(), "refused a buffer that holds the layout")
        precondition(error.actual == buffer.count && error.expected == single.bufferSize())
    }

    // With GROUP: nr values, each with the group's times; decodes exactly when nr of them fit.
    do {
        let counts = try ReadBuffer.decodeGroup(buffer, format: format)
        precondition(has(.group), "decodeGroup accepted a format without GROUP")
        let nr = word(0)
        precondition(UInt64(counts.count) == nr, "decoded count is not nr")
        let needed = format.bufferSize(events: counts.count)
        precondition(needed <= buffer.count, "decoded past the end of the buffer")
        let enabled = has(.totalTimeEnabled) ? word(1) : 0
        let running = has(.totalTimeRunning) ? word(has(.totalTimeEnabled) ? 2 : 1) : 0
        var written = encodeWord(nr)
        if has(.totalTimeEnabled) { written += encodeWord(enabled) }
        if has(.totalTimeRunning) { written += encodeWord(running) }
        for count in counts {
            precondition(count.timeEnabled == enabled && count.timeRunning == running, "member times differ")
            precondition((count.id != nil) == has(.id) && (count.lost != nil) == has(.lost))
            written += encodeWord(count.value)
            if let id = count.id { written += encodeWord(id) }
            if let lost = count.lost { written += encodeWord(lost) }
        }
        precondition(written == Array(buffer.prefix(needed)), "group round trip failed")
    } catch {
        guard has(.group) else { return }
        let header = format.bufferSize(events: 0)
        if buffer.count < header {
            precondition(error.expected == header, "short header reported as \(error.expected)")
            return
        }
        let perValue = format.bufferSize(events: 1) - header
        let fits = UInt64((buffer.count - header) / perValue)
        precondition(word(0) > fits, "refused a group whose values fit")
        precondition(error.expected > buffer.count && error.actual == buffer.count, "error does not say what was needed")
    }
}

func encodeWord(_ value: UInt64) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}

func encode(_ count: RawCount, format: ReadFormat) -> [UInt8] {
    var bytes = encodeWord(count.value)
    if format.contains(.totalTimeEnabled) { bytes += encodeWord(count.timeEnabled) }
    if format.contains(.totalTimeRunning) { bytes += encodeWord(count.timeRunning) }
    if let id = count.id { bytes += encodeWord(id) }
    if let lost = count.lost { bytes += encodeWord(lost) }
    return bytes
}
