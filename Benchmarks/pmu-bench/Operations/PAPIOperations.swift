// PAPI's own calls next to the library's, like for like, on the same events
// (PAPIEventNames): PAPI_read of an event set of 1, 2 and 4 events against
// Counter.read() / CounterGroup.read(into:), PAPI_start (a reset per event, then
// enable) against our reset + enable, PAPI_stop (disable, then read) against our
// disable + read. libpapi is loaded with dlopen by CBenchReference's PAPIPeer.c;
// its timed loops are C, ours are the Swift loops below, each inlining the library.
import CBenchReference
import Glibc
import PerfEvents
import PMUBenchCore

/// libpapi, loaded once.
enum PAPIPeer {
    /// PAPI's version word, or why PAPI cannot count here.
    static let loaded: Result<Int32, PeerUnavailable> = {
        var why = [CChar](repeating: 0, count: 2048)
        let version = cbr_papi_load(&why, UInt64(why.count))
        guard version > 0 else { return .failure(PeerUnavailable(.notInstalled, text(why))) }
        if cbr_papi_perf_event_problem(&why, UInt64(why.count)) != 0 {
            return .failure(PeerUnavailable(.peerCannotCount, text(why)))
        }
        return .success(version)
    }()

    /// `7.0.0.0` from PAPI's version word.
    static var versionText: String? {
        guard case .success(let version) = loaded else { return nil }
        return [24, 16, 8, 0].map { "\((version >> $0) & 0xff)" }.joined(separator: ".")
    }

    /// An event set of `names`, not started; the caller closes it.
    static func open(_ names: [String]) -> Result<Int32, PeerUnavailable> {
        var why = [CChar](repeating: 0, count: 2048)
        var set: Int32 = -1
        let pointers = names.map { strdupOrNil($0) }
        defer { for pointer in pointers { free(pointer) } }
        let result = pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            cbr_papi_open(buffer.baseAddress, Int32(names.count), &set, &why, UInt64(why.count))
        }
        return result == 0 ? .success(set) : .failure(PeerUnavailable(.peerCannotCount, text(why)))
    }

    private static func strdupOrNil(_ text: String) -> UnsafeMutablePointer<CChar>? { strdup(text) }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A timed loop's failure code in words (a PAPI code or -errno).
    static func describe(_ code: Int64) -> String {
        let base = Int64(CBR_PAPI_FAILURE_BASE)
        if code <= -base / 2 {
            let papi = Int32(truncatingIfNeeded: code + base)
            return "PAPI error \(papi): \(String(cString: cbr_papi_strerror(papi)))"
        }
        return describeFailure(code)
    }
}

/// What is compared: one of PAPI's calls against the library's doing the same.
enum PAPIOperation: String, CaseIterable {
    case read
    case start
    case stop

    func ours(_ size: Int) -> String {
        switch self {
        case .read: return size == 1 ? "Counter.read()" : "CounterGroup.read(into:)"
        case .start: return size == 1 ? "Counter reset()+enable()" : "CounterGroup reset()+enable()"
        case .stop: return size == 1 ? "Counter disable()+read()" : "CounterGroup disable()+read(into:)"
        }
    }

    var peer: String {
        switch self {
        case .read: return "PAPI_read()"
        case .start: return "PAPI_start()"
        case .stop: return "PAPI_stop()"
        }
    }
}

/// Both sides of one comparison, ready to time, and their cleanup.
struct PAPIPair {
    var ours: SampleLoop
    var peer: SampleLoop
    var tearDown: () -> Void

    /// Opens our counter(s) and PAPI's event set for `operation` on `events` (1, 2 or 4).
    static func make(_ operation: PAPIOperation, events: [EventSpec], papiNames: [String]) -> Result<PAPIPair, PeerUnavailable> {
        let set: Int32
        switch PAPIPeer.open(papiNames) {
        case .success(let opened): set = opened
        case .failure(let why): return .failure(why)
        }
        let values = UnsafeMutablePointer<CLongLong>.allocate(capacity: max(4, papiNames.count))
        let closePeer = {
            _ = cbr_papi_stop(set, values)  // PAPI_ENOTRUN when stopped: nothing to undo
            cbr_papi_close(set)
            values.deallocate()
        }
        let ours: (loop: SampleLoop, tearDown: () -> Void)
        do {
            ours = try oursLoop(operation, events: events)
        } catch {
            closePeer()
            return .failure(PeerUnavailable(.oursFailed, error.description))
        }
        let peer: SampleLoop
        switch operation {
        case .read:
            let started = cbr_papi_start(set)
            guard started == 0 else {
                closePeer()
                ours.tearDown()
                return .failure(PeerUnavailable(.peerCannotCount, "PAPI_start: \(String(cString: cbr_papi_strerror(started)))"))
            }
            peer = { samples in cbr_papi_read_loop(set, values, samples.baseAddress, UInt64(samples.count)) }
        case .start:
            peer = { samples in cbr_papi_start_loop(set, values, samples.baseAddress, UInt64(samples.count)) }
        case .stop:
            peer = { samples in cbr_papi_stop_loop(set, values, samples.baseAddress, UInt64(samples.count)) }
        }
        return .success(PAPIPair(ours: ours.loop, peer: peer, tearDown: {
            ours.tearDown()
            closePeer()
        }))
    }

