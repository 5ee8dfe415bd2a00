import KVM
import KVMGuestPrograms
import PerfEvents

/// The guest PMU driven fully: an in-kernel GICv3, the PMU interrupt (PPI 23) on each
/// VCPU, then INIT; a guest that programs event counters, takes the overflow interrupt
/// and reports; the host counting the same events on the VCPU thread (same PMU type,
/// exclude_host). Then the filter, SET_NR_COUNTERS, and two VCPUs on one cluster.
extension Lab {
    /// Loop iterations of the event-counter guest (2 instructions each).
    static let guestIterations: UInt32 = 100_000

    /// The VM configuration for `pmu` on this kernel: SET_PMU where the kernel has it.
    func configuration(for binding: PMUBinding, features: ARM64PMUFeatures, filters: [PMUEventFilter] = [],
                       counterCount: UInt32? = nil) -> ARM64PMUConfiguration {
        var configuration = ARM64PMUConfiguration(binding: binding, filters: filters, counterCount: counterCount,
                                                  interrupt: VGICv3.pmuInterrupt)
        if !features.canPinPMU { configuration.pmuType = nil }
        return configuration
    }

    /// A VM with `vcpus` VCPUs, the vGIC and `configuration`, the event-counter guest
    /// loaded; made on `binding`'s CPUs. nil (with a fact) when the library refused.
    func makeGuestPMUVM(case name: String, binding: PMUBinding, vcpus: Int, configuration: ARM64PMUConfiguration,
                        program: ARM64EventCounterProgram) -> VirtualMachine? {
        do throws(KVMError) {
            try binding.pinCallingThread()
            let vm = try VirtualMachine()
            do {
                try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
                let code = program.program
                try vm.write(code.code, at: code.loadAddress)
                try vm.prepareARM64(vcpuCount: vcpus, entry: code.loadAddress, pmu: configuration, vgic: program.vgic)
            } catch {
                vm.close()
                throw error
            }
            Out.fact("guestpmu-vm", [("case", name), ("pmu", binding.pmu.name), ("vcpus", "\(vcpus)"),
                                     ("set_pmu", configuration.pmuType.map { "\($0)" } ?? "none"),
                                     ("filters", "\(configuration.filters.count)"),
                                     ("irq", configuration.interrupt.map { "\($0)" } ?? "none"), ("result", "ok")])
            return vm
        } catch {
            Out.fact("guestpmu-vm", [("case", name), ("pmu", binding.pmu.name), ("vcpus", "\(vcpus)"), ("result", "refused"),
                                     ("reason", error.reason.token), ("errno", error.errno?.name ?? "")],
                     msg: error.description)
            return nil
        }
    }

    /// Runs VCPU `index` until its last report (the interrupts taken), counting
    /// instructions:G and cycles:G on `binding`'s PMU around it; prints every report
    /// and both host counts. The calling thread is pinned to the binding's CPUs first,
    /// unless it is a ``VCPUThread`` (`pinned`), which already runs on one of them.
    func runGuestPMU(case name: String, vcpu: VCPU, index: Int, binding: PMUBinding,
                     program: ARM64EventCounterProgram, pinned: Bool = false,
                     pinnedHostEvent: String = "instructions:G") {
        if !pinned, let problem = pin(binding) {
            Out.error("guestpmu", [("case", name)], msg: problem)
            return
        }
        let counts = openHostCounts(binding, pinning: pinnedHostEvent)
        for count in counts {
            do {
                try count.counter?.enable()
            } catch {
                Out.error("guestpmu", [("case", name)], msg: error.description)
            }
        }
        let interrupts = runReports(case: name, vcpu: vcpu, index: index, program: program)
        Out.fact("guest-interrupts", [("case", name), ("vcpu", "\(index)"), ("count", "\(interrupts.count)"),
                                      ("intids", interrupts.map { "\($0)" }.joined(separator: ","))])
        printHostCounts(counts, case: name, index: index)
    }

    /// One host count of the VCPU thread: the event, its counter or why there is none.
    struct HostCount {
        var label: String
        var text: String
        var counter: Counter?
        var problem: String?
    }

