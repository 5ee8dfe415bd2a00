// The counter-read operations pmu-bench times.
//
// LEAD: this is the one file to rewire onto the counting layer. Today the
// Swift side opens counters with cpe_perf_event_open on a hand-filled
// perf_event_attr and reads them with cpe_read / cpe_ioctl; replace the
// bodies of the `swift` loops with Counter.read(), CounterGroup.read(),
// the mmap-page user-space read and Counter.enable()/disable(), keeping each
// call inside `timeEach { … }` so that it is inlined into the timed loop.
// The C reference loops must keep receiving the same fd(s) and read size.
import CBenchReference
import CPerfEvents
import PerfEvents

/// Something pmu-bench could not do, in words for the `unavailable` list.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The ways a counter's value is obtained.
enum LatencyMethod: String, CaseIterable {
    /// `read()` of one counter (8 bytes).
    case single = "read-single"
    /// `read()` of a group of 2 with PERF_FORMAT_GROUP.
    case group2 = "read-group-2"
    /// `read()` of a group of 4 with PERF_FORMAT_GROUP.
    case group4 = "read-group-4"
    /// The mmap page's seqlock plus rdpmc / PMEVCNTR (no system call).
    case userSpace = "user-space-read"
    /// PERF_EVENT_IOC_ENABLE then PERF_EVENT_IOC_DISABLE.
    case enableDisable = "enable-disable"

    var groupSize: Int {
        switch self {
        case .group2: return 2
        case .group4: return 4
        default: return 1
        }
    }
}

/// One event, as the fields of `perf_event_attr` that say what to count.
struct EventSpec {
    var name: String
    var attributes: EventAttributes
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

enum ReadOperations {
    /// Opens the counters for `method` on the calling thread (any CPU) and
    /// returns the operation. `events` must hold at least `method.groupSize` events.
    static func make(pmu: String, events: [EventSpec], method: LatencyMethod) throws(BenchFailure) -> ReadOperation {
        let members = Array(events.prefix(method.groupSize))
        guard members.count == method.groupSize else {
            throw BenchFailure("needs \(method.groupSize) events, the PMU offers \(members.count)")
        }
        let label = members.count == 1 ? members[0].name : "\(members[0].name)+\(members.count - 1)"
        switch method {
        case .single:
            let fd = try open(members[0], readFormat: 0, disabled: false, group: -1)
            return readOperation(pmu: pmu, event: label, method: method, fds: [fd], size: 8)
        case .group2, .group4:
            let format = UInt64(PERF_FORMAT_GROUP.rawValue)
            let leader = try open(members[0], readFormat: format, disabled: true, group: -1)
            var fds = [leader]
            for member in members.dropFirst() {
                do {
                    fds.append(try open(member, readFormat: format, disabled: false, group: leader))
                } catch {
                    for fd in fds.reversed() { _ = cpe_close(fd) }
                    throw BenchFailure("group member \(member.name): \(error.description)")
                }
            }
            let enabled = cpe_ioctl(leader, cpe_PERF_EVENT_IOC_ENABLE, UInt64(PERF_IOC_FLAG_GROUP.rawValue))
            if enabled < 0 {
                for fd in fds.reversed() { _ = cpe_close(fd) }
                throw BenchFailure("PERF_EVENT_IOC_ENABLE on the group: \(Errno(rawValue: -enabled))")
            }
            // PERF_FORMAT_GROUP: nr, then one value per member.
            return readOperation(pmu: pmu, event: label, method: method, fds: fds, size: 8 + 8 * fds.count)
        case .enableDisable:
            let fd = try open(members[0], readFormat: 0, disabled: true, group: -1)
            let swift: SampleLoop = { samples in
                timeEach(samples) {
                    let enabled = cpe_ioctl(fd, cpe_PERF_EVENT_IOC_ENABLE, 0)
                    let disabled = cpe_ioctl(fd, cpe_PERF_EVENT_IOC_DISABLE, 0)
                    return enabled < 0 ? Int64(enabled) : Int64(disabled)
                }
            }
            let c: SampleLoop = { samples in
                cbr_enable_disable_loop(fd, 0, samples.baseAddress, UInt64(samples.count))
            }
            return ReadOperation(pmu: pmu, event: label, method: method, swift: swift, c: c,
                                 tearDown: { _ = cpe_close(fd) })
        case .userSpace:
            return try userSpaceRead(pmu: pmu, event: members[0], label: label)
        }
    }

    /// `read(fd, buffer, size)` in Swift and in C, on the same descriptor and buffer size.
    private static func readOperation(pmu: String, event: String, method: LatencyMethod, fds: [Int32],
                                      size: Int) -> ReadOperation {
        let fd = fds[0]
        let swiftBuffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        let cBuffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        let expected = Int64(size)
        let byteCount = UInt64(size)
        let swift: SampleLoop = { samples in
            timeEach(samples) {
                let got = cpe_read(fd, swiftBuffer, byteCount)
                return got == expected ? 0 : (got < 0 ? got : -Int64(Errno.ioError.rawValue))
            }
        }
        let c: SampleLoop = { samples in
            cbr_read_loop(fd, cBuffer, byteCount, samples.baseAddress, UInt64(samples.count))
        }
        return ReadOperation(pmu: pmu, event: event, method: method, swift: swift, c: c, tearDown: {
            for fd in fds.reversed() { _ = cpe_close(fd) }
            swiftBuffer.deallocate()
            cBuffer.deallocate()
        })
    }

