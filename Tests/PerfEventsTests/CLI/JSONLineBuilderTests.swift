import Foundation
import Testing
@testable import pmu

/// `pmu sample --json` writes its lines by hand (JSONEncoder cost ~12 µs a record): the
/// strings must come out as JSONEncoder (sorted keys, slashes unescaped) writes them.
@Suite(.timeLimit(.minutes(5))) struct JSONLineBuilderTests {
    struct Probe: Encodable {
        var a: String
        var b: Int64
        var c: UInt64
        var d: Bool
    }

    static let strings = [
        "", "plain", "/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]", "quote \" and backslash \\",
        "tab\tnew\nline\rreturn", "\u{08}\u{0C}\u{01}\u{1F}\u{7F}", "ünïcødé ✓ 𝄞", "//anon_hugepage (deleted)",
    ]

    @Test(arguments: strings)
    func stringsComeOutAsJSONEncoderWritesThem(_ text: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let probe = Probe(a: text, b: -42, c: UInt64.max, d: true)
        let expected = String(decoding: try encoder.encode(probe), as: UTF8.self)
        var line = JSONLineBuilder()
        line.add("a", probe.a)
        line.add("b", probe.b)
        line.add("c", probe.c)
        line.add("d", probe.d)
        #expect(line.finish() == expected)
    }

    @Test func nilValuesAreLeftOut() {
        var line = JSONLineBuilder()
        line.add("a", nil as String?)
        line.add("b", 1 as Int?)
        line.addRaw("c", nil)
        #expect(line.finish() == "{\"b\":1}")
    }
}