    /// instructions:G and cycles:G on the binding's PMU (its own sysfs aliases, so its own
    /// type), `exclude_host`, opened disabled on the calling thread. One of them
    /// (`pinning`, instructions:G unless said) is pinned, as KVM pins the events behind
    /// the guest's counters: in the lab the PMU has room for three such events at once
    /// (measured: with both host events pinned, the guest's INST_RETIRED event lost its
    /// counter and read 0), and an unpinned one is multiplexed against them, which time
    /// scaling cannot correct for a guest-only count. The other stays unpinned: counted
    /// when there is room, else reported as multiplexed; a second run pins it instead.
    func openHostCounts(_ binding: PMUBinding, pinning: String = "instructions:G") -> [HostCount] {
        var counts: [HostCount] = []
        for (label, alias) in [("instructions:G", "inst_retired"), ("cycles:G", "cpu_cycles")] {
            let text = binding.pmu.name + "/" + alias + "/G"
            guard let resolved = try? resolver.resolve(text), let event = resolved.first?.events.first else {
                counts.append(HostCount(label: label, text: text, counter: nil, problem: text + " does not resolve"))
                continue
            }
            var attributes = event.attributes
            attributes.pinned = label == pinning
            var options = CounterOptions(target: .callingThread)
            options.startDisabled = true
            do {
                let counter = try Counter(Event(label: text, attributes: attributes, pmu: binding.pmu), options: options)
                counts.append(HostCount(label: label, text: text, counter: counter, problem: nil))
            } catch {
                counts.append(HostCount(label: label, text: text, counter: nil, problem: error.description))
            }
        }
        return counts
    }

    /// Pins the thread to the binding's CPUs; the problem when that fails.
    func pin(_ binding: PMUBinding) -> String? {
        do {
            try binding.pinCallingThread()
        } catch {
            return error.description
        }
        return nil
    }

    /// Runs `vcpu` until its last report; returns the INTIDs its interrupt handler reported.
    func runReports(case name: String, vcpu: VCPU, index: Int, program: ARM64EventCounterProgram) -> [UInt64] {
        var interrupts: [UInt64] = []
        guard let deadline = try? RunDeadline(nanoseconds: Lab.runLimit) else {
            Out.error("guestpmu", [("case", name)], msg: "no deadline timer")
            return interrupts
        }
        for _ in 0..<64 {
            let exit: VCPUExit
            do {
                exit = try vcpu.run(before: deadline)
            } catch {
                Out.error("guestpmu", [("case", name), ("vcpu", "\(index)")], msg: error.description)
                return interrupts
            }
            if case .interrupted = exit { continue }
            guard case .mmio(let access) = exit else {
                Out.fact("guest-report", [("case", name), ("vcpu", "\(index)"), ("slot", "exit"), ("kind", exit.kind)])
                return interrupts
            }
            guard let taken = report(access, case: name, index: index, program: program) else { continue }
            interrupts += taken.interrupt
            if taken.finished { return interrupts }
        }
        return interrupts
    }

    /// Disables and reads the host counters, one fact each.
    func printHostCounts(_ counts: [HostCount], case name: String, index: Int) {
        for count in counts {
            var fields: [(String, String)] = [("case", name), ("vcpu", "\(index)"), ("event", count.label), ("string", count.text)]
            guard let counter = count.counter else {
                Out.fact("guest-hostcount", fields + [("status", "openFailed")], msg: count.problem)
                continue
            }
            let attributes = counter.attributes
            fields += [("type", "\(attributes.type)"), ("exclude_host", attributes.excludeHost ? "1" : "0"),
                       ("pinned", attributes.pinned ? "1" : "0")]
            do {
                try counter.disable()
                fields += try counter.read().fields
            } catch {
                Out.error("guestpmu", [("case", name)], msg: error.description)
                continue
            }
            Out.fact("guest-hostcount", fields, msg: counter.warnings.first?.description)
        }
    }

