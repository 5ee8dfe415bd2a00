import CPerfEvents
import PerfEvents

extension Lab {
    /// Sampling with each core PMU's own type (issue #16): `PMU/cpu_cycles/` sampled on a
    /// thread pinned to that PMU's CPUs gives samples on those CPUs; the other PMU's
    /// cycles sampled on the same thread never fire (the trap a generic event falls into).
    func showSampling() {
        for pmu in [little, big] {
            let other = pmu.name == little.name ? big : little
            guard pin(to: pmu, step: "sample") != nil else { continue }
            sample(pmu, threadOn: pmu)
            sample(other, threadOn: pmu)
        }
    }

    /// One `sample` fact: `target`'s cycles sampled every 100,000 on the calling thread.
    private func sample(_ target: PMU, threadOn pmu: PMU) {
        let fields: [(String, String)] = [("pmu", target.name), ("thread_on", pmu.name)]
        let resolved: Event
        do {
            guard let event = try resolver.resolve(target.name + "/cpu_cycles/").first?.events.first else {
                Out.error("sample", fields, msg: "\(target.name)/cpu_cycles/ resolved to no event")
                return
            }
            resolved = event
        } catch {
            Out.error("sample", fields, msg: error.description)
            return
        }
        var event = resolved
        event.attributes.sampling = .period(100_000)
        let sampler: Sampler
        do {
            sampler = try Sampler([event], options: SamplingOptions(sampleType: [.ip, .tid, .cpu, .period], dataPages: 8))
        } catch {
            Out.fact("sample", fields + [("result", "unavailable"), ("type", "\(resolved.attributes.type)")], msg: error.description)
            return
        }
        try? sampler.enable()
        var sum: UInt64 = 0
        let start = cpe_monotonic_ns()
        while cpe_monotonic_ns() - start < 300_000_000 {
            for index in 0..<10_000 { sum = sum &+ UInt64(index) ^ (sum >> 3) }
        }
        try? sampler.disable()
        var samples = 0
        var lost: UInt64 = 0
        var throttled = 0
        var cpus: [Int] = []
        var periods: Set<UInt64> = []
        let result = sampler.drain { record in
            switch record {
            case .sample(let sample):
                samples += 1
                if let cpu = sample.cpu, !cpus.contains(Int(cpu)) { cpus.append(Int(cpu)) }
                if let period = sample.period { periods.insert(period) }
            case .lost(let record): lost += record.count
            case .throttle: throttled += 1
            default: break
            }
        }
        Out.fact("sample", fields + [
            ("result", "ok"), ("type", "\(resolved.attributes.type)"), ("samples", "\(samples)"), ("lost", "\(lost)"),
            ("throttled", "\(throttled)"), ("cpus", Out.cpus(CPUSet(cpus))),
            ("periods", periods.sorted().map { "\($0)" }.joined(separator: ",")),
            ("undecodable", "\(result.undecodable)"), ("work", "\(sum & 1)"),
        ])
    }
}
