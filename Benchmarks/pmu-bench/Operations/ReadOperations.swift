// The counter-read operations pmu-bench times.
//
// The Swift side is the library's own read path — Counter.read(),
// CounterGroup.read(into: GroupReading), Counter.readInUserSpace(),
// Counter.enable()/disable() — each call inlined into `timeEach { … }` (the
// one-slot read paths are @inlinable, so the library's code is inlined too). The C reference loops get the same
// descriptor (Counter.descriptors, CounterGroup.descriptors) and the same
// buffer size (the library's read format: value, both times, id and, on 6.0+,
// lost), so both sides make the identical system call; the Swift/C ratio is
// what the library adds around it (checks, decoding, errors).
import CBenchReference
import CPerfEvents
import PerfEvents
import PMUBenchCore

/// Something pmu-bench could not do, in words for the `unavailable` list, with the
/// host condition the evidence shows is its cause (nil: the benchmark's own failure).
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    var condition: HostCondition?
    init(_ description: String, condition: HostCondition? = nil) {
        self.description = description
        self.condition = condition
    }
}

/// The ways a counter's value is obtained.
enum LatencyMethod: String, CaseIterable {
    /// `Counter.read()`: one `read()` of one counter.
    case single = "read-single"
    /// `CounterGroup.read()` of a group of 2 (`PERF_FORMAT_GROUP`).
    case group2 = "read-group-2"
    /// `CounterGroup.read()` of a group of 4.
    case group4 = "read-group-4"
    /// `Counter.readInUserSpace()`: the mmap page's seqlock plus rdpmc / PMEVCNTR (no system call).
    case userSpace = "user-space-read"
    /// `Counter.enable()` then `Counter.disable()`: PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_DISABLE.
    case enableDisable = "enable-disable"

    var groupSize: Int {
        switch self {
        case .group2: return 2
        case .group4: return 4
        default: return 1
        }
    }
}

/// One event the rows read: the library's ``Event``, named in the rows by its label.
struct EventSpec {
    var event: Event

    /// The name the rows show (`task-clock`, `cpu/cycles/`, `mem:watched[0]:w`).
    var name: String { event.label }
    var attributes: EventAttributes { event.attributes }
    /// The PMU from discovery (lets the counter warn about CPUs a core PMU does not cover).
    var pmu: PMU? { event.pmu.value }
}

/// A read operation ready to time: the Swift loop, the C reference loop
/// doing the identical system call(s) on the same descriptor, and cleanup.
struct ReadOperation {
    var pmu: String
    /// The event, with `+N` when a group adds N more members.
    var event: String
    var method: LatencyMethod
    var swift: SampleLoop
    /// Nil where no C reference exists (the user-space read).
    var c: SampleLoop?
    var tearDown: () -> Void
}

/// Where the Swift loops store what they read, so that the decoding cannot be optimised away.
nonisolated(unsafe) private let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)

enum ReadOperations {
    /// Opens the counters for `method` on the calling thread (any CPU) with the
    /// library and returns the operation. `events` must hold at least `method.groupSize` events.
    ///
    /// With `batch` > 1 every sample times `batch` operations between one clock
    /// pair (Swift and C alike) and holds the time per operation.
    static func make(pmu: String, events: [EventSpec], method: LatencyMethod,
                     batch: Int = 1) throws(BenchFailure) -> ReadOperation {
        let members = Array(events.prefix(method.groupSize))
        guard members.count == method.groupSize else {
            throw BenchFailure("needs \(method.groupSize) events, the PMU offers \(members.count)")
        }
        let label = members.count == 1 ? members[0].name : "\(members[0].name)+\(members.count - 1)"
        // Counting from the open, as a reader in production would find it.
        let running = CounterOptions(target: .callingThread, startDisabled: false)
        switch method {
        case .single:
            let counter = try open(members[0], options: running)
            // The global's lazy-initialisation check stays outside the timed region,
            // as the C loop gets its buffer as an argument.
            let out = sink
            let work = InjectedWork.perRead
            let swift: SampleLoop = batch > 1
                ? { samples in
                    timeBatched(samples, batch: batch) {
                        do throws(CounterError) {
                            out.pointee = try counter.read().raw
                            return 0
                        } catch {
                            return failureCode(error)
                        }
                    }
                }
                : { samples in swiftReadSingleLoop(counter, out, work, samples) }
            return withCReadLoop(pmu: pmu, event: label, method: method, swift: swift, owner: counter,
                                 fd: counter.descriptors[0], size: counter.readFormat.bufferSize(), batch: batch)
        case .group2, .group4:
            let group: CounterGroup
            do {
                group = try CounterGroup(members.map(\.event), options: running)
            } catch {
                throw BenchFailure("group \(members.map(\.name).joined(separator: ",")): \(error.description)",
                                   condition: HostCondition.of(error))
            }
            // CounterGroup.read(into:): read() into storage the loop keeps (GroupReading).
            let values = UnsafeMutablePointer<GroupReading>.allocate(capacity: 1)
            values.initialize(to: GroupReading(for: group))
            let last = members.count - 1
            let out = sink
            let swift: SampleLoop = batch > 1
                ? { samples in
                    timeBatched(samples, batch: batch) {
                        do throws(CounterError) {
                            try group.read(into: &values.pointee)
                            out.pointee = values.pointee[last].raw
                            return 0
                        } catch {
                            return failureCode(error)
                        }
                    }
                }
                : { samples in swiftGroupReadLoop(group, values, last, out, samples) }
            var operation = withCReadLoop(pmu: pmu, event: label, method: method, swift: swift, owner: group,
                                          fd: group.descriptors[0], size: group.readFormat.bufferSize(events: members.count),
                                          batch: batch)
            let release = operation.tearDown
            operation.tearDown = {
                release()
                values.deinitialize(count: 1)
                values.deallocate()
            }
            return operation
        case .enableDisable:
            let counter = try open(members[0], options: CounterOptions(target: .callingThread, startDisabled: true))
            let fd = counter.descriptors[0]
            let swift: SampleLoop = batch > 1
                ? { samples in
                    timeBatched(samples, batch: batch) {
                        do throws(CounterError) {
                            try counter.enable()
                            try counter.disable()
                            return 0
                        } catch {
                            return failureCode(error)
                        }
                    }
                }
                : { samples in swiftEnableDisableLoop(counter, samples) }
            let c: SampleLoop = batch > 1
                ? { samples in
                    withExtendedLifetime(counter) {
                        cbr_enable_disable_batch_loop(fd, 0, UInt64(batch), samples.baseAddress, UInt64(samples.count))
                    }
                }
                : { samples in
                    withExtendedLifetime(counter) { cbr_enable_disable_loop(fd, 0, samples.baseAddress, UInt64(samples.count)) }
                }
            return ReadOperation(pmu: pmu, event: label, method: method, swift: swift, c: c,
                                 tearDown: { withExtendedLifetime(counter) {} })
        case .userSpace:
            return try userSpaceRead(pmu: pmu, event: members[0], label: label)
        }
    }

