import KVM
import KVMGuestPrograms
import PerfEvents

/// arm64 exits per cluster, timed in the guest (issue #24, deliverable 6): the cases of
/// kvm-unit-tests' arm micro-bench (hvc, an MMIO read to user space, a vGIC distributor
/// read, eoi), each in batches timed with the virtual counter, on a ``VCPUThread`` pinned
/// to each cluster in turn. Between two batch reports the VCPU thread reads the kvm
/// tracepoints it counts on itself, so each batch's exits are counted by the kernel too.
/// QEMU's timing is not a board's: the method and its checks are what this shows.
extension Lab {
    static let exitTracepoints = ["kvm:kvm_exit", "kvm:kvm_hvc_arm64", "kvm:kvm_mmio", "kvm:kvm_userspace_exit"]
    static let exitTiming = ARM64ExitTimingProgram(operations: 64, batches: 5)

    func showGuestTimedExits() {
        for pmu in [little, big] {
            guard let binding = try? PMUBinding.choose(from: pmus, wholeOf: pmu) else { continue }
            let lab = self
            do throws(KVMError) {
                let thread = try VCPUThread(binding: binding) { lab.timeExits(cluster: pmu) }
                if !thread.join(within: Lab.runLimit + 5_000_000_000) {
                    Out.error("guest-exit", [("cluster", pmu.name)], msg: "still running after the run limit")
                }
            } catch {
                Out.error("guest-exit", [("cluster", pmu.name)], msg: error.description)
            }
        }
    }

    /// The tracepoints opened on the calling thread (a field per tracepoint that opened).
    func exitCounters(cluster: PMU) -> [(String, Counter)] {
        var counters: [(String, Counter)] = []
        for name in Self.exitTracepoints {
            guard let event = (try? resolver.resolve(name))?.first?.events.first else {
                Out.fact("guest-exit-tracepoint", [("cluster", cluster.name), ("event", name), ("status", "unresolved")])
                continue
            }
            do {
                let counter = try Counter(event, options: CounterOptions(target: .callingThread))
                try counter.enable()
                counters.append((name, counter))
            } catch {
                Out.fact("guest-exit-tracepoint", [("cluster", cluster.name), ("event", name), ("status", "unavailable")],
                         msg: error.description)
            }
        }
        return counters
    }

    func timeExits(cluster: PMU) {
        let layout = Self.exitTiming
        let program = layout.program
        let vm: VirtualMachine
        do {
            vm = try VirtualMachine()
        } catch {
            Out.error("guest-exit", [("cluster", cluster.name)], msg: error.description)
            return
        }
        defer { vm.close() }
        let deadline: RunDeadline
        do {
            try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
            try vm.write(program.code, at: program.loadAddress)
            try vm.prepareARM64(entry: program.loadAddress, pmu: nil, vgic: layout.vgic)
            deadline = try RunDeadline(nanoseconds: Lab.runLimit)
        } catch {
            Out.error("guest-exit", [("cluster", cluster.name)], msg: error.description)
            return
        }
        let counters = exitCounters(cluster: cluster)
        func counts() -> [UInt64] { counters.map { (try? $0.1.read().raw) ?? 0 } }
        var previous = counts()
        var userReads = 0
        var batch: [ARM64ExitTimingProgram.Kind: Int] = [:]
        while true {
            let exit: VCPUExit
            do { exit = try vm.vcpus[0].run(before: deadline) } catch {
                Out.error("guest-exit", [("cluster", cluster.name)], msg: error.description)
                return
            }
            switch exit {
            case .interrupted:
                continue
            case .mmio(let access) where !access.isWrite && access.address == ARM64ExitTimingProgram.userReadAddress:
                userReads += 1
            case .mmio(let access) where access.isWrite && access.address == ARM64ExitTimingProgram.frequencyReportAddress:
                Out.fact("guest-exit-clock", [("cluster", cluster.name), ("cntfrq", "\(access.value)")])
                previous = counts()
            case .mmio(let access) where access.isWrite:
                guard let kind = ARM64ExitTimingProgram.kind(reportedAt: access.address) else {
                    Out.error("guest-exit", [("cluster", cluster.name)], msg: "report at " + Out.hex(access.address))
                    return
                }
                let now = counts()
                var fields: [(String, String)] = [
                    ("cluster", cluster.name), ("cpu", VCPUThread.currentCPU.map { "\($0)" } ?? "-"), ("kind", kind.token),
                    ("batch", "\(batch[kind, default: 0])"), ("operations", "\(layout.operations)"),
                    ("ticks", "\(access.value)"), ("user_reads", "\(userReads)"),
                ]
                for (index, (name, _)) in counters.enumerated() {
                    fields.append((String(name.dropFirst("kvm:".count)), "\(now[index] &- previous[index])"))
                }
                Out.fact("guest-exit", fields)
                batch[kind, default: 0] += 1
                previous = now
                userReads = 0
            case .systemEvent:
                return
            default:
                Out.error("guest-exit", [("cluster", cluster.name)], msg: "unexpected exit " + exit.kind)
                return
            }
        }
    }
}
