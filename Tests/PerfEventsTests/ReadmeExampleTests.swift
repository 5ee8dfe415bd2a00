import Foundation
import Testing

/// The README's embedding example is compiled code: `Sources/Examples/CountGroup/CountOnPMU.swift`
/// between its markers, which the README must show unchanged.
@Suite struct ReadmeExampleTests {
    @Test func theReadmeShowsTheCompiledExample() throws {
        // Tests/PerfEventsTests/ReadmeExampleTests.swift → the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(contentsOf: root.appendingPathComponent("Sources/Examples/CountGroup/CountOnPMU.swift"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(source.range(of: "// README example begins\n"))
        let end = try #require(source.range(of: "// README example ends"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        #expect(example.contains("resolver.event(.cycles, on: pmu)"), "the example asks for typed events")
        #expect(readme.contains("```swift\nimport PerfEvents\n\n" + example + "```"),
                "README.md must show Sources/Examples/CountGroup/CountOnPMU.swift's example as it is")
    }
}
