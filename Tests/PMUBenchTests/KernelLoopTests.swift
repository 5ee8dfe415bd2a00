import CBenchReference
import Glibc
import PerfEvents
import Testing
@testable import pmu_bench

// Real kernel: the loops and the tracepoint plumbing that the exit-count
// cross-check relies on, checked against counts the kernel makes.

/// This machine's PMUs and a resolver over them, as pmu-bench builds them.
func liveResolver() throws -> (pmus: [PMU], resolver: Resolver) {
    let pmus = try PMUDiscovery().discover().pmus
    return (pmus, Resolver(pmus: pmus, libpfm: nil))
}

@Test(.timeLimit(.minutes(5))) func theTracepointCounterCountsExactlyTheSystemCallsTheFloorLoopMakes() throws {
    let resolver = try liveResolver().resolver
    let counter = try TracepointCounter("syscalls:sys_enter_getpid", resolver: resolver)
    // The tracepoint rows count getppid: the floor must not fire it.
    let counted = try TracepointCounter("syscalls:sys_enter_getppid", resolver: resolver)
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 5000)
    defer { samples.deallocate() }
    let before = try #require(counter.read())
    let countedBefore = try #require(counted.read())
    #expect(syscallFloorLoop(samples) == 0)
    let after = try #require(counter.read())
    #expect(after - before == 5000)
    #expect(try #require(counted.read()) - countedBefore == 0)
    // The interleaver credits the same counts per implementation, and keeps a median per block.
    let outcomes = Interleaver(blockSize: 100, iterations: 1000, warmup: 100)
        .run([(.syscallFloor, syscallFloorLoop), (.c, cTimerLoop)], hook: { counter.read() ?? 0 })
    #expect(outcomes[.syscallFloor]?.hookTotal == 1000)
    #expect(outcomes[.c]?.hookTotal == 0)
    #expect(outcomes[.syscallFloor]?.blockMedians.map(\.count) == [10])
    #expect(outcomes[.syscallFloor]?.blockMedians.first?.allSatisfy { $0 > 0 } == true)
}

@Test(.timeLimit(.minutes(5))) func anUnknownTracepointSaysWhatIsMissing() throws {
    let resolver = try liveResolver().resolver
    #expect(throws: BenchFailure.self) { try TracepointCounter("kvm:no_such_event", resolver: resolver) }
}

@Test(.timeLimit(.minutes(5)), arguments: LatencyMethod.allCases)
func softwareCounterReadsRunInSwiftAndC(method: LatencyMethod) throws {
    let (pmus, resolver) = try liveResolver()
    let software = try #require(pmus.first { $0.name == "software" })
    let events = try EventCatalog.events(for: software, resolver: resolver).get()
    #expect(events.map(\.name) == ["task-clock", "page-faults", "context-switches", "cpu-migrations"])
    #expect(events.allSatisfy { $0.attributes.type == software.type })
    let operation: ReadOperation
    do {
        operation = try ReadOperations.make(pmu: "software", events: events, method: method)
    } catch {
        // Software events live in no hardware counter: the library says why it falls back.
        #expect(method == .userSpace, "\(method.rawValue): \(error.description)")
        #expect(error.description.contains("cap_user_rdpmc is 0"))
        return
    }
    defer { operation.tearDown() }
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 200)
    defer { samples.deallocate() }
    #expect(operation.swift(samples) == 0)
    if let c = operation.c { #expect(c(samples) == 0) }
    #expect(operation.event == (method.groupSize == 1 ? "task-clock" : "task-clock+\(method.groupSize - 1)"))
}

/// The read-single C reference reads the library's own descriptor: a tracepoint
/// counter of getppid read through both sides sees the same kernel count.
@Test(.timeLimit(.minutes(5))) func theCReferenceReadsTheLibrarysDescriptor() throws {
    let (pmus, resolver) = try liveResolver()
    let tracepoint = try #require(pmus.first { $0.kind == .tracepoint })
    let events = try EventCatalog.events(for: tracepoint, resolver: resolver).get()
    #expect(events[0].name == "syscalls:sys_enter_getppid")
    let counter = try Counter(events[0].event, options: CounterOptions(startDisabled: false))
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 100)
    defer { samples.deallocate() }
    let before = try counter.read().raw
    for _ in 0..<100 { _ = getppid() }
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: counter.readFormat.bufferSize(), alignment: 8)
    defer { buffer.deallocate() }
    #expect(cbr_read_loop(counter.descriptors[0], buffer, UInt64(counter.readFormat.bufferSize()),
                          samples.baseAddress, 1) == 0)
    #expect(buffer.load(as: UInt64.self) - before == 100)
}

/// Batch-timed loops (Swift and C) read the same counters and store a time per operation.
@Test(.timeLimit(.minutes(5)), arguments: [LatencyMethod.single, .group4, .enableDisable])
func batchTimedLoopsRunInSwiftAndC(method: LatencyMethod) throws {
    let (pmus, resolver) = try liveResolver()
    let software = try #require(pmus.first { $0.name == "software" })
    let events = try EventCatalog.events(for: software, resolver: resolver).get()
    let operation = try ReadOperations.make(pmu: "software", events: events, method: method, batch: 50)
    defer { operation.tearDown() }
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 20)
    defer { samples.deallocate() }
    samples.initialize(repeating: 0)
    #expect(operation.swift(samples) == 0)
    #expect(samples.allSatisfy { $0 > 0 })
    let c = try #require(operation.c)
    samples.initialize(repeating: 0)
    #expect(c(samples) == 0)
    #expect(samples.allSatisfy { $0 > 0 })
}
