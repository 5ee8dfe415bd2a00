import Testing
import Foundation
import CPerfEvents
@testable import PerfEvents

/// Counting against the real kernel of this machine. Every counter counts the
/// calling thread only, so tests running in parallel do not disturb each other,
/// and exact counts come from events we cause (tracepoint hits, watchpoint writes).
@Suite(.timeLimit(.minutes(3)), .serialized) struct CountingKernelTests {
    static let tracing = "/sys/kernel/tracing"

    /// The tracepoint id of syscalls:sys_enter_getppid, mounting tracefs when needed.
    func getppidTracepoint() throws -> UInt64 {
        let path = Self.tracing + "/events/syscalls/sys_enter_getppid/id"
        if !FileManager.default.fileExists(atPath: path) {
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tracefs", "nodev", Self.tracing]
            try mount.run()
            mount.waitUntilExit()
        }
        let text = try FileSystem().readAttribute(path)
        return try #require(UInt64(text))
    }

    func makeGetppidCalls(_ count: Int) {
        // glibc's getppid() caches nothing: every call is one getppid system call.
        for _ in 0..<count { _ = Glibc.getppid() }
    }

    @Test func tracepointCountsExactlyTheSystemCallsMade() throws {
        let id = try getppidTracepoint()
        let counter = try Counter(Event(label: "syscalls:sys_enter_getppid",
                                  attributes: EventAttributes(type: LegacyType.tracepoint, config: id)))
        makeGetppidCalls(50)  // disabled: not counted
        #expect(try counter.read().status == .notCounted)
        try counter.enable()
        makeGetppidCalls(1000)
        try counter.disable()
        makeGetppidCalls(50)  // disabled again: not counted
        let value = try counter.read()
        #expect(value.raw == 1000)
        #expect(value.status == .counted)
        #expect(value.scaled == 1000)
        #expect(value.timeEnabled > 0 && value.timeEnabled == value.timeRunning)
        #expect(value.lost == 0)  // Linux 6.18 takes PERF_FORMAT_LOST
        #expect(counter.readFormat.contains(.lost))

        try counter.reset()
        try counter.enable()
        makeGetppidCalls(7)
        try counter.disable()
        #expect(try counter.read().raw == 7)
    }

    @Test func watchpointCountsExactlyTheWrites() throws {
        let variable = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { variable.deallocate() }
        variable.initialize(to: 0)
        let address = UInt64(UInt(bitPattern: variable))
        let watchpoint = EventAttributes(type: LegacyType.breakpoint, config1: address,
                                         config2: 8 /* HW_BREAKPOINT_LEN_8 */, breakpointType: 2 /* W */)
        let counter = try Counter(Event(label: "mem:\(address):w8", attributes: watchpoint))
        try counter.enable()
        for value in 1...500 {
            variable.pointee = UInt64(value)
            cpe_compiler_barrier()  // each store happens: the compiler cannot merge them
        }
        _ = variable.pointee  // reads are not counted by a write watchpoint
        try counter.disable()
        variable.pointee = 0
        let value = try counter.read()
        #expect(value.raw == 500)
        #expect(value.status == .counted)
    }

    @Test(.enabled(if: LiveHost.has("msr"), "this host has no msr PMU"))
    func msrTimeStampCounterRises() throws {
        let type = try #require(UInt32(try FileSystem().readAttribute("/sys/bus/event_source/devices/msr/type")))
        var options = CounterOptions()
        options.startDisabled = false
        let counter = try Counter(Event(label: "msr/tsc/", attributes: EventAttributes(type: type, config: 0)), options: options)
        let first = try counter.read()
        makeGetppidCalls(1000)
        let second = try counter.read()
        #expect(first.status == .counted)
        #expect(first.raw > 0)
        #expect(second.raw > first.raw)
    }

    @Test func softwareEventsCount() throws {
        let clock = try Counter(Event(label: "task-clock", attributes: Software.taskClock))
        let faults = try Counter(Event(label: "page-faults", attributes: Software.pageFaults))
        let switches = try Counter(Event(label: "context-switches", attributes: Software.contextSwitches))
        let migrations = try Counter(Event(label: "cpu-migrations", attributes: Software.cpuMigrations))
        for counter in [clock, faults, switches, migrations] { try counter.enable() }
        let pages = try FreshPages(count: 16)
        pages.touch()
        usleep(2000)  // sleeping is a voluntary context switch
        for counter in [clock, faults, switches, migrations] { try counter.disable() }
        let time = try clock.read()
        #expect(time.status == .counted)
        #expect(time.raw > 0)
        #expect(try faults.read().raw >= 16)
        #expect(try switches.read().raw >= 1)
        #expect(try migrations.read().status == .counted)
    }

    @Test func groupIsReadAtOnce() throws {
        let id = try getppidTracepoint()
        let group = try CounterGroup([
            Event(label: "task-clock", attributes: Software.taskClock),
            Event(label: "page-faults", attributes: Software.pageFaults),
            Event(label: "getppid", attributes: EventAttributes(type: LegacyType.tracepoint, config: id)),
        ])
        #expect(group.readFormat.contains(.group))
        try group.enable()
        let pages = try FreshPages(count: 8)
        pages.touch()
        makeGetppidCalls(321)
        try group.disable()
        let values = try group.read()
        #expect(values.count == 3)
        #expect(values.allSatisfy { $0.status == .counted })
        #expect(values[0].raw > 0)
        #expect(values[1].raw >= 8)
        #expect(values[2].raw == 321)
        // One read: the members share the leader's times.
        #expect(values[0].timeEnabled == values[2].timeEnabled)
        try group.reset()
        #expect(try group.read()[2].raw == 0)
        #expect(group.events.map(\.label) == ["task-clock", "page-faults", "getppid"])
    }

    @Test func inheritCountsThreadsCreatedAfterTheOpen() throws {
        let id = try getppidTracepoint()
        var options = CounterOptions()
        options.inherit = true
        let counter = try Counter(Event(label: "getppid", attributes: EventAttributes(type: LegacyType.tracepoint, config: id)),
                                  options: options)
        try counter.enable()
        makeGetppidCalls(10)
        try runOnNewThread { makeGetppidCalls(90) }
        try counter.disable()
        #expect(try counter.read().raw == 100)
    }

    @Test func inheritedGroupsAreReadAtOnceToo() throws {
        let id = try getppidTracepoint()
        var options = CounterOptions()
        options.inherit = true
        let group = try CounterGroup([
            Event(label: "task-clock", attributes: Software.taskClock),
            Event(label: "getppid", attributes: EventAttributes(type: LegacyType.tracepoint, config: id)),
        ], options: options)
        try group.enable()
        makeGetppidCalls(5)
        try runOnNewThread { makeGetppidCalls(20) }
        try group.disable()
        #expect(try group.read()[1].raw == 25)
    }

    /// Without a hardware CPU PMU in this host's sysfs the kernel refuses cycles, and the
    /// library says why. What the host has is read at test time.
    @Test(.enabled(if: !LiveHost.hasCorePMU, "this host has a hardware CPU PMU: hardwareCyclesCountOnTheCorePMU runs instead"))
    func hardwareCyclesAreNotSupportedWithoutAHardwarePMU() throws {
        let inventory = try LiveHost.inventory()
        #expect(!inventory.hasCorePMU, "discovery disagrees with sysfs about a core PMU")
        let cycles = EventAttributes(type: LegacyType.hardware, config: 0)
        let options = CounterOptions(machineHasCorePMU: inventory.hasCorePMU)
        do {
            _ = try Counter(Event(label: "cycles", attributes: cycles), options: options)
            Issue.record("cycles opened although this host's sysfs lists no hardware CPU PMU")
        } catch {
            #expect(error.errno == .noSuchFileOrDirectory || error.errno == .notSupported)
            #expect(error.isNotSupported)
            let value = CounterValue(notSupported: error)
            #expect(value.status == .notSupported(reason: .refused(error)))
            #expect(error.message.hasPrefix("no hardware PMU"))
        }
    }

    /// The working path of the test above: with a core PMU, cycles resolved on this
    /// host's PMUs open and count a busy loop (on hybrid hosts, on at least one core PMU).
    @Test(.enabled(if: LiveHost.hasCorePMU, "this host has no hardware CPU PMU (a VM without a virtual PMU)"))
    func hardwareCyclesCountOnTheCorePMU() throws {
        let inventory = try LiveHost.inventory()
        let events = try Resolver(pmus: inventory.pmus, libpfm: nil).resolve("cycles").flatMap(\.events)
        #expect(events.compactMap(\.pmu.name) == inventory.corePMUs.map(\.name))
        let options = CounterOptions(machineHasCorePMU: inventory.hasCorePMU)
        let counters = try events.map { event in
            try Counter(event, options: options)
        }
        for counter in counters { try counter.enable() }
        var sum: UInt64 = 0
        for index in 0..<2_000_000 { sum = sum &+ UInt64(index) ^ (sum >> 3) }
        for counter in counters { try counter.disable() }
        #expect(sum != 1)  // keeps the loop
        let values = try counters.map { try $0.read() }
        // Counted (or multiplexed) where the thread ran; on hybrid hosts the other core type's never ran.
        #expect(values.allSatisfy { $0.scaled != nil || $0.status == .notCounted }, "\(values)")
        #expect(values.contains { ($0.scaled ?? 0) > 1_000_000 }, "cycles of a 2,000,000-step loop: \(values)")
    }

    @Test func userSpaceReadFallsBackToReadForSoftwareEvents() throws {
        let id = try getppidTracepoint()
        var options = CounterOptions()
        options.userSpaceReads = true
        let counter = try Counter(Event(label: "getppid", attributes: EventAttributes(type: LegacyType.tracepoint, config: id)),
                                  options: options)
        let clock = try Counter(Event(label: "task-clock", attributes: Software.taskClock), options: options)
        try counter.enable()
        try clock.enable()
        makeGetppidCalls(42)
        let reading = try counter.readInUserSpace()
        let clockReading = try clock.readInUserSpace()
        // Tracepoint and software events are on no hardware counter (index 0): read(2) gave the value.
        #expect(reading.method == .systemCall(.noUserAccess) || reading.method == .systemCall(.notOnCounter))
        #expect(clockReading.method == .systemCall(.noUserAccess) || clockReading.method == .systemCall(.notOnCounter))
        #expect(reading.value.raw == 42)
        #expect(clockReading.value.raw > 0)
        // Without the page, the method says so.
        let plain = try Counter(Event(label: "getppid", attributes: EventAttributes(type: LegacyType.tracepoint, config: id)))
        #expect(try plain.readInUserSpace().method == .systemCall(.notMapped))
    }

    @Test func theMappedPageIsTheKernels() throws {
        var options = CounterOptions()
        options.userSpaceReads = true
        options.startDisabled = false
        let counter = try Counter(Event(label: "task-clock", attributes: Software.taskClock), options: options)
        let descriptor = try #require(counter.descriptors.first)
        // Map it a second time and decode it with the pure reader: the kernel's own page.
        let length = Int(cpe_page_size())
        let address = cpe_mmap(nil, UInt64(length), 1, 1, descriptor, 0)
        let page = try #require(UnsafeRawPointer(bitPattern: Int(address)))
        defer { _ = cpe_munmap(UnsafeMutableRawPointer(mutating: page), UInt64(length)) }
        #expect(page.load(fromByteOffset: 72, as: UInt32.self) == 96)  // size: the header up to __reserved
        let capabilities = page.load(fromByteOffset: 40, as: UInt64.self)
        #expect(capabilities & (1 << 1) != 0)  // cap_bit0_is_deprecated
        #expect(page.load(fromByteOffset: 12, as: UInt32.self) == 0)  // software: not on a counter
        let outcome = UserPage.read(page: page, readCounter: { _ in 0 }, readClock: { 0 }, barrier: { cpe_compiler_barrier() })
        #expect(outcome == .fallBack(.noUserAccess) || outcome == .fallBack(.notOnCounter))
    }

    /// Software events cannot be multiplexed: the kernel always schedules
    /// all-software groups, even exclusive and pinned ones, so they all run the
    /// whole time (the scaling math is tested on values in CountingValueTests).
    @Test func softwareEventsAreNeverMultiplexed() throws {
        var exclusive = Software.taskClock
        exclusive.exclusive = true
        exclusive.pinned = true
        let counters = try (0..<12).map { index in
            try Counter(Event(label: "task-clock:De#\(index)", attributes: exclusive))
        }
        for counter in counters { try counter.enable() }
        makeGetppidCalls(200)
        for counter in counters { try counter.disable() }
        for counter in counters {
            let value = try counter.read()
            #expect(value.status == .counted)
            #expect(value.timeRunning == value.timeEnabled)
        }
    }

    @Test func aDisabledCounterThatNeverRanIsNotCounted() throws {
        let counter = try Counter(Event(label: "page-faults", attributes: Software.pageFaults))
        let value = try counter.read()
        #expect(value.status == .notCounted)
        #expect(value.scaled == nil)
        #expect(value.timeEnabled == 0 && value.timeRunning == 0)
    }

    @Test func aCorePMUTheThreadCannotRunOnIsReported() throws {
        let current = try Affinity.current()
        #expect(!current.isEmpty)
        let elsewhere = CPUSet([CPUSet.maximumCPU])
        let core = PMU(name: "cpu_far", type: LegacyType.software, kind: .core, cpus: elsewhere)
        // The event itself is a software one, so the open works; the PMU says where it could count.
        let counter = try Counter(Event(label: "cpu_far/task-clock/", attributes: Software.taskClock, pmu: core))
        #expect(counter.warnings == [.threadOutsidePMU(pmu: "cpu_far", thread: 0, threadCPUs: current, pmuCPUs: elsewhere)])
        #expect(counter.warnings[0].description.contains("will count nothing"))
        let here = PMU(name: "cpu_here", type: LegacyType.software, kind: .core, cpus: current)
        #expect(try Counter(Event(label: "ok", attributes: Software.taskClock, pmu: here)).warnings.isEmpty)
    }

    @Test func tenThousandOpenReadCloseCyclesLeakNoDescriptor() throws {
        let opened = Recorder(0)
        let closed = Recorder(0)
        var system = SystemMock()
        let open = system.perfEventOpen
        system.perfEventOpen = { attr, pid, cpu, group, flags in
            let fd = open(attr, pid, cpu, group, flags)
            if fd >= 0 { opened.update { $0 += 1 } }
            return fd
        }
        system.close = { fd in
            closed.update { $0 += 1 }
            return cpe_close(fd)
        }
        let before = try perfDescriptors()
        for cycle in 0..<10_000 {
            var options = CounterOptions()
            options.startDisabled = cycle % 2 == 0
            options.userSpaceReads = cycle % 3 == 0
            let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "task-clock", attributes: Software.taskClock), options: options) }
            _ = try counter.read()
        }
        // Exact: every descriptor the kernel gave was closed once.
        #expect(opened.current == 10_000)
        #expect(closed.current == 10_000)
        // The process-wide count is shared with tests running beside this one (they
        // hold a few perf descriptors at any moment); a leak would be one per cycle.
        #expect(try perfDescriptors() <= before + 64)
    }

    /// The number of perf event descriptors this process holds.
    func perfDescriptors() throws -> Int {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        return entries.filter { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) == "anon_inode:[perf_event]"
        }.count
    }
}

/// Anonymous memory never touched before: touching each page faults once.
final class FreshPages {
    let base: UnsafeMutableRawPointer
    let count: Int
    let pageSize = Int(cpe_page_size())

    init(count: Int) throws {
        self.count = count
        let address = cpe_mmap(nil, UInt64(count * pageSize), 3 /* RW */, 0x22 /* PRIVATE|ANONYMOUS */, -1, 0)
        base = try #require(UnsafeMutableRawPointer(bitPattern: Int(address)))
    }

    func touch() {
        for page in 0..<count { base.storeBytes(of: 1, toByteOffset: page * pageSize, as: UInt8.self) }
    }

    deinit { _ = cpe_munmap(base, UInt64(count * pageSize)) }
}

/// Runs `body` on a new POSIX thread and joins it (so that it has exited, and
/// an inherited counter has collected its count, when this returns).
func runOnNewThread(_ body: @escaping () -> Void) throws {
    final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        box.body()
        return nil
    }, context)
    try #require(created == 0)
    pthread_join(thread, nil)
}
