/// Where each word of a non-group `read(2)` result sits, worked out once from
/// the read format: value, then [time enabled], [time running], [id], [lost].
///
/// ``Counter`` keeps one so that a read decodes with fixed offsets and no
/// per-call format arithmetic; ``ReadBuffer/decodeSingle(_:format:)-(UnsafeRawBufferPointer,_)``
/// uses the same layout, so there is one decoding of the single layout.
struct SingleReadLayout: Hashable, Sendable {
    /// Bytes the kernel writes.
    let size: Int
    /// Byte offsets of the optional words, or -1 when the format has no such word.
    let enabledOffset: Int
    let runningOffset: Int
    let idOffset: Int
    let lostOffset: Int

    init(_ format: ReadFormat) {
        var offset = 8
        func take(_ flag: ReadFormat) -> Int {
            guard format.contains(flag) else { return -1 }
            defer { offset += 8 }
            return offset
        }
        enabledOffset = take(.totalTimeEnabled)
        runningOffset = take(.totalTimeRunning)
        idOffset = take(.id)
        lostOffset = take(.lost)
        size = offset
    }

    /// The count in `bytes`, which must hold at least ``size`` bytes.
    @inline(__always)
    func decode(_ bytes: UnsafeRawBufferPointer) -> RawCount {
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        return RawCount(
            value: word(0),
            timeEnabled: enabledOffset < 0 ? 0 : word(enabledOffset),
            timeRunning: runningOffset < 0 ? 0 : word(runningOffset),
            id: idOffset < 0 ? nil : word(idOffset),
            lost: lostOffset < 0 ? nil : word(lostOffset))
    }
}
