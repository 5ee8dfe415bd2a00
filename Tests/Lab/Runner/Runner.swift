import KVM
import PerfEvents

/// The lab runner: runs inside the emulated big.LITTLE guest (Tests/Lab/lab.sh) and
/// shows, with the library alone, what a PMU-aware VMM must do on a machine with two
/// core PMUs. Every observation is a `fact` line (see ``Out``); Tests/Lab/check-lab.py
/// judges them on the host.
@main
struct Runner {
    static func main() {
        Out.fact("runner", [("kernel", kernelRelease()), ("libpfm_force_pmu", PMUDiscovery.processEnvironment("LIBPFM_FORCE_PMU") ?? "")])
        guard let lab = Lab.discover() else {
            Out.line("done errors=\(Out.errors)")
            return
        }
        let features = lab.showFeatures()
        lab.showResolution()
        lab.showCounting()
        lab.showChoice()
        for pmu in [lab.little, lab.big] {
            let other = pmu.name == lab.little.name ? lab.big : lab.little
            lab.showVirtualMachine(pmu: pmu, other: other)
            lab.showFailedEntry(pmu: pmu, other: other)
        }
        lab.showMigration(features: features)
        lab.showSetPMUOrder(features: features)
        lab.showGuestPMU(features: features)
        lab.showFilterAndCounterCount(features: features)
        lab.showTwoVCPUs(features: features)
        lab.showDefaultPMUTrap(features: features)
        lab.showLadder(features: features)
        lab.showGuestTimedExits()  // GuestTimedExits.swift (issue #24, deliverable 6)
        lab.showMultiplexing()
        lab.showSampling()  // Sampling.swift (issue #16)
        lab.showUnknownType()
        lab.showDeadline()
        lab.showCorePMUComparison()
        lab.showUserSpaceReads()
        if PMUDiscovery.processEnvironment("LAB_BENCH").map({ !$0.isEmpty && $0 != "0" }) ?? false {
            Bench(lab: lab, plan: BenchPlan.fromEnvironment()).run()
        }
        Out.line("done errors=\(Out.errors)")
    }

    static func kernelRelease() -> String {
        (try? FileSystem().readAttribute("/proc/sys/kernel/osrelease")) ?? ""
    }
}

/// The guest machine as discovery saw it: its PMUs and the two core PMUs of the lab.
struct Lab {
    /// The deadline of every guest run (the emulated machine is slow, but a guest
    /// that should exit does so within milliseconds of its time).
    static let runLimit: UInt64 = 30_000_000_000

    var pmus: [PMU]
    /// The Cortex-A53 PMU (LITTLE) and the Cortex-A72 PMU (big).
    var little: PMU
    var big: PMU
    var resolver: Resolver
    let files = FileSystem()

    /// Discovery: every PMU with its type, kind and CPUs, plus the raw sysfs files the
    /// checker decodes on its own.
    static func discover() -> Lab? {
        let inventory: PMUInventory
        do {
            inventory = try PMUDiscovery(root: "/sys").discover()
        } catch {
            Out.error("discover", msg: error.description)
            return nil
        }
        let pmus = inventory.pmus.sorted { $0.name < $1.name }
        for pmu in pmus {
            Out.fact("pmu", [("name", pmu.name), ("type", "\(pmu.type)"), ("kind", pmu.kind.rawValue), ("cpus", Out.cpus(pmu.cpus))])
        }
        for problem in inventory.problems { Out.fact("sysfs-problem", [], msg: problem.description) }
        let files = FileSystem()
        let cores = inventory.corePMUs
        for pmu in cores.sorted(by: { $0.name < $1.name }) {
            for file in ["type", "cpus", "events/cpu_cycles", "events/inst_retired", "format/event", "format/rdpmc"] {
                let path = inventory.devicesPath + "/" + pmu.name + "/" + file
                do {
                    Out.fact("sysfs", [("pmu", pmu.name), ("file", file)], msg: try files.readAttribute(path))
                } catch {
                    Out.fact("sysfs", [("pmu", pmu.name), ("file", file), ("missing", "1")], msg: error.description)
                }
            }
        }
        guard let little = cores.first(where: { $0.name.hasSuffix("cortex_a53") }),
              let big = cores.first(where: { $0.name.hasSuffix("cortex_a72") }),
              little.cpus != nil, big.cpus != nil
        else {
            Out.error("discover", msg: "the lab needs core PMUs *cortex_a53 and *cortex_a72 with CPU lists; found "
                + cores.map { $0.name }.joined(separator: ", "))
            return nil
        }
        return Lab(pmus: pmus, little: little, big: big, resolver: Resolver(pmus: pmus))
    }

    /// The CPUs of a lab core PMU (discover() made sure they are listed).
    func cpus(of pmu: PMU) -> CPUSet { pmu.cpus ?? CPUSet([Int]()) }

