import CPerfEvents

/// The one opener of counting and sampling events (libperf's `perf_evsel__open`):
/// opens one event on every slot of a target, falls back to the PMU's own type
/// when the kernel refuses an extended-type generic event, closes what it opened
/// when any slot fails, and turns the failure into a ``CounterError`` with advice.
struct DescriptorOpener {
    var options: CounterOptions
    var system: SystemCalls
    /// `sample_type` and the wakeup word, for a sampling event (see ``Sampler``).
    var sampleType: SampleType = []
    var wakeup: UInt32 = 0

    /// What was opened: the event (its fallback when the kernel refused the
    /// extended type), the descriptors, one per slot, the read format the kernel
    /// took, the attributes it got, and what the open found to warn about.
    struct Opened {
        var event: Event
        var descriptors: [Int32]
        var readFormat: ReadFormat
        var attributes: KernelEventAttributes
        var warnings: [CounterWarning]
    }

    /// Opens `event` on the target's slots; when the kernel refuses an
    /// extended-type generic event (`ENOENT`, `EINVAL`, `EOPNOTSUPP`: a PMU driver
    /// older than the extended type), opens ``Event/fallbackEvent`` instead, with
    /// the same flags, and says so in a warning.
    func open(
        _ event: Event, flags: AttributeFlags, readFormat: ReadFormat, leaders: [Int32]?
    ) throws(CounterError) -> Opened {
        do {
            return try openExactly(event, flags: flags, readFormat: readFormat, leaders: leaders)
        } catch {
            guard let fallback = event.fallbackEvent, event.usesExtendedType, let errno = error.errno,
                  errno == .noSuchFileOrDirectory || errno == .invalidArgument || errno == .notSupported
            else { throw error }
            var opened = try openExactly(fallback, flags: flags, readFormat: readFormat, leaders: leaders)
            opened.warnings.append(.extendedTypeRefused(
                pmu: event.pmu.name ?? "the core PMU", errno: errno, type: fallback.attributes.type,
                config: fallback.attributes.config))
            return opened
        }
    }

    /// Opens `event` as given. Group members pass their leader's descriptors
    /// (one per slot) and read format; a leader passes nil and asks for
    /// `PERF_FORMAT_LOST` when the options do, dropping it if the kernel says `EINVAL`.
    private func openExactly(
        _ event: Event, flags: AttributeFlags, readFormat requested: ReadFormat, leaders: [Int32]?
    ) throws(CounterError) -> Opened {
        let slots = options.target.slots
        guard !slots.isEmpty else {
            throw CounterError(operation: .open, errno: nil, label: event.label, attributes: event.attributes,
                               message: "the target names no thread or CPU to count on")
        }
        guard event.attributes.precise <= 3 else {
            throw CounterError(operation: .open, errno: .invalidArgument, label: event.label,
                               attributes: event.attributes,
                               message: "precise_ip is \(event.attributes.precise); it must be 0 to 3")
        }
        var format = requested
        var descriptors: [Int32] = []
        descriptors.reserveCapacity(slots.count)
        for (index, slot) in slots.enumerated() {
            let leader = leaders?[index] ?? -1
            var result = openOne(attributes(event, flags, format), slot: slot, leader: leader)
            if result == -Errno.invalidArgument.rawValue && index == 0 && format.contains(.lost) && leaders == nil {
                // PERF_FORMAT_LOST is Linux 6.0+; older kernels reject the unknown bit.
                format.remove(.lost)
                result = openOne(attributes(event, flags, format), slot: slot, leader: leader)
            }
            if result < 0 {
                for descriptor in descriptors { _ = system.close(descriptor) }
                throw failure(event, errno: Errno(rawValue: -result))
            }
            descriptors.append(result)
        }
        return Opened(event: event, descriptors: descriptors, readFormat: format,
                      attributes: attributes(event, flags, format), warnings: warnings(event))
    }

    /// Everything `perf_event_attr` gets for `event` with these flags and read format.
    private func attributes(_ event: Event, _ flags: AttributeFlags, _ format: ReadFormat) -> KernelEventAttributes {
        var attributes = KernelEventAttributes(event: event.attributes, flags: flags, readFormat: format)
        attributes.sampleType = sampleType
        attributes.wakeup = wakeup
        return attributes
    }

    private func openOne(_ attributes: KernelEventAttributes, slot: CounterSlot, leader: Int32) -> Int32 {
        let system = self.system
        return retryingInterrupts {
            attributes.withKernelAttributes { attr in
                system.perfEventOpen(attr, slot.thread, slot.cpu, leader, cpe_PERF_FLAG_FD_CLOEXEC)
            }
        }
    }

    /// The error for a refused open, reading `perf_event_paranoid` when it is about permission.
    func failure(_ event: Event, errno: Errno) -> CounterError {
        let path = joinPath(options.procRoot, "sys/kernel/perf_event_paranoid")
        var paranoid: Int?
        if errno == .permissionDenied || errno == .notPermitted {
            paranoid = try? Int(FileSystem().readAttribute(path))
        }
        let explanation = OpenFailureExplanation(
            errno: errno, attributes: event.attributes, target: options.target, paranoid: paranoid,
            paranoidPath: path, machineHasCorePMU: options.machineHasCorePMU)
        return CounterError(operation: .open, errno: errno, label: event.label, attributes: event.attributes,
                            paranoid: paranoid, message: explanation.message)
    }

    /// Warnings about the target and the event's PMU (see ``Affinity/check(pmu:thread:threadCPUs:)``).
    func warnings(_ event: Event) -> [CounterWarning] {
        guard let pmu = event.pmu.value, let pmuCPUs = pmu.cpus else { return [] }
        let target = options.target
        if target.isCPUWide {
            let outside = CPUSet(target.cpus.filter { $0 >= 0 && !pmuCPUs.contains(Int($0)) }.map { Int($0) })
            return outside.isEmpty ? [] : [.cpusOutsidePMU(pmu: pmu.name, cpus: outside, pmuCPUs: pmuCPUs)]
        }
        var warnings: [CounterWarning] = []
        for thread in target.threads {
            guard case .success(let mask) = system.getAffinity(thread) else { continue }
            if let warning = Affinity.check(pmu: pmu, thread: thread, threadCPUs: CPUSet(mask: mask)) {
                warnings.append(warning)
            }
        }
        return warnings
    }
}

extension DescriptorOpener {
    /// Applies a control ioctl (`PERF_EVENT_IOC_ENABLE`, `_DISABLE`, `_RESET`) to every
    /// descriptor, retrying `EINTR`: the one control loop of counters and samplers.
    /// Returns the first refusal's errno (the descriptors after it are left as they were), or nil.
    static func control(_ descriptors: [Int32], request: UInt64, argument: UInt64, system: SystemCalls) -> Errno? {
        // One closure taken out of SystemCalls: copying the whole struct would
        // retain and release every closure in it, on every call.
        let ioctl = system.ioctl
        for descriptor in descriptors {
            let result = retryingInterrupts { ioctl(descriptor, request, argument) }
            if result < 0 { return Errno(rawValue: -result) }
        }
        return nil
    }
}
