import Testing
@testable import PerfEvents

/// Inputs the fuzz targets (Tests/Fuzz, `make fuzz`) found crashing, each kept
/// as a test next to its fix.
@Suite(.timeLimit(.minutes(2))) struct FuzzRegressionTests {
    /// `read-buffer`: a group read whose `nr` makes `header + nr × perValue`
    /// overflow `Int` by the header alone (nr = (Int.max / 8) with 8-byte values)
    /// trapped while building the error instead of reporting it.
    @Test func groupCountThatOverflowsOnlyWithTheHeader() {
        let nr = UInt64(Int.max / 8)
        let image = withUnsafeBytes(of: nr) { Array($0) } + [0x0f, 0x02, 0, 0, 0, 0, 0, 0x44]
        #expect(throws: ReadBufferError(expected: Int.max, actual: 16, format: .group)) {
            try ReadBuffer.decodeGroup(image, format: .group)
        }
        // The largest nr whose claimed size fits: the error says exactly that size.
        let largest = UInt64((Int.max - 8) / 8)
        #expect(throws: ReadBufferError(expected: 8 + Int(largest) * 8, actual: 8, format: .group)) {
            try ReadBuffer.decodeGroup(withUnsafeBytes(of: largest) { Array($0) }, format: .group)
        }
    }
}
