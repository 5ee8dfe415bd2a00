import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct CountingAffinityTests {
    let big = PMU(name: "armv8_cortex_a76", type: 10, kind: .core, cpus: CPUSet([4, 5, 6, 7]))

    @Test func threadsOutsideACorePMUAreReported() {
        #expect(Affinity.check(pmu: big, thread: 0, threadCPUs: CPUSet([0, 1])) ==
                .threadOutsidePMU(pmu: "armv8_cortex_a76", thread: 0, threadCPUs: CPUSet([0, 1]), pmuCPUs: CPUSet([4, 5, 6, 7])))
        #expect(Affinity.check(pmu: big, thread: 9, threadCPUs: CPUSet([3, 4])) ==
                .threadPartlyOutsidePMU(pmu: "armv8_cortex_a76", thread: 9, threadCPUs: CPUSet([3, 4]), pmuCPUs: CPUSet([4, 5, 6, 7])))
        #expect(Affinity.check(pmu: big, thread: 0, threadCPUs: CPUSet([5, 6])) == nil)
        // Uncore and software PMUs, and core PMUs without a CPU list, do not depend on the thread's CPUs.
        #expect(Affinity.check(pmu: PMU(name: "uncore_imc_0", type: 20, kind: .uncore, cpus: CPUSet([0])),
                               thread: 0, threadCPUs: CPUSet([1])) == nil)
        #expect(Affinity.check(pmu: PMU(name: "cpu", type: 4, kind: .core), thread: 0, threadCPUs: CPUSet([1])) == nil)
    }

    @Test func openWarnsFromTheMockedAffinity() throws {
        var system = mockKernel(openResult: { _ in 1000 })
        system.getAffinity = { tid in tid == 42 ? .success(CPUSet([0, 1]).mask) : .failure(.noSuchProcess) }
        let counter = try system.installed { () throws(CounterError) in try Counter(Event(label: "cycles", attributes: EventAttributes(type: 10), pmu: big),
                                  options: CounterOptions(target: .threads([42, 43]))) }
        #expect(counter.warnings.count == 1)
        #expect(counter.warnings.first?.description.contains("thread 42 may run only on CPUs 0-1") == true)
        let cpuWide = try system.installed { () throws(CounterError) in try Counter(Event(label: "cycles", attributes: EventAttributes(type: 10), pmu: big),
                                  options: CounterOptions(target: .cpus(CPUSet([3, 4])))) }
        #expect(cpuWide.warnings == [.cpusOutsidePMU(pmu: "armv8_cortex_a76", cpus: CPUSet([3]), pmuCPUs: CPUSet([4, 5, 6, 7]))])
    }

    @Test func pinningRunsTheBodyOnThePMUsCPUsAndRestores() throws {
        let set = Recorder<[[UInt64]]>([])
        var system = SystemMock()
        system.getAffinity = { _ in .success(CPUSet([0, 1, 2, 3, 4, 5, 6, 7]).mask) }
        system.setAffinity = { _, mask in set.update { $0.append(mask) }; return 0 }
        // Scoped: the PMU's CPUs while the body runs, the previous ones after.
        let inside = try system.installed { try Affinity.withCallingThread(on: big) { set.current } }
        #expect(inside == [CPUSet([4, 5, 6, 7]).mask])
        #expect(set.current == [CPUSet([4, 5, 6, 7]).mask, CPUSet(0..<8).mask])
        // A PMU on every CPU leaves the affinity alone.
        #expect(try system.installed { try Affinity.withCallingThread(on: PMU(name: "software", type: 1, kind: .software)) { 7 } } == 7)
        #expect(set.current.count == 2)
        #expect(throws: SystemError.self) { try system.installed { try Affinity.set(CPUSet([Int]())) } }
        system.setAffinity = { _, _ in -Errno.invalidArgument.rawValue }
        var ran = false
        #expect(throws: SystemError(call: "sched_setaffinity", subject: "CPUs 4-7", errno: .invalidArgument)) {
            try system.installed { try Affinity.withCallingThread(on: big) { ran = true } }
        }
        #expect(!ran)
    }

    @Test func realAffinityRoundTrips() throws {
        let current = try Affinity.current()
        #expect(!current.isEmpty)
        try Affinity.set(current)
        #expect(try Affinity.current() == current)
    }
}