    /// The mmap page read: only where the kernel lets user space read the counter.
    private static func userSpaceRead(pmu: String, event: EventSpec, label: String) throws(BenchFailure) -> ReadOperation {
        let fd = try open(event, readFormat: 0, disabled: false, group: -1)
        let pageSize = 4096
        let mapped = cpe_mmap(nil, UInt64(pageSize), 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0)
        guard mapped >= 0, let page = UnsafeMutableRawPointer(bitPattern: Int(mapped)) else {
            _ = cpe_close(fd)
            throw BenchFailure("mmap of the counter page: \(Errno(rawValue: Int32(truncatingIfNeeded: -mapped)))")
        }
        let snapshot = page.load(as: perf_event_mmap_page.self)
        let release = {
            _ = cpe_munmap(page, UInt64(pageSize))
            _ = cpe_close(fd)
        }
        guard cpe_user_counter_supported() != 0 else {
            release()
            throw BenchFailure("no user-space counter instruction for this architecture")
        }
        guard snapshot.cap_user_rdpmc != 0 else {
            release()
            throw BenchFailure("cap_user_rdpmc is 0 in the event's mmap page")
        }
        guard snapshot.index != 0 else {
            release()
            throw BenchFailure("mmap page index is 0: the event is not on a hardware counter")
        }
        // The value goes to memory so that the read cannot be optimised away.
        let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        let swift: SampleLoop = { samples in
            timeEach(samples) {
                sink.pointee = userSpaceCount(page)
                return 0
            }
        }
        return ReadOperation(pmu: pmu, event: label, method: .userSpace, swift: swift, c: nil, tearDown: {
            release()
            sink.deallocate()
        })
    }

    /// The perf mmap page seqlock read (perf_event.h's documented sequence).
    @inline(__always)
    static func userSpaceCount(_ page: UnsafeMutableRawPointer) -> UInt64 {
        let lockOffset = MemoryLayout<perf_event_mmap_page>.offset(of: \.lock) ?? 8
        let indexOffset = MemoryLayout<perf_event_mmap_page>.offset(of: \.index) ?? 12
        let offsetOffset = MemoryLayout<perf_event_mmap_page>.offset(of: \.offset) ?? 16
        let widthOffset = MemoryLayout<perf_event_mmap_page>.offset(of: \.pmc_width) ?? 48
        var count: UInt64
        var sequence: UInt32
        repeat {
            sequence = page.load(fromByteOffset: lockOffset, as: UInt32.self)
            cpe_compiler_barrier()
            let index = page.load(fromByteOffset: indexOffset, as: UInt32.self)
            count = UInt64(bitPattern: page.load(fromByteOffset: offsetOffset, as: Int64.self))
            if index != 0 {
                let width = UInt64(page.load(fromByteOffset: widthOffset, as: UInt16.self))
                let shift = 64 &- width
                let raw = Int64(bitPattern: cpe_read_user_counter(index &- 1) << shift) >> shift
                count = count &+ UInt64(bitPattern: raw)
            }
            cpe_compiler_barrier()
        } while page.load(fromByteOffset: lockOffset, as: UInt32.self) != sequence
        return count
    }

    /// perf_event_open on the calling thread, any CPU.
    static func open(_ event: EventSpec, readFormat: UInt64, disabled: Bool, group: Int32) throws(BenchFailure) -> Int32 {
        var attr = perf_event_attr()
        attr.size = cpe_PERF_ATTR_SIZE
        attr.type = event.attributes.type
        attr.config = event.attributes.config
        attr.config1 = event.attributes.config1
        attr.config2 = event.attributes.config2
        attr.bp_type = event.attributes.breakpointType
        attr.read_format = readFormat
        attr.disabled = disabled ? 1 : 0
        attr.exclude_hv = event.attributes.excludeHypervisor ? 1 : 0
        let fd = cpe_perf_event_open(&attr, 0, -1, group, UInt64(PERF_FLAG_FD_CLOEXEC))
        if fd < 0 {
            let errno = Errno(rawValue: -fd)
            var hint = ""
            if errno == .permissionDenied || errno == .notPermitted {
                hint = " (perf_event_paranoid too high? run as root or lower it)"
            } else if errno == .noSuchFileOrDirectory || errno == .noSuchDevice {
                hint = " (the event does not exist on this PMU)"
            }
            throw BenchFailure("perf_event_open \(event.name): \(errno)\(hint)")
        }
        return fd
    }
}
