import CBenchReference
import PerfEvents
import Testing
@testable import pmu_bench

// Real kernel: the loops and the tracepoint plumbing that the exit-count
// cross-check relies on, checked against counts the kernel makes.

@Test func theTracepointCounterCountsExactlyTheSystemCallsTheFloorLoopMakes() throws {
    let counter = try TracepointCounter("syscalls:sys_enter_getppid", fileSystem: FileSystem())
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 5000)
    defer { samples.deallocate() }
    let before = try #require(counter.read())
    #expect(syscallFloorLoop(samples) == 0)
    let after = try #require(counter.read())
    #expect(after - before == 5000)
    // The interleaver credits the same counts per implementation.
    let outcomes = Interleaver(blockSize: 100, iterations: 1000, warmup: 100)
        .run([(.syscallFloor, syscallFloorLoop), (.c, cTimerLoop)], hook: { counter.read() ?? 0 })
    #expect(outcomes[.syscallFloor]?.hookTotal == 1000)
    #expect(outcomes[.c]?.hookTotal == 0)
}

@Test func anUnknownTracepointSaysWhatIsMissing() {
    #expect(throws: BenchFailure.self) { try TracepointCounter("kvm:no_such_event", fileSystem: FileSystem()) }
}

@Test(arguments: LatencyMethod.allCases)
func softwareCounterReadsRunInSwiftAndC(method: LatencyMethod) throws {
    let software = PMU(name: "software", type: LegacyType.software, kind: .software)
    let events = try EventCatalog.events(for: software, fileSystem: FileSystem()).get()
    #expect(events.map(\.name) == ["task-clock", "page-faults", "context-switches", "cpu-migrations"])
    let operation: ReadOperation
    do {
        operation = try ReadOperations.make(pmu: "software", events: events, method: method)
    } catch {
        // Software events live in no hardware counter: the mmap page says so.
        #expect(method == .userSpace, "\(method.rawValue): \(error.description)")
        return
    }
    defer { operation.tearDown() }
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 200)
    defer { samples.deallocate() }
    #expect(operation.swift(samples) == 0)
    if let c = operation.c { #expect(c(samples) == 0) }
    #expect(operation.event == (method.groupSize == 1 ? "task-clock" : "task-clock+\(method.groupSize - 1)"))
}
