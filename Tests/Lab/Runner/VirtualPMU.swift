import KVM
import KVMGuestPrograms
import PerfEvents

/// The VMM side: one VM per core PMU, given that PMU with SET_PMU, its VCPU thread
/// pinned to the PMU's CPUs; then what goes wrong when the thread leaves them.
extension Lab {
    /// How many PMCCNTR_EL0 reports the guest makes.
    static let reports: UInt32 = 5

    /// A VM with the cycle-counter program in its memory, prepared for `pmuType` (nil:
    /// KVM's default). The calling thread is first moved to `createOn`, so that KVM's
    /// default PMU (the one of the CPU that initialises the VCPU) is the wrong one
    /// whenever SET_PMU is skipped.
    func makeVM(pmu: PMU, createOn: CPUSet, program: GuestProgram, step: String, defaultPMUIfUnpinnable: Bool = false) -> VirtualMachine? {
        do {
            try Affinity.set(createOn)
        } catch {
            Out.error(step, [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        let vm: VirtualMachine
        do {
            vm = try VirtualMachine()
        } catch {
            Out.error(step, [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        do {
            try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
            try vm.write(program.code, at: program.loadAddress)
            try vm.prepareARM64(entry: program.loadAddress, pmu: ARM64PMUConfiguration(
                pmuType: pmu.type, pmuName: pmu.name, pmuCPUs: pmu.cpus))
        } catch {
            if case .attributeUnsupported = error.reason, defaultPMUIfUnpinnable {
                // The step does not need the pinned PMU: KVM's default does.
                do {
                    try vm.prepareARM64(entry: program.loadAddress, pmu: ARM64PMUConfiguration())
                    Out.fact("vm", [("step", step), ("pmu", pmu.name), ("set_pmu", "unavailable"), ("prepared_on", Out.cpus(createOn))])
                    return vm
                } catch {
                    Out.error(step, [("pmu", pmu.name)], msg: error.description)
                    return nil
                }
            } else if case .attributeUnsupported = error.reason {
                // A kernel before 5.18: the library refuses up front (the migration scenario shows what follows).
                Out.fact("pin-refused", [("step", step), ("pmu", pmu.name), ("reason", error.reason.token)], msg: error.description)
            } else {
                Out.error(step, [("pmu", pmu.name)], msg: error.description)
            }
            return nil
        }
        Out.fact("vm", [("step", step), ("pmu", pmu.name), ("set_pmu", "\(pmu.type)"), ("prepared_on", Out.cpus(createOn))])
        return vm
    }

    /// Resolves `<pmu>/cpu_cycles/` and opens it on the calling thread.
    func hostCounter(on pmu: PMU) -> Counter? {
        let text = pmu.name + "/cpu_cycles/"
        let groups: [ResolvedGroup]
        do {
            groups = try resolver.resolve(text)
        } catch {
            Out.error("host-counter", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        guard let event = groups.first?.events.first else {
            Out.error("host-counter", [("pmu", pmu.name)], msg: text + " resolved to nothing")
            return nil
        }
        do {
            return try Counter(Event(label: text, attributes: event.attributes, pmu: pmu))
        } catch {
            Out.error("host-counter", [("pmu", pmu.name)], msg: error.description)
            return nil
        }
    }

    /// SET_PMU(pmu) + INIT, the VCPU thread pinned to the PMU's CPUs, a guest that
    /// reports its cycle counter; a host counter of this PMU and one of the other PMU
    /// on the same thread; then SET_PMU again after the run (EBUSY).
    func showVirtualMachine(pmu: PMU, other: PMU) {
        let program = ARM64Programs.cycleCounterReports(count: Self.reports)
        guard let vm = makeVM(pmu: pmu, createOn: cpus(of: other), program: program, step: "run") else { return }
        defer { vm.close() }
        guard let pinned = pin(to: pmu, step: "pin") else { return }
        Out.fact("vcpu", [("pmu", pmu.name), ("pinned", Out.cpus(pinned)), ("thread_cpus", Out.cpus(try? Affinity.current()))])
        guard let own = hostCounter(on: pmu), let foreign = hostCounter(on: other) else { return }
        do {
            try own.enable()
            try foreign.enable()
        } catch {
            Out.error("host-counter", [("pmu", pmu.name)], msg: error.description)
            return
        }
        runToEnd(vm.vcpus[0], pmu: pmu, limit: Int(Self.reports) + 20)
        do {
            try own.disable()
            try foreign.disable()
            let ownValue = try own.read()
            Out.fact("hostcount", [("pmu", pmu.name), ("event", own.label), ("type", "\(own.attributes.type)"),
                                   ("thread_cpus", Out.cpus(try? Affinity.current()))] + ownValue.fields,
                     msg: own.warnings.first?.description)
            let foreignValue = try foreign.read()
            Out.fact("othercount", [("pmu", pmu.name), ("other", other.name), ("event", foreign.label),
                                    ("type", "\(foreign.attributes.type)"),
                                    ("thread_cpus", Out.cpus(try? Affinity.current()))] + foreignValue.fields,
                     msg: foreign.warnings.first?.description)
        } catch {
            Out.error("host-counter", [("pmu", pmu.name)], msg: error.description)
        }
        do {
            try vm.setARMPMU(type: pmu.type)
            Out.fact("kvmerror", [("case", "set-pmu-after-init-and-run"), ("pmu", pmu.name), ("type", "\(pmu.type)"), ("result", "accepted")])
        } catch {
            Out.fact("kvmerror", [("case", "set-pmu-after-init-and-run"), ("pmu", pmu.name), ("type", "\(pmu.type)"),
                                  ("result", "refused"), ("reason", error.reason.token), ("errno", error.errno?.name ?? "")],
                     msg: error.description)
        }
    }

    /// Runs the VCPU until the guest powers off, printing each report.
    func runToEnd(_ vcpu: VCPU, pmu: PMU, limit: Int) {
        var reports = 0
        var interruptions = 0
        let deadline: RunDeadline
        do {
            deadline = try RunDeadline(nanoseconds: Lab.runLimit)
        } catch {
            Out.error("kvm-run", [("pmu", pmu.name)], msg: error.description)
            return
        }
        for _ in 0..<limit {
            let exit: VCPUExit
            do {
                exit = try vcpu.run(before: deadline)
            } catch {
                Out.error("kvm-run", [("pmu", pmu.name)], msg: error.description)
                return
            }
            switch exit {
            case .interrupted:
                interruptions += 1
                continue
            case .mmio(let access):
                reports += 1
                Out.fact("guest", [("pmu", pmu.name), ("report", "\(reports)"), ("pmccntr", "\(access.value)"),
                                   ("addr", Out.hex(access.address)), ("len", "\(access.length)"),
                                   ("cpus", Out.cpus(try? Affinity.current()))])
            case .systemEvent(let type, _):
                Out.fact("guest-exit", [("pmu", pmu.name), ("kind", exit.kind), ("type", "\(type)"),
                                        ("reports", "\(reports)"), ("interruptions", "\(interruptions)")])
                return
            case .failEntry(let failure):
                Out.fact("guest-exit", [("pmu", pmu.name), ("kind", exit.kind), ("reason", Out.hex(failure.hardwareReason)),
                                        ("cpu", "\(failure.cpu)"), ("reports", "\(reports)")],
                         msg: failure.explanation(pmuName: pmu.name, pmuCPUs: Out.cpus(pmu.cpus)))
                return
            default:
                Out.fact("guest-exit", [("pmu", pmu.name), ("kind", exit.kind), ("reports", "\(reports)")])
                return
            }
        }
        Out.error("kvm-run", [("pmu", pmu.name)], msg: "no SYSTEM_OFF after \(limit) exits")
    }

    /// The seed's failure: the VCPU thread moved to the other cluster before the next
    /// KVM_RUN fails to enter (FAIL_ENTRY, CPU_UNSUPPORTED, the CPU); moved back it runs on.
    func showFailedEntry(pmu: PMU, other: PMU) {
        let program = ARM64Programs.cycleCounterReports(count: 3)
        guard let vm = makeVM(pmu: pmu, createOn: cpus(of: pmu), program: program, step: "move") else { return }
        defer { vm.close() }
        let vcpu = vm.vcpus[0]
        let phases: [(String, PMU)] = [("home", pmu), ("moved", other), ("back", pmu)]
        for (phase, target) in phases {
            guard pin(to: target, step: "pin") != nil else { return }
            var exit: VCPUExit = .interrupted
            var tries = 0
            while case .interrupted = exit, tries < 20 {
                tries += 1
                do {
                    exit = try vcpu.run(timeLimit: Lab.runLimit)
                } catch {
                    Out.error("kvm-run", [("pmu", pmu.name), ("phase", phase)], msg: error.description)
                    return
                }
            }
            var fields: [(String, String)] = [("pmu", pmu.name), ("phase", phase), ("thread_cpus", Out.cpus(try? Affinity.current())),
                                              ("kind", exit.kind)]
            var msg: String?
            switch exit {
            case .failEntry(let failure):
                fields += [("reason", Out.hex(failure.hardwareReason)), ("cpu", "\(failure.cpu)"),
                           ("cpu_unsupported", failure.isCPUUnsupported() ? "1" : "0")]
                msg = failure.explanation(pmuName: pmu.name, pmuCPUs: Out.cpus(pmu.cpus))
            case .mmio(let access):
                fields += [("pmccntr", "\(access.value)")]
            default:
                break
            }
            Out.fact("entry", fields, msg: msg)
        }
    }

    /// SET_PMU with types that name no arm PMU: ENXIO, mapped to `.noSuchPMU`.
    func showUnknownType() {
        let unused = (pmus.map { $0.type }.max() ?? 0) + 1000
        var types: [(String, UInt32)] = [("unused", unused)]
        if let software = pmus.first(where: { $0.kind == .software }) { types.append(("software", software.type)) }
        for (label, type) in types {
            let vm: VirtualMachine
            do {
                vm = try VirtualMachine()
            } catch {
                Out.error("unknown-type", msg: error.description)
                return
            }
            defer { vm.close() }
            do {
                try vm.prepareARM64(entry: ARM64Programs.memoryBase, pmu: ARM64PMUConfiguration(pmuType: type))
                Out.fact("kvmerror", [("case", "unknown-type"), ("what", label), ("type", "\(type)"), ("result", "accepted")])
            } catch {
                Out.fact("kvmerror", [("case", "unknown-type"), ("what", label), ("type", "\(type)"), ("result", "refused"),
                                      ("reason", error.reason.token), ("errno", error.errno?.name ?? "")],
                         msg: error.description)
            }
        }
    }
}

extension KVMError.Reason {
    var token: String {
        switch self {
        case .unavailable: return "unavailable"
        case .permissionDenied: return "permissionDenied"
        case .apiVersionMismatch: return "apiVersionMismatch"
        case .createVMFailed: return "createVMFailed"
        case .virtualisationUnusable: return "virtualisationUnusable"
        case .notARM64KVM: return "notARM64KVM"
        case .notX86KVM: return "notX86KVM"
        case .pmuAlreadyFixed: return "pmuAlreadyFixed"
        case .attributeUnsupported: return "attributeUnsupported"
        case .vgicNotInitialised: return "vgicNotInitialised"
        case .invalidConfiguration: return "invalidConfiguration"
        case .runFailed: return "runFailed"
        case .noSuchPMU: return "noSuchPMU"
        case .noPMUv3: return "noPMUv3"
        case .badAddress: return "badAddress"
        case .closed: return "closed"
        case .invalidMemory: return "invalidMemory"
        case .malformedRun: return "malformedRun"
        case .callFailed: return "callFailed"
        }
    }
}