    /// The C reference: `read(fd, buffer, size)` per sample, on the library's descriptor and buffer size.
    private static func withCReadLoop(pmu: String, event: String, method: LatencyMethod, swift: @escaping SampleLoop,
                                      owner: AnyObject, fd: Int32, size: Int, batch: Int) -> ReadOperation {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        let byteCount = UInt64(size)
        let c: SampleLoop = batch > 1
            ? { samples in
                withExtendedLifetime(owner) {
                    cbr_read_batch_loop(fd, buffer, byteCount, UInt64(batch), samples.baseAddress, UInt64(samples.count))
                }
            }
            : { samples in
                withExtendedLifetime(owner) { cbr_read_loop(fd, buffer, byteCount, samples.baseAddress, UInt64(samples.count)) }
            }
        return ReadOperation(pmu: pmu, event: event, method: method, swift: swift, c: c, tearDown: {
            withExtendedLifetime(owner) {}
            buffer.deallocate()
        })
    }

    /// `Counter.readInUserSpace()`: measured only where the library really reads
    /// from user space; when it falls back to `read(2)`, unavailable with the library's reason.
    private static func userSpaceRead(pmu: String, event: EventSpec, label: String) throws(BenchFailure) -> ReadOperation {
        let counter = try open(event, options: CounterOptions(target: .callingThread, startDisabled: false,
                                                              userSpaceReads: true))
        let first: UserSpaceReading
        do {
            first = try counter.readInUserSpace()
        } catch {
            throw BenchFailure(error.description, condition: HostCondition.of(error))
        }
        if case .systemCall(let reason) = first.method {
            throw BenchFailure("Counter.readInUserSpace() falls back to read(2): \(reason)",
                               condition: HostCondition.of(reason))
        }
        let swift: SampleLoop = { samples in
            timeEach(samples) {
                do throws(CounterError) {
                    let reading = try counter.readInUserSpace()
                    sink.pointee = reading.value.raw
                    // A fallback in the timed loop would time read(2) under this method's name.
                    return reading.method == .userSpace ? 0 : -Int64(Errno.ioError.rawValue)
                } catch {
                    return failureCode(error)
                }
            }
        }
        return ReadOperation(pmu: pmu, event: label, method: .userSpace, swift: swift, c: nil,
                             tearDown: { withExtendedLifetime(counter) {} })
    }

    /// A counter on the calling thread, any CPU.
    static func open(_ event: EventSpec, options: CounterOptions) throws(BenchFailure) -> Counter {
        do {
            return try Counter(event.event, options: options)
        } catch {
            throw BenchFailure(error.description, condition: HostCondition.of(error))
        }
    }

    /// A loop's failure code for a counter error: -errno, or -EIO without one.
    static func failureCode(_ error: CounterError) -> Int64 {
        -Int64((error.errno ?? .ioError).rawValue)
    }
}

// The Swift timed loops, as named functions: `.ci/bench-instructions.py` counts
// their user-space instructions per sample under callgrind by these names
// (beside cbr_read_loop and cbr_enable_disable_loop), so they are never inlined
// into their callers. Inside each, the library's read path is inlined.

/// `Counter.read()` per sample (plus `work` injected iterations, or a thrown read: see ``InjectedWork``).
@inline(never)
func swiftReadSingleLoop(_ counter: Counter, _ out: UnsafeMutablePointer<UInt64>, _ work: Int,
                         _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples) {
        do throws(CounterError) {
            out.pointee = try counter.read().raw
            if work != 0 { try InjectedWork.run(work) }
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// `CounterGroup.read(into:)` per sample, the last member's value decoded.
@inline(never)
func swiftGroupReadLoop(_ group: CounterGroup, _ reading: UnsafeMutablePointer<GroupReading>, _ last: Int,
                        _ out: UnsafeMutablePointer<UInt64>, _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples) {
        do throws(CounterError) {
            try group.read(into: &reading.pointee)
            out.pointee = reading.pointee[last].raw
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// `Counter.enable()` then `Counter.disable()` per sample.
@inline(never)
func swiftEnableDisableLoop(_ counter: Counter, _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples) {
        do throws(CounterError) {
            try counter.enable()
            try counter.disable()
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}