    /// One MMIO report of the event-counter guest: printed as a fact, or collected
    /// (an interrupt's INTID); `finished` after the last report.
    func report(_ access: MMIOAccess, case name: String, index: Int, program: ARM64EventCounterProgram)
        -> (interrupt: [UInt64], finished: Bool)?
    {
        guard let decoded = ARM64EventCounterProgram.slot(at: access.address) else {
            Out.error("guestpmu", [("case", name)], msg: "report at unknown address " + Out.hex(access.address))
            return nil
        }
        let slot = decoded.0
        if slot == .interrupt { return ([access.value], false) }
        var fields: [(String, String)] = [("case", name), ("vcpu", "\(index)"), ("slot", slot.token)]
        if slot == .counter0 {
            let counter = decoded.1
            let event = counter < program.events.count ? UInt64(program.events[counter]) : 0
            fields += [("counter", "\(counter)"), ("event", Out.hex(event)), ("raw", "\(access.value)")]
            Out.fact("guest-report", fields + [("value", "\(program.count(counter: counter, value: access.value))")])
            return ([], false)
        }
        Out.fact("guest-report", fields + [("value", "\(access.value)")])
        return ([], slot == .interruptsTaken || slot == .syncException)
    }

    /// vGIC + IRQ + event counters on each core PMU, guest counts against host counts:
    /// `counters-PMU` with the host's instructions:G pinned, `cycles-PMU` (a second VM)
    /// with its cycles:G pinned, so each guest counter is compared with a host count that
    /// ran the whole time.
    func showGuestPMU(features: ARM64PMUFeatures) {
        let program = ARM64EventCounterProgram(iterations: Self.guestIterations)
        for pmu in [little, big] {
            guard let binding = try? PMUBinding.choose(from: pmus, wholeOf: pmu) else { continue }
            for (prefix, pinned) in [("counters-", "instructions:G"), ("cycles-", "cycles:G")] {
                let name = prefix + pmu.name
                guard let vm = makeGuestPMUVM(case: name, binding: binding, vcpus: 1,
                                              configuration: configuration(for: binding, features: features), program: program)
                else { continue }
                runGuestPMU(case: name, vcpu: vm.vcpus[0], index: 0, binding: binding, program: program,
                            pinnedHostEvent: pinned)
                vm.close()
            }
        }
    }

    /// FILTER denying INST_RETIRED (0x08): the guest's instruction counters read zero, cycles count.
    /// SET_NR_COUNTERS 2: the guest's PMCR_EL0.N, or the refusal on kernels without it.
    func showFilterAndCounterCount(features: ARM64PMUFeatures) {
        let program = ARM64EventCounterProgram(iterations: Self.guestIterations)
        guard let binding = try? PMUBinding.choose(from: pmus, wholeOf: little) else { return }
        if let vm = makeGuestPMUVM(case: "filter", binding: binding, vcpus: 1,
                                   configuration: configuration(for: binding, features: features, filters: [.deny(0x08)]),
                                   program: program) {
            runGuestPMU(case: "filter", vcpu: vm.vcpus[0], index: 0, binding: binding, program: program)
            vm.close()
        }
        // Three event counters: SET_NR_COUNTERS where KVM offers it, else PMCR_EL0.N (the library says which).
        let limited = configuration(for: binding, features: features, counterCount: 3)
        let writable = (try? VirtualMachine()).map { vm in
            defer { vm.close() }
            return (try? vm.userspaceSetsPMCRCounterCount()) ?? false
        } ?? false
        Out.fact("nr-counters", [("count", "3"), ("pmcr_n_writable", writable ? "yes" : "no"),
                                 ("route", limited.counterCountRoute(features: features, pmcrWritable: writable)?.rawValue ?? "-")])
        if let vm = makeGuestPMUVM(case: "nr-counters", binding: binding, vcpus: 1, configuration: limited,
                                   program: program) {
            runGuestPMU(case: "nr-counters", vcpu: vm.vcpus[0], index: 0, binding: binding, program: program)
            vm.close()
        }
    }

