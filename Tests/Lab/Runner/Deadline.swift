import CPerfEvents
import KVM
import KVMGuestPrograms
import PerfEvents

extension Lab {
    /// A guest that never exits (`b .`) under deadlines of several lengths: each run
    /// must come back as `timed_out` within twice its limit (check-lab.py judges it).
    func showDeadline() {
        guard let vm = makeVM(pmu: little, createOn: cpus(of: little), program: ARM64Programs.spin(), step: "deadline",
                            defaultPMUIfUnpinnable: true) else {
            return
        }
        defer { vm.close() }
        guard pin(to: little, step: "deadline") != nil else { return }
        for limit: UInt64 in [100_000_000, 1_000_000_000] {
            let start = cpe_monotonic_ns()
            let exit: VCPUExit
            do {
                exit = try vm.vcpus[0].run(timeLimit: limit)
            } catch {
                Out.error("deadline", [("pmu", little.name), ("limit_ns", "\(limit)")], msg: error.description)
                return
            }
            let elapsed = cpe_monotonic_ns() &- start
            Out.fact("deadline", [("program", "b ."), ("limit_ns", "\(limit)"), ("elapsed_ns", "\(elapsed)"), ("kind", exit.kind)])
        }
    }
}
