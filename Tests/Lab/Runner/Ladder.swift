import KVM
import KVMGuestPrograms
import PerfEvents

/// The PMU choice ladder on the lab's two clusters, with this kernel's KVM_HAS_DEVICE_ATTR
/// answers and its own header names: CPUs inside one cluster, one CPU of each, and all
/// CPUs. Where the answer for all CPUs sets SET_PMU (5.18+), that answer runs: a VCPU
/// thread on the answer's CPUs counts with the guest's event counters.
extension Lab {
    func showLadder(features: ARM64PMUFeatures) {
        let names = Self.attributeNames()
        let little = cpus(of: self.little), big = cpus(of: self.big)
        let sets: [(String, CPUSet)] = [
            ("little", little), ("big", big),
            ("across", CPUSet([little.min() ?? 0, big.min() ?? 0])), ("all", little.union(big)),
        ]
        var allAnswer: PMUChoice.Answer?
        for (tag, set) in sets {
            do {
                let answer = try PMUChoice.ladder(from: pmus, for: set, kernel: features, names: names)
                Out.fact("ladder", [("set", tag), ("cpus", Out.cpus(set)), ("rung", answer.rung.rawValue),
                                    ("pmu", answer.pmu?.name ?? "-"), ("vcpu_cpus", Out.cpus(answer.cpus)),
                                    ("settings", answer.settings.map { $0.description }.joined(separator: ","))],
                         msg: answer.reason)
                if tag == "all" { allAnswer = answer }
            } catch {
                Out.error("ladder", [("set", tag)], msg: error.description)
            }
        }
        guard let answer = allAnswer, let binding = answer.binding,
              answer.settings.contains(where: { $0.attribute == ARM64PMUAttribute.setPMU.rawValue }) else { return }
        let name = "ladder-all"
        let program = ARM64EventCounterProgram(iterations: Self.guestIterations)
        let plan = configuration(for: binding, features: features)
        let lab = self
        do throws(KVMError) {
            let thread = try VCPUThread(binding: binding) {
                guard let vm = lab.makeGuestPMUVM(case: name, binding: binding, vcpus: 1, configuration: plan, program: program)
                else { return }
                lab.runGuestPMU(case: name, vcpu: vm.vcpus[0], index: 0, binding: binding, program: program, pinned: true)
                vm.close()
            }
            if !thread.join(within: Lab.runLimit + 5_000_000_000) {
                Out.error("ladder", [("case", name)], msg: "still running after the run limit")
            }
        } catch {
            Out.error("ladder", [("case", name)], msg: error.description)
        }
    }
}
