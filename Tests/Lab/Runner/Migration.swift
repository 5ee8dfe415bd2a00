import KVM
import KVMGuestPrograms
import PerfEvents

/// The bug the seed commit fixed, shown on each kernel: a VM meant for the LITTLE PMU,
/// its VCPU thread moved to the big cluster mid-run and back, then moved again and
/// run through the recovery helper. With SET_PMU (5.18+) the moved entry fails
/// (FAIL_ENTRY, CPU_UNSUPPORTED); before it, the library refuses to pin and the guest
/// runs on — what its counters do there is measured and printed as it is.
extension Lab {
    /// Rounds of guest work the scenario may use (each round: two reports).
    static let migrationRounds: UInt32 = 8
    /// Loop iterations per round (2 instructions each).
    static let migrationWork: UInt32 = 20_000

    func showMigration(features: ARM64PMUFeatures) {
        let pmu = little
        let other = big
        let binding: PMUBinding
        do {
            binding = try PMUBinding.choose(from: pmus, wholeOf: pmu)
        } catch {
            Out.error("migration", msg: error.description)
            return
        }
        let program = ARM64Programs.workReports(rounds: Self.migrationRounds, work: Self.migrationWork)
        do {
            try Affinity.set(cpus(of: pmu))
        } catch {
            Out.error("migration", msg: error.description)
            return
        }
        let vm: VirtualMachine
        var pinned = true
        do {
            vm = try VirtualMachine()
            try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
            try vm.write(program.code, at: program.loadAddress)
        } catch {
            Out.error("migration", msg: error.description)
            return
        }
        defer { vm.close() }
        do {
            try vm.prepareARM64(entry: program.loadAddress, pmu: ARM64PMUConfiguration(binding: binding))
            Out.fact("migration", [("step", "set-pmu"), ("pmu", pmu.name), ("result", "pinned")])
        } catch {
            guard case .attributeUnsupported = error.reason else {
                Out.error("migration", [("step", "set-pmu")], msg: error.description)
                return
            }
            pinned = false
            Out.fact("migration", [("step", "set-pmu"), ("pmu", pmu.name), ("result", "refused"),
                                   ("reason", error.reason.token)], msg: error.description)
            do {
                // The VM as such a kernel gives it: KVM's default PMU, the VCPU initialised on the LITTLE CPUs.
                try vm.prepareARM64(entry: program.loadAddress, pmu: ARM64PMUConfiguration())
            } catch {
                Out.error("migration", [("step", "prepare-default")], msg: error.description)
                return
            }
        }
        var last: (cycles: UInt64, instructions: UInt64) = (0, 0)
        let phases: [(String, PMU, Bool)] = [("home", pmu, false), ("moved", other, false), ("back", pmu, false),
                                             ("moved-recovering", other, true)]
        let deadline: RunDeadline
        do {
            deadline = try RunDeadline(nanoseconds: Lab.runLimit)
        } catch {
            Out.error("migration", msg: error.description)
            return
        }
        for (phase, target, recovering) in phases {
            do {
                try Affinity.set(cpus(of: target))
            } catch {
                Out.error("migration", [("phase", phase)], msg: error.description)
                return
            }
            var reports: [UInt64] = []
            var fields: [(String, String)] = [("phase", phase), ("pinned", pinned ? "1" : "0"), ("target", target.name)]
            var message: String?
            var ended = false
            while reports.count < 2 {
                let exit: VCPUExit
                do {
                    if recovering {
                        let result = try vm.vcpus[0].runRecoveringPlacement(before: deadline, binding: binding)
                        if let failure = result.recovered, !fields.contains(where: { $0.0 == "recovered_cpu" }) {
                            fields.append(("recovered_cpu", "\(failure.cpu)"))
                        }
                        exit = result.exit
                    } else {
                        exit = try vm.vcpus[0].run(before: deadline)
                    }
                } catch {
                    Out.error("migration", [("phase", phase)], msg: error.description)
                    return
                }
                if case .mmio(let access) = exit {
                    reports.append(access.value)
                    continue
                }
                if case .interrupted = exit { continue }
                fields.append(("kind", exit.kind))
                if case .failEntry(let failure) = exit {
                    fields += [("reason", Out.hex(failure.hardwareReason)), ("cpu", "\(failure.cpu)"),
                               ("cpu_unsupported", failure.isCPUUnsupported() ? "1" : "0")]
                    message = failure.explanation(pmuName: pmu.name, pmuCPUs: Out.cpus(pmu.cpus))
                }
                ended = true
                break
            }
            fields.append(("thread_cpus", Out.cpus(try? Affinity.current())))
            if !ended, reports.count == 2 {
                let cycles = reports[0], instructions = reports[1]
                fields += [("kind", "mmio"), ("pmccntr", "\(cycles)"), ("inst_retired", "\(instructions)"),
                           ("cycles_delta", "\(cycles &- last.cycles)"), ("inst_delta", "\(instructions &- last.instructions)")]
                last = (cycles, instructions)
            }
            Out.fact("migration", [("step", "run")] + fields, msg: message)
        }
    }
}
