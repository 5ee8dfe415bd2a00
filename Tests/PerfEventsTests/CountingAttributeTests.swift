import Testing
import CPerfEvents
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct CountingAttributeTests {
    func layout(_ attributes: KernelEventAttributes) -> OpenCall {
        attributes.withKernelAttributes { OpenCall($0, pid: 0, cpu: -1, group: -1, flags: 0) }
    }

    @Test func typeConfigSizeAndReadFormatAreExplicit() {
        let event = EventAttributes(type: 9, config: 0x1234, config1: 7, config2: 8)
        let call = layout(KernelEventAttributes(event: event, flags: [.disabled], readFormat: [.totalTimeEnabled, .id]))
        #expect(call.type == 9)
        #expect(call.size == cpe_PERF_ATTR_SIZE)
        #expect(call.size == 128)  // the headers here are PERF_ATTR_SIZE_VER7
        #expect(call.config == 0x1234)
        #expect(call.config1 == 7)
        #expect(call.config2 == 8)
        #expect(call.readFormat == 0b101)
        #expect(call.flags == AttributeFlags.disabled.rawValue)
    }

    @Test func breakpointFieldsShareTheConfigWords() {
        var value: UInt64 = 0
        let address = withUnsafeMutablePointer(to: &value) { UInt64(UInt(bitPattern: $0)) }
        let event = EventAttributes(type: LegacyType.breakpoint, config1: address, config2: 8, breakpointType: 2)
        KernelEventAttributes(event: event, flags: [], readFormat: .counting).withKernelAttributes { attr in
            #expect(attr.pointee.bp_type == 2)
            #expect(attr.pointee.bp_addr == address)
            #expect(attr.pointee.bp_len == 8)
        }
    }

    @Test func everyFlagReachesItsBitField() {
        let event = EventAttributes(
            type: 1, excludeUser: true, excludeKernel: true, excludeHypervisor: true, excludeGuest: true,
            excludeHost: true, excludeIdle: true, precise: 2, pinned: true, exclusive: true)
        var flags = AttributeFlags(event)
        flags.formUnion([.disabled, .inherit, .enableOnExec])
        #expect(flags.precise == 2)
        let call = layout(KernelEventAttributes(event: event, flags: flags, readFormat: []))
        #expect(call.flags == flags.rawValue)
        // The mask numbers the bits as the kernel ABI does: on little-endian
        // machines it is the raw word after read_format.
        let word = KernelEventAttributes(event: event, flags: flags, readFormat: []).withKernelAttributes {
            UnsafeRawPointer($0).load(fromByteOffset: 40, as: UInt64.self)
        }
        #expect(word == flags.rawValue)
        #expect(word & (1 << 15 | 1 << 16) == 2 << 15)
    }

    /// Each flag, written into a real `perf_event_attr`, sets the C bit field of
    /// its name and no other, sits at the kernel ABI's bit, and reads back as itself;
    /// bit fields the mask does not name are neither written nor read.
    @Test func everyFlagRoundTripsThroughARealAttr() {
        // Closures, not key paths: a key path to an imported C bit field crashes Swift 6.3.1's
        // SIL linker ("cannot deserialize shared function").
        let fields: [(AttributeFlags, (perf_event_attr) -> UInt64)] = [
            (.disabled, { $0.disabled }), (.inherit, { $0.inherit }), (.pinned, { $0.pinned }),
            (.exclusive, { $0.exclusive }), (.excludeUser, { $0.exclude_user }),
            (.excludeKernel, { $0.exclude_kernel }), (.excludeHypervisor, { $0.exclude_hv }),
            (.excludeIdle, { $0.exclude_idle }), (.enableOnExec, { $0.enable_on_exec }),
            (.excludeHost, { $0.exclude_host }), (.excludeGuest, { $0.exclude_guest }),
            (.mmap, { $0.mmap }), (.comm, { $0.comm }), (.task, { $0.task }), (.watermark, { $0.watermark }),
            (.sampleIDAll, { $0.sample_id_all }), (.mmap2, { $0.mmap2 }), (.commExec, { $0.comm_exec }),
            (.writeBackward, { $0.write_backward }),
        ]
        func word(_ attr: perf_event_attr) -> UInt64 {
            withUnsafeBytes(of: attr) { $0.load(fromByteOffset: 40, as: UInt64.self) }
        }
        for (flag, _) in fields {
            var attr = perf_event_attr()
            flag.write(to: &attr)
            for (other, otherField) in fields {
                #expect(otherField(attr) == (other == flag ? 1 : 0), "\(flag.rawValue) → \(other.rawValue)")
            }
            #expect(attr.precise_ip == 0)
            #expect(word(attr) == flag.rawValue)
            #expect(AttributeFlags(bitFieldsOf: attr) == flag)
        }
        for precise in UInt8(0)...3 {
            var flags = AttributeFlags.disabled
            flags.precise = precise
            var attr = perf_event_attr()
            flags.write(to: &attr)
            #expect(attr.precise_ip == UInt64(precise))
            #expect(word(attr) == flags.rawValue)
            #expect(AttributeFlags(bitFieldsOf: attr) == flags)
        }
        var everything = AttributeFlags(fields.map(\.0))
        everything.precise = 3
        var attr = perf_event_attr()
        attr.inherit_stat = 1
        attr.context_switch = 1
        everything.write(to: &attr)
        #expect(AttributeFlags(bitFieldsOf: attr) == everything)
        #expect(attr.inherit_stat == 1 && attr.context_switch == 1)
        AttributeFlags().write(to: &attr)
        #expect(AttributeFlags(bitFieldsOf: attr) == [])
        #expect(attr.inherit_stat == 1 && attr.context_switch == 1)
    }

    @Test func eachFlagAlone() {
        let all: [AttributeFlags] = [.disabled, .inherit, .pinned, .exclusive, .excludeUser, .excludeKernel,
                                     .excludeHypervisor, .excludeIdle, .enableOnExec, .excludeHost, .excludeGuest]
        for flag in all {
            let call = layout(KernelEventAttributes(event: EventAttributes(type: 1), flags: flag, readFormat: []))
            #expect(call.flags == flag.rawValue)
        }
    }

    @Test func config3WidensTheAttributeWhenTheHeadersPredateIt() {
        let event = EventAttributes(type: 42, config3: 0xabc)
        let attributes = KernelEventAttributes(event: event, flags: [], readFormat: [])
        #expect(attributes.size == KernelEventAttributes.sizeWithConfig3)
        let (size, config3) = attributes.withKernelAttributes { attr in
            (attr.pointee.size, UnsafeRawPointer(attr).load(fromByteOffset: 128, as: UInt64.self))
        }
        #expect(size == 136)
        #expect(config3 == 0xabc)
        #expect(KernelEventAttributes(event: EventAttributes(type: 42), flags: [], readFormat: []).size == 128)
    }

    @Test func readFormatBufferSizes() {
        #expect(ReadFormat([]).bufferSize() == 8)
        #expect(ReadFormat.counting.bufferSize() == 32)
        #expect(ReadFormat.counting.union(.lost).bufferSize() == 40)
        #expect(ReadFormat.counting.union(.group).bufferSize(events: 3) == 8 * (3 + 3 * 2))
        #expect(ReadFormat([.group, .lost]).bufferSize(events: 2) == 8 * (1 + 2 * 2))
    }

    @Test func targetsBecomeSlotsCPUMajor() {
        #expect(CountingTarget.callingThread.slots == [CounterSlot(thread: 0, cpu: -1)])
        #expect(CountingTarget.cpus(CPUSet([0, 2])).slots == [CounterSlot(thread: -1, cpu: 0), CounterSlot(thread: -1, cpu: 2)])
        let both = CountingTarget.threads([10, 11], on: CPUSet([1, 3]))
        #expect(both.slots.map { [$0.cpu, $0.thread] } == [[1, 10], [1, 11], [3, 10], [3, 11]])
        let core = PMU(name: "cpu_atom", type: 10, kind: .core, cpus: CPUSet([4, 5]))
        #expect(CountingTarget.everyCPU(of: core, online: CPUSet(0..<8)).cpus == [4, 5])
        let software = PMU(name: "software", type: 1, kind: .software)
        #expect(CountingTarget.everyCPU(of: software, online: CPUSet(0..<2)).cpus == [0, 1])
        #expect(CountingTarget.everyCPU(of: software, online: CPUSet(0..<2)).isCPUWide)
        #expect(!CountingTarget.threads([5]).isCPUWide)
    }
}