    /// Two VCPUs on the LITTLE cluster: SET_PMU once, each VCPU on its own ``VCPUThread``
    /// pinned to its own LITTLE CPU, both running at once (a VMM's layout), each thread
    /// counting its own VCPU on the host. Then VCPUs asked for on both clusters: refused
    /// before any VM exists.
    func showTwoVCPUs(features: ARM64PMUFeatures) {
        let littleCPUs = Array(cpus(of: little))
        let bigCPUs = Array(cpus(of: big))
        guard littleCPUs.count >= 2, let firstBig = bigCPUs.first else { return }
        let binding: PMUBinding
        do {
            binding = try PMUBinding.choose(from: pmus, forVCPUs: [CPUSet([littleCPUs[0]]), CPUSet([littleCPUs[1]])])
        } catch {
            Out.error("two-vcpus", msg: error.description)
            return
        }
        let program = ARM64EventCounterProgram(iterations: Self.guestIterations)
        let plan = configuration(for: binding, features: features)
        if let vm = makeGuestPMUVM(case: "two-vcpus", binding: binding, vcpus: 2, configuration: plan, program: program) {
            // The plan's steps: SET_PMU is VM-wide (once, through the first VCPU); IRQ and INIT on each.
            let setPMUCalls = plan.steps.filter { $0.attribute == .setPMU }.count
            let initCalls = plan.steps.filter { $0.attribute == .initialise && $0.everyVCPU }.count * vm.vcpus.count
            Out.fact("two-vcpus", [("pmu", binding.pmu.name), ("cpus", Out.cpus(binding.cpus)),
                                   ("set_pmu_calls", "\(setPMUCalls)"), ("init_calls", "\(initCalls)")])
            runOnVCPUThreads(case: "two-vcpus", vm: vm, cpus: Array(littleCPUs.prefix(2)), binding: binding, program: program)
            vm.close()
        }
        do {
            let refused = try PMUBinding.choose(from: pmus, forVCPUs: [CPUSet([littleCPUs[0]]), CPUSet([firstBig])])
            Out.fact("two-vcpus-straddle", [("result", "accepted"), ("pmu", refused.pmu.name)])
        } catch {
            Out.fact("two-vcpus-straddle", [("result", "refused"), ("reason", error.reason.token),
                                            ("cpus", "\(littleCPUs[0]),\(firstBig)")], msg: error.description)
        }
    }
}

/// A value handed to exactly one other thread (each VCPU is run by one VCPU thread only).
struct HandedOver<Value>: @unchecked Sendable {
    let value: Value
}

extension Lab {
    /// VCPU `i` of `vm` on a ``VCPUThread`` pinned to `cpus[i]`, all at once; waits for
    /// every thread (within the run limit). Each thread says where it started and ended.
    func runOnVCPUThreads(case name: String, vm: VirtualMachine, cpus: [Int], binding: PMUBinding,
                          program: ARM64EventCounterProgram) {
        var threads: [VCPUThread] = []
        for (index, cpu) in cpus.enumerated() where index < vm.vcpus.count {
            let vcpu = HandedOver(value: vm.vcpus[index])
            let lab = self
            do {
                threads.append(try VCPUThread(binding: binding, cpus: CPUSet([cpu])) {
                    let started = VCPUThread.currentCPU
                    lab.runGuestPMU(case: name, vcpu: vcpu.value, index: index, binding: binding, program: program,
                                    pinned: true)
                    Out.fact("vcpu-thread", [("case", name), ("vcpu", "\(index)"), ("pinned", "\(cpu)"),
                                             ("started_on", started.map { "\($0)" } ?? "-"),
                                             ("ended_on", VCPUThread.currentCPU.map { "\($0)" } ?? "-")])
                })
            } catch {
                Out.error("vcpu-thread", [("case", name), ("vcpu", "\(index)")], msg: error.description)
            }
        }
        for (index, thread) in threads.enumerated() where !thread.join(within: Lab.runLimit + 5_000_000_000) {
            Out.error("vcpu-thread", [("case", name), ("vcpu", "\(index)")], msg: "still running after the run limit")
        }
    }
}

extension ARM64EventCounterProgram.Slot {
    var token: String {
        switch self {
        case .interrupt: return "interrupt"
        case .interruptsTaken: return "interrupts_taken"
        case .cycleCounter: return "pmccntr"
        case .control: return "pmcr"
        case .vcpu: return "vcpu_index"
        case .syncException: return "sync_exception"
        case .enabledCounters: return "enabled_counters"
        case .counter0: return "counter"
        }
    }
}
