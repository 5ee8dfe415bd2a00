import KVM
import KVMGuestPrograms
import PerfEvents

/// The default-PMU trap of Linux 6.7+: without SET_PMU, KVM gives the VM the PMU of the
/// CPU that ran `KVM_ARM_VCPU_INIT`. A VMM that initialises its VCPU on a big CPU and only
/// then pins the VCPU thread to the LITTLE cluster (what QEMU and libvirt do) gets a guest
/// whose counters read zero there. The library's way, a ``VCPUThread`` created already
/// pinned that makes the VM and runs INIT itself, counts.
///
/// `default-pmu-init-on-big`: INIT on the big CPUs, run on LITTLE (the trap).
/// `default-pmu-init-on-vcpu-thread`: INIT and run on a VCPUThread pinned to LITTLE. With
/// LAB_BREAK_INIT_BEFORE_PIN=1 this case runs INIT on the big CPUs before its thread starts
/// (on purpose, to show check-lab catches it).
extension Lab {
    func showDefaultPMUTrap(features: ARM64PMUFeatures) {
        guard let littleBinding = try? PMUBinding.choose(from: pmus, wholeOf: little),
              let bigBinding = try? PMUBinding.choose(from: pmus, wholeOf: big) else { return }
        let program = ARM64EventCounterProgram(iterations: Self.guestIterations)
        var plan = configuration(for: littleBinding, features: features)
        plan.pmuType = nil  // no SET_PMU: KVM's default PMU
        let trap = "default-pmu-init-on-big"
        if let vm = makeGuestPMUVM(case: trap, binding: bigBinding, vcpus: 1, configuration: plan, program: program) {
            runGuestPMU(case: trap, vcpu: vm.vcpus[0], index: 0, binding: littleBinding, program: program)
            vm.close()
        }
        let library = "default-pmu-init-on-vcpu-thread"
        let broken = PMUDiscovery.processEnvironment("LAB_BREAK_INIT_BEFORE_PIN").map { !$0.isEmpty && $0 != "0" } ?? false
        let early = broken ? makeGuestPMUVM(case: library, binding: bigBinding, vcpus: 1, configuration: plan, program: program) : nil
        let handed = HandedOver(value: early)
        let lab = self
        do throws(KVMError) {
            let thread = try VCPUThread(binding: littleBinding) {
                let vm = handed.value
                    ?? lab.makeGuestPMUVM(case: library, binding: littleBinding, vcpus: 1, configuration: plan, program: program)
                guard let vm else { return }
                lab.runGuestPMU(case: library, vcpu: vm.vcpus[0], index: 0, binding: littleBinding, program: program, pinned: true)
                vm.close()
            }
            if !thread.join(within: Lab.runLimit + 5_000_000_000) {
                Out.error("default-pmu", [("case", library)], msg: "still running after the run limit")
            }
        } catch {
            Out.error("default-pmu", [("case", library)], msg: error.description)
        }
        Out.fact("default-pmu", [("broken_on_purpose", broken ? "1" : "0")])
    }
}
