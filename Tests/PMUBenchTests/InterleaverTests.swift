import PerfEvents
import Testing
@testable import PMUBenchCore
@testable import pmu_bench

/// A fake timed loop: writes a fixed latency into every sample and logs each block.
private final class FakeLoop {
    var blocks: [(String, Int)] = []
    func loop(_ name: String, latency: UInt64, failAfterBlocks: Int? = nil) -> SampleLoop {
        { samples in
            if let limit = failAfterBlocks, self.blocks.filter({ $0.0 == name }).count >= limit { return -13 }
            self.blocks.append((name, samples.count))
            for index in samples.indices { samples[index] = latency }
            return 0
        }
    }
}

@Test(.timeLimit(.minutes(5))) func implementationsAlternateInBlocksAfterAWarmup() {
    let fake = FakeLoop()
    let interleaver = Interleaver(blockSize: 100, iterations: 250, warmup: 150)
    let outcomes = interleaver.run([(.swift, fake.loop("s", latency: 500)), (.c, fake.loop("c", latency: 490))])
    // Warm-up: 100 + 50 per implementation; then blocks of 100, 100, 50 alternating.
    #expect(fake.blocks.map(\.0) == ["s", "s", "c", "c", "s", "c", "s", "c", "s", "c"])
    #expect(fake.blocks.map(\.1) == [100, 50, 100, 50, 100, 100, 100, 100, 50, 50])
    #expect(outcomes[.swift]?.recorder.count == 250) // warm-up samples are not recorded
    #expect(outcomes[.swift]?.recorder.summary?.p50 == 500)
    #expect(outcomes[.c]?.recorder.summary?.p50 == 490)
}

@Test(.timeLimit(.minutes(5))) func theHookIsCreditedToTheBlockThatRan() {
    let fake = FakeLoop()
    var events: UInt64 = 0
    let swift: SampleLoop = { samples in events += UInt64(samples.count); return fake.loop("s", latency: 1)(samples) }
    let c: SampleLoop = { samples in events += 2 * UInt64(samples.count); return fake.loop("c", latency: 1)(samples) }
    let outcomes = Interleaver(blockSize: 10, iterations: 30, warmup: 5)
        .run([(.swift, swift), (.c, c)], hook: { events })
    #expect(outcomes[.swift]?.hookTotal == 30)
    #expect(outcomes[.c]?.hookTotal == 60)
}

@Test(.timeLimit(.minutes(5))) func aFailingLoopStopsAndKeepsItsCode() {
    let fake = FakeLoop()
    let outcomes = Interleaver(blockSize: 10, iterations: 50, warmup: 0)
        .run([(.swift, fake.loop("s", latency: 1)), (.c, fake.loop("c", latency: 1, failAfterBlocks: 2))])
    #expect(outcomes[.c]?.failure == -13)
    #expect(outcomes[.swift]?.failure == nil)
    #expect(outcomes[.swift]?.recorder.count == 50)
    #expect(describeFailure(-13) == "EACCES (permission denied)")
    #expect(describeFailure(1002).contains("exit reason 2"))
}

@Test(.timeLimit(.minutes(5))) func theSwiftTimedLoopFillsEverySample() {
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 64)
    defer { samples.deallocate() }
    samples.initialize(repeating: .max)
    var calls = 0
    #expect(timeEach(samples) { calls += 1; return 0 } == 0)
    #expect(calls == 64)
    #expect(samples.allSatisfy { $0 < 1_000_000_000 })
    #expect(timeEach(samples) { -22 } == -22)
}

@Test(.timeLimit(.minutes(5))) func everyHookIsCreditedToTheBlockThatRan() {
    let fake = FakeLoop()
    var first: UInt64 = 0
    var second: UInt64 = 0
    let swift: SampleLoop = { samples in first += UInt64(samples.count); return fake.loop("s", latency: 1)(samples) }
    let c: SampleLoop = { samples in second += 3 * UInt64(samples.count); return fake.loop("c", latency: 1)(samples) }
    let outcomes = Interleaver(blockSize: 10, iterations: 30, warmup: 5)
        .run([(.swift, swift), (.c, c)], hooks: [{ first }, { second }])
    #expect(outcomes[.swift]?.hookTotals == [30, 0])
    #expect(outcomes[.c]?.hookTotals == [0, 90])
}