    /// The library's side: the read rows' own loops for a read, the start/stop loops below otherwise.
    private static func oursLoop(_ operation: PAPIOperation, events: [EventSpec]) throws(BenchFailure)
        -> (loop: SampleLoop, tearDown: () -> Void) {
        let method: LatencyMethod = events.count == 1 ? .single : events.count == 2 ? .group2 : .group4
        if operation == .read {
            let read = try ReadOperations.make(pmu: "papi", events: events, method: method)
            return (read.swift, read.tearDown)
        }
        let stopped = CounterOptions(target: .callingThread, startDisabled: true)
        if events.count == 1 {
            let counter = try ReadOperations.open(events[0], options: stopped)
            let loop: SampleLoop = operation == .start
                ? { samples in swiftResetEnableLoop(counter, samples) }
                : { samples in swiftDisableReadLoop(counter, samples) }
            return (loop, { withExtendedLifetime(counter) {} })
        }
        let group: CounterGroup
        do {
            group = try CounterGroup(events.map(\.event), options: stopped)
        } catch {
            throw BenchFailure("group \(events.map(\.name).joined(separator: ",")): \(error.description)",
                               condition: HostCondition.of(error))
        }
        let reading = UnsafeMutablePointer<GroupReading>.allocate(capacity: 1)
        reading.initialize(to: GroupReading(for: group))
        let loop: SampleLoop = operation == .start
            ? { samples in swiftGroupResetEnableLoop(group, samples) }
            : { samples in swiftGroupDisableReadLoop(group, reading, events.count - 1, samples) }
        return (loop, {
            withExtendedLifetime(group) {}
            reading.deinitialize(count: 1)
            reading.deallocate()
        })
    }
}

// The library's start and stop, timed as PAPI's are (PAPIPeer.c): the other half of the
// cycle untimed in the same sample, so every sample starts from the same state.

/// Per sample: `reset()` + `enable()` timed, then `disable()` untimed.
@inline(never)
func swiftResetEnableLoop(_ counter: Counter, _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples, before: { 0 }, after: {
        do throws(CounterError) { try counter.disable(); return 0 } catch { return ReadOperations.failureCode(error) }
    }) {
        do throws(CounterError) {
            try counter.reset()
            try counter.enable()
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// Per sample: `enable()` untimed, then `disable()` + `read()` timed.
@inline(never)
func swiftDisableReadLoop(_ counter: Counter, _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    let out = papiSink
    return timeEach(samples, before: {
        do throws(CounterError) { try counter.enable(); return 0 } catch { return ReadOperations.failureCode(error) }
    }, after: { 0 }) {
        do throws(CounterError) {
            try counter.disable()
            out.pointee = try counter.read().raw
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// Per sample: the group's `reset()` + `enable()` timed, then `disable()` untimed.
@inline(never)
func swiftGroupResetEnableLoop(_ group: CounterGroup, _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples, before: { 0 }, after: {
        do throws(CounterError) { try group.disable(); return 0 } catch { return ReadOperations.failureCode(error) }
    }) {
        do throws(CounterError) {
            try group.reset()
            try group.enable()
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// Per sample: the group's `enable()` untimed, then `disable()` + `read(into:)` timed.
@inline(never)
func swiftGroupDisableReadLoop(_ group: CounterGroup, _ reading: UnsafeMutablePointer<GroupReading>, _ last: Int,
                               _ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    let out = papiSink
    return timeEach(samples, before: {
        do throws(CounterError) { try group.enable(); return 0 } catch { return ReadOperations.failureCode(error) }
    }, after: { 0 }) {
        do throws(CounterError) {
            try group.disable()
            try group.read(into: &reading.pointee)
            out.pointee = reading.pointee[last].raw
            return 0
        } catch {
            return ReadOperations.failureCode(error)
        }
    }
}

/// Where the stop loops store what they read, so that the decoding stays.
nonisolated(unsafe) private let papiSink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