    /// Pins the calling thread to every CPU of `pmu` through a PMUBinding (the
    /// placement rule's default) and returns those CPUs; nil, with an error fact
    /// for `step`, when the binding or the pinning fails.
    func pin(to pmu: PMU, step: String) -> CPUSet? {
        let binding: PMUBinding
        do {
            binding = try PMUBinding.choose(from: pmus, wholeOf: pmu)
        } catch {
            Out.error(step, [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        do {
            try binding.pinCallingThread()
        } catch {
            Out.error(step, [("pmu", pmu.name)], msg: error.description)
            return nil
        }
        return binding.cpus
    }

    /// Resolves `text`, printing one `resolve` fact per event; nil (and a fact) when it fails.
    @discardableResult
    func resolve(_ text: String) -> [Event]? {
        let groups: [ResolvedGroup]
        do {
            groups = try resolver.resolve(text)
        } catch {
            Out.fact("resolve", [("input", text), ("result", "error")], msg: error.description)
            return nil
        }
        let events = groups.flatMap { $0.events }
        for (index, event) in events.enumerated() {
            let a = event.attributes
            Out.fact("resolve", [
                ("input", text), ("result", "ok"), ("index", "\(index)"), ("of", "\(events.count)"),
                ("pmu", event.pmu.name ?? ""), ("type", "\(a.type)"), ("config", Out.hex(a.config)),
                ("config1", Out.hex(a.config1)), ("source", event.source.token), ("cpus", Out.cpus(event.cpus)),
            ], msg: event.note)
        }
        return events
    }

    /// Resolution: sysfs aliases to each PMU's type, a bare generic name to one event per
    /// core PMU (extended type), libpfm4's A53 names to the A53 PMU's sysfs type.
    func showResolution() {
        resolve(big.name + "/cpu_cycles/")
        resolve(little.name + "/inst_retired/")
        resolve("cycles")
    }

    /// Counting on a thread pinned to the A53 CPUs: libpfm4 names opened with the
    /// A53 PMU's type, and the bare `cycles` expanded to both PMUs.
    func showCounting() {
        do {
            try Affinity.set(cpus(of: little))
        } catch {
            Out.error("pin", [("cpus", Out.cpus(little.cpus))], msg: error.description)
            return
        }
        Out.fact("thread", [("cpus", Out.cpus(try? Affinity.current()))])
        for text in ["arm_ac53::INST_RETIRED", "arm_ac53::CPU_CYCLES", "cycles"] {
            guard let events = resolve(text) else { continue }
            count(events, as: "count", extra: [("input", text)])
        }
    }

    /// Opens `events` on the calling thread with the library's EventList (each on its
    /// own PMU), runs some work, prints each value or why it has none.
    func count(_ events: [Event], as name: String, extra: [(String, String)]) {
        var options = CounterOptions(target: .callingThread)
        options.startDisabled = true
        let list = EventList([ResolvedGroup(text: name, isGroup: false, events: events)], options: options)
        do {
            try list.enable()
            work()
            try list.disable()
        } catch {
            Out.error(name, extra, msg: error.description)
            return
        }
        let readings = list.read()
        for (entry, reading) in zip(list.entries, readings) {
            let event = reading.event
            switch entry.member {
            case .counter(let counter):
                // The type actually opened: the PMU's own when the kernel refused the extended type.
                var fallback = "0"
                for warning in counter.warnings {
                    if case .extendedTypeRefused = warning { fallback = "1" }
                }
                Out.fact(name, extra + [("pmu", event.pmu.name ?? ""), ("type", "\(counter.attributes.type)"),
                                        ("config", "0x" + String(counter.attributes.config, radix: 16)),
                                        ("own_type_fallback", fallback),
                                        ("thread_cpus", Out.cpus(try? Affinity.current()))] + reading.value.fields,
                         msg: counter.warnings.first?.description)
            case .unavailable(let reason):
                let message: String
                if case .refused(let error) = reason { message = error.description } else { message = reason.description }
                Out.fact(name, extra + [("pmu", event.pmu.name ?? ""), ("type", "\(event.attributes.type)"),
                                        ("status", "openFailed")], msg: message)
            case .group:
                Out.error(name, extra, msg: "opened as a group")
            }
        }
    }

    /// A little kernel and user work to count: affinity queries (system calls) and arithmetic.
    func work() {
        var sum = 0
        for round in 0..<200 {
            sum &+= (try? Affinity.current())?.count ?? round
        }
        if sum == -1 { Out.line("unreachable") }
    }

    /// PMU choice for the VCPU threads' CPUs: one PMU per cluster, a refusal across both.
    func showChoice() {
        let littleCPUs = Array(cpus(of: little))
        let bigCPUs = Array(cpus(of: big))
        var straddle: [Int] = []
        if let last = littleCPUs.last { straddle.append(last) }
        if let first = bigCPUs.first { straddle.append(first) }
        for set in [CPUSet(bigCPUs), CPUSet(littleCPUs), CPUSet(straddle)] {
            do {
                let pmu = try PMUChoice.choose(from: pmus, for: set)
                Out.fact("choice", [("cpus", Out.cpus(set)), ("result", "chosen"), ("pmu", pmu.name), ("type", "\(pmu.type)")])
            } catch {
                Out.fact("choice", [("cpus", Out.cpus(set)), ("result", "refused"), ("reason", error.reason.token)],
                         msg: error.description)
            }
        }
    }
}

extension PMUChoiceError.Reason {
    var token: String {
        switch self {
        case .noCorePMU: return "noCorePMU"
        case .emptyCPUSet: return "emptyCPUSet"
        case .straddles: return "straddles"
        case .uncovered: return "uncovered"
        case .ambiguous: return "ambiguous"
        case .unknownPMU: return "unknownPMU"
        case .requestedOutside: return "requestedOutside"
        }
    }
}
