import KVM
import KVMGuestPrograms
import PerfEvents

/// When SET_PMU is too late, each cause on its own: this VCPU's PMU INIT (no run), a
/// run of another VCPU of the VM (this VCPU not initialised), and a filter set before
/// it for another PMU. Every refusal must be EBUSY, and the controls must be accepted.
extension Lab {
    func kvmFact(_ name: String, _ pmu: PMU, _ body: () throws(KVMError) -> Void) {
        do {
            try body()
            Out.fact("kvmerror", [("case", name), ("pmu", pmu.name), ("type", "\(pmu.type)"), ("result", "accepted")])
        } catch {
            Out.fact("kvmerror", [("case", name), ("pmu", pmu.name), ("type", "\(pmu.type)"), ("result", "refused"),
                                  ("reason", error.reason.token), ("errno", error.errno?.name ?? "")],
                     msg: error.description)
        }
    }

    /// A VM with `count` VCPUs initialised with PMUv3, nothing else set, made on `cpus`.
    func bareVM(vcpus count: Int, on cpus: CPUSet, program: GuestProgram) throws(KVMError) -> VirtualMachine {
        try? Affinity.set(cpus)
        let vm = try VirtualMachine()
        try vm.addMemory(guestAddress: ARM64Programs.memoryBase, size: ARM64Programs.memorySize)
        try vm.write(program.code, at: program.loadAddress)
        var initial = try vm.armPreferredTarget()
        initial.set(feature: ARM64VCPUInit.psci02Feature)
        initial.set(feature: ARM64VCPUInit.pmuV3Feature)
        for _ in 0..<count { try vm.createVCPU() }
        for vcpu in vm.vcpus {
            try vcpu.armInitialise(initial)
            try vcpu.setOneRegister(ARM64Register.pc, program.loadAddress)
            try vcpu.setOneRegister(ARM64Register.pstate, ARM64Register.el1hAllMasked)
        }
        return vm
    }

    func showSetPMUOrder(features: ARM64PMUFeatures) {
        let pmu = little
        let program = ARM64Programs.cycleCounterReports(count: 1)
        // 1. After INIT of the same VCPU, nothing run.
        kvmFact("set-pmu-after-init", pmu) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 1, on: cpus(of: pmu), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
            try vm.vcpus[0].setPMUAttribute(.initialise)
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
        }
        // 2. Control: VCPU 0 initialised, VCPU 1 not, no run: SET_PMU through VCPU 1 is taken.
        kvmFact("set-pmu-other-vcpu-before-run", pmu) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 2, on: cpus(of: pmu), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
            try vm.vcpus[0].setPMUAttribute(.initialise)
            try vm.vcpus[1].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
        }
        // 3. The same after VCPU 0 ran: the run alone makes SET_PMU through VCPU 1 EBUSY.
        kvmFact("set-pmu-other-vcpu-after-run", pmu) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 2, on: cpus(of: pmu), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
            try vm.vcpus[0].setPMUAttribute(.initialise)
            try? Affinity.set(cpus(of: pmu))
            let exit = try vm.vcpus[0].run(timeLimit: Lab.runLimit)
            Out.fact("set-pmu-run", [("case", "set-pmu-other-vcpu-after-run"), ("kind", exit.kind)])
            try vm.vcpus[1].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
        }
        // 4. A filter first (it fixes KVM's default PMU, the one of the CPU it is set on),
        //    then SET_PMU of the other PMU: EBUSY. ARM64PMUConfiguration never does this.
        kvmFact("set-pmu-after-filter-for-another-pmu", big) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 1, on: cpus(of: little), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.filter, bytes: PMUEventFilter.deny(0x08).bytes)
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: big.type))
        }
        // 5. SET_NR_COUNTERS (6.16+) after PMU INIT: EBUSY, like every PMU attribute then.
        kvmFact("nr-counters-after-init", pmu) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 1, on: cpus(of: pmu), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
            try vm.vcpus[0].setPMUAttribute(.initialise)
            try vm.vcpus[0].setPMUAttribute(.setCounterCount, value: 3)
        }
        // 6. More counters than the PMU has (the lab's have 6): EINVAL.
        kvmFact("nr-counters-above-the-pmus", pmu) { () throws(KVMError) in
            let vm = try bareVM(vcpus: 1, on: cpus(of: pmu), program: program)
            defer { vm.close() }
            try vm.vcpus[0].setPMUAttribute(.setPMU, value: Int32(bitPattern: pmu.type))
            try vm.vcpus[0].setPMUAttribute(.setCounterCount, value: 31)
        }
    }
}
