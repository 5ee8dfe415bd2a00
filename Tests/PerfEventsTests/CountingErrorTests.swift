import Testing
import Foundation
@testable import PerfEvents

/// Every refusal of perf_event_open, played by a mocked kernel.
@Suite(.timeLimit(.minutes(5))) struct CountingErrorTests {
    func openError(
        _ errno: Errno, attributes: EventAttributes = Software.taskClock, target: CountingTarget = .callingThread,
        paranoid: String? = "2", hasCorePMU: Bool? = nil
    ) throws -> CounterError {
        let proc = try fakeProc(paranoid: paranoid)
        defer { try? FileManager.default.removeItem(atPath: proc) }
        let options = CounterOptions(target: target, machineHasCorePMU: hasCorePMU, procRoot: proc)
        let system = mockKernel(openResult: { _ in -errno.rawValue })
        do {
            _ = try system.installed { () throws(CounterError) in try Counter(Event(label: "the-event", attributes: attributes), options: options) }
        } catch {
            return error
        }
        Issue.record("the open did not fail")
        return CounterError(operation: .read, errno: nil, label: "", attributes: nil, message: "")
    }

    @Test func permissionDeniedNamesParanoidAndTheFix() throws {
        let error = try openError(.permissionDenied, paranoid: "2")
        #expect(error.operation == .open)
        #expect(error.errno == .permissionDenied)
        #expect(error.label == "the-event")
        #expect(error.attributes == Software.taskClock)
        #expect(error.paranoid == 2)
        // Kernel space is counted: that needs paranoid <= 1.
        #expect(error.message.contains("perf_event_paranoid is 2"))
        #expect(error.message.contains("sysctl kernel.perf_event_paranoid=1"))
        #expect(error.message.contains("CAP_PERFMON"))
        #expect(error.message.contains("CAP_SYS_ADMIN"))
        #expect(error.message.contains(":u"))
        #expect(!error.isNotSupported)
        #expect(error.description.hasPrefix("cannot open the-event (type 1, config 0x1): EACCES (permission denied): "))
    }

    @Test func permissionLevelDependsOnWhatIsCounted() throws {
        var userOnly = Software.taskClock
        userOnly.excludeKernel = true
        let user = try openError(.notPermitted, attributes: userOnly, paranoid: "3")
        #expect(user.errno == .notPermitted)
        #expect(user.message.contains("sysctl kernel.perf_event_paranoid=2"))
        let cpuWide = try openError(.permissionDenied, target: .cpus(CPUSet([0])), paranoid: "2")
        #expect(cpuWide.message.contains("counting whole CPUs"))
        #expect(cpuWide.message.contains("sysctl kernel.perf_event_paranoid=0"))
    }

    @Test func permissionDeniedThoughParanoidAllowsItPointsElsewhere() throws {
        let error = try openError(.permissionDenied, paranoid: "-1")
        #expect(error.paranoid == -1)
        #expect(error.message.contains("seccomp"))
    }

    @Test func unreadableParanoidIsSaid() throws {
        let error = try openError(.permissionDenied, paranoid: nil)
        #expect(error.paranoid == nil)
        #expect(error.message.contains("could not be read"))
        #expect(error.message.contains("perf_event_paranoid=1"))
    }

    @Test func missingPMUOrEvent() throws {
        for errno in [Errno.noSuchFileOrDirectory, .noSuchDevice] {
            let error = try openError(errno, attributes: EventAttributes(type: 42, config: 7))
            #expect(error.message.contains("does not exist here"))
            #expect(error.isNotSupported)
            #expect(error.paranoid == nil)
        }
    }

    @Test func hardwareEventsWithoutACorePMULookLikeAVirtualMachine() throws {
        let cycles = EventAttributes(type: LegacyType.hardware, config: 0)
        for errno in [Errno.noSuchFileOrDirectory, .notSupported, .noSuchDevice] {
            let error = try openError(errno, attributes: cycles, hasCorePMU: false)
            #expect(error.message.hasPrefix("no hardware PMU: this looks like a virtual machine"))
            #expect(CounterValue(notSupported: error).status == .notSupported(reason: .refused(error)))
        }
        for type in [LegacyType.hardwareCache, LegacyType.raw] {
            let error = try openError(.noSuchFileOrDirectory, attributes: EventAttributes(type: type), hasCorePMU: false)
            #expect(error.message.contains("virtual machine"))
        }
        // Not for software events, and not when the caller does not know.
        #expect(!(try openError(.noSuchFileOrDirectory, hasCorePMU: false)).message.contains("virtual machine"))
        #expect(!(try openError(.noSuchFileOrDirectory, attributes: cycles)).message.contains("virtual machine"))
    }

    @Test func theOtherErrnos() throws {
        let invalid = try openError(.invalidArgument)
        #expect(invalid.message.contains("rejected the attributes"))
        #expect(invalid.isNotSupported)
        let unsupported = try openError(.notSupported)
        #expect(unsupported.message.contains("exclude filter"))
        #expect(unsupported.isNotSupported)
        let files = try openError(.tooManyOpenFiles, target: .cpus(CPUSet([0, 1])))
        #expect(files.message.contains("ulimit -n"))
        #expect(!files.isNotSupported)
        let big = try openError(.argumentListTooLong)
        #expect(big.message.contains("size 128"))
        let busy = try openError(.busy)
        #expect(busy.message.contains("exclusive use"))
        #expect(busy.message.contains("KVM"))
        let noProcess = try openError(.noSuchProcess, target: .threads([999_999]))
        #expect(noProcess.message.contains("no such thread (999999)"))
        let noSlot = try openError(.noSpace)
        #expect(noSlot.message.contains("debug"))
        let other = try openError(.ioError)
        #expect(other.message.contains("input/output error"))
    }

    @Test func openAlwaysAsksForCloseOnExecAndRetriesInterrupts() throws {
        let calls = Recorder<[OpenCall]>([])
        let attempts = Recorder(0)
        let system = mockKernel(openResult: { _ in
            attempts.update { $0 += 1; return $0 == 1 ? -Errno.interrupted.rawValue : 1000 }
        }, calls: calls)
        let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "task-clock", attributes: Software.taskClock)) }
        #expect(counter.descriptors == [1000])
        #expect(calls.current.count == 2)
        #expect(calls.current.allSatisfy { $0.openFlags == 8 /* PERF_FLAG_FD_CLOEXEC */ })
        let call = try #require(calls.current.last)
        #expect(call.pid == 0 && call.cpu == -1 && call.group == -1)
        #expect(call.flags == AttributeFlags.disabled.rawValue)
        #expect(call.readFormat == ReadFormat.counting.union(.lost).rawValue)
    }

    @Test func lostIsDroppedWhenTheKernelIsOlderThan6() throws {
        let calls = Recorder<[OpenCall]>([])
        let system = mockKernel(openResult: { call in
            call.readFormat & ReadFormat.lost.rawValue != 0 ? -Errno.invalidArgument.rawValue : 1000
        }, calls: calls)
        let group = try system.installed { () throws(CounterError) in try CounterGroup([
            Event(label: "a", attributes: Software.taskClock),
            Event(label: "b", attributes: Software.pageFaults),
        ]) }
        #expect(group.readFormat == ReadFormat.counting.union(.group))
        // Leader tried with LOST, again without; the member went straight to the accepted format.
        #expect(calls.current.map(\.readFormat) == [0x1f, 0x0f, 0x0f])
        #expect(calls.current[2].group == 1000)
        #expect(calls.current[1].flags == AttributeFlags.disabled.rawValue)
        #expect(calls.current[2].flags == 0)  // members follow the leader: not disabled themselves
    }

    @Test func aFailingSlotClosesTheOnesAlreadyOpen() throws {
        let closed = Recorder<[Int32]>([])
        let next = Recorder<Int32>(1000)
        let system = mockKernel(openResult: { call in
            if call.cpu == 2 { return -Errno.noSuchDevice.rawValue }
            return next.update { $0 += 1; return $0 }
        }, closed: closed)
        var options = CounterOptions(target: .cpus(CPUSet([0, 1, 2, 3])))
        options.procRoot = "/nonexistent"
        #expect(throws: CounterError.self) {
            _ = try system.installed { () throws(CounterError) in try Counter(Event(label: "x", attributes: Software.taskClock), options: options) }
        }
        #expect(closed.current.sorted() == [1001, 1002])
    }

    @Test func aFailingGroupMemberClosesTheLeader() throws {
        let closed = Recorder<[Int32]>([])
        let system = mockKernel(openResult: { call in
            call.config == 2 ? -Errno.notSupported.rawValue : 1000
        }, closed: closed)
        do {
            _ = try system.installed { () throws(CounterError) in try CounterGroup([
                Event(label: "leader", attributes: Software.taskClock),
                Event(label: "member", attributes: Software.pageFaults),
            ]) }
            Issue.record("the group opened")
        } catch {
            #expect(error.label == "member")
            #expect(error.errno == .notSupported)
        }
        #expect(closed.current == [1000])
    }

    @Test func badInputIsRefusedBeforeTheKernel() throws {
        let calls = Recorder<[OpenCall]>([])
        let system = mockKernel(openResult: { _ in 1000 }, calls: calls)
        var precise = Software.taskClock
        precise.precise = 4
        #expect(throws: CounterError.self) { _ = try system.installed { () throws(CounterError) in try Counter(Event(label: "p", attributes: precise)) } }
        let nobody = CounterOptions(target: .threads([]))
        #expect(throws: CounterError.self) {
            _ = try system.installed { () throws(CounterError) in try Counter(Event(label: "p", attributes: Software.taskClock), options: nobody) }
        }
        #expect(throws: CounterError.self) { _ = try system.installed { () throws(CounterError) in try CounterGroup([]) } }
        #expect(calls.current.isEmpty)
    }

    @Test func readAndControlFailuresAreTyped() throws {
        var system = mockKernel(openResult: { _ in 1000 })
        system.read = { _, _ in -Int(Errno.badFileDescriptor.rawValue) }
        system.ioctl = { _, _, _ in -Errno.notTTY.rawValue }
        let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "task-clock", attributes: Software.taskClock)) }
        do {
            _ = try counter.read()
            Issue.record("read succeeded")
        } catch {
            #expect(error.operation == .read)
            #expect(error.errno == .badFileDescriptor)
            #expect(error.message.contains("no longer open"))
        }
        do {
            try counter.enable()
            Issue.record("enable succeeded")
        } catch {
            #expect(error.operation == .enable)
            #expect(error.errno == .notTTY)
        }
    }

    @Test func aShortReadIsAnErrorAndAnEmptyOneIsNotCounted() throws {
        var system = mockKernel(openResult: { _ in 1000 })
        let answer = Recorder<[UInt8]>(bytes([5, 6]))
        system.read = { _, buffer in
            let data = answer.current
            buffer.copyBytes(from: data)
            return data.count
        }
        let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "task-clock", attributes: Software.taskClock)) }
        #expect(throws: CounterError.self) { _ = try counter.read() }
        answer.update { $0 = [] }
        #expect(try counter.read().status == .notCounted)
    }
}
