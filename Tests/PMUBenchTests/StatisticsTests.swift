import Testing
@testable import PMUBenchCore

@Test(.timeLimit(.minutes(5))) func aRecorderSummarisesItsSamples() {
    var recorder = LatencyRecorder()
    let samples = (1...1000).map(UInt64.init)
    samples.withUnsafeBufferPointer { recorder.record($0) }
    let summary = recorder.summary
    #expect(recorder.count == 1000)
    #expect(summary?.min == 1)
    #expect(summary?.max == 1000)
    #expect(summary?.p50 == 500)
    #expect(summary?.p90 == 900)
    #expect(summary?.p99 == 990)
    #expect(summary?.p999 == 999)
    #expect(abs((summary?.mean ?? 0) - 500.5) < 0.5)
    #expect(abs((summary?.stddev ?? 0) - 288.7) < 1)
}

@Test(.timeLimit(.minutes(5))) func anEmptyRecorderHasNoSummary() {
    #expect(LatencyRecorder().summary == nil)
}

@Test(.timeLimit(.minutes(5))) func absurdSamplesAreClampedAndCounted() {
    var recorder = LatencyRecorder()
    recorder.record(UInt64.max)
    recorder.record(100)
    #expect(recorder.clamped == 1)
    #expect(recorder.count == 2)
}

@Test(.timeLimit(.minutes(5))) func selectionRejectsUnknownPMUsAndScopes() {
    #expect(selectPMUs(requested: [], available: ["a", "b"]) == .success(["a", "b"]))
    #expect(selectPMUs(requested: ["b", "b"], available: ["a", "b"]) == .success(["b"]))
    let unknown = selectPMUs(requested: ["cpu", "b"], available: ["a", "b"])
    #expect(unknown == .failure(.unknownPMUs(["cpu"], available: ["a", "b"])))
    if case .failure(let error) = unknown {
        #expect(error.description == "unknown PMU 'cpu' for --pmu; PMUs on this machine: a, b")
    }
    #expect(BenchScope.parse("exits") == .success(.exits))
    if case .failure(let error) = BenchScope.parse("exit") {
        #expect(error.description == "--only 'exit' is not a part of the benchmark; use one of: read, exits, sample-keepup, peers")
    } else {
        Issue.record("accepted --only exit")
    }
}
