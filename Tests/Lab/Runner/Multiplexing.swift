import PerfEvents

/// Multiplexing for real, on the lab host: more events on one core PMU than it has
/// counters (the guest reports PMCR_EL0.N event counters, plus the cycle counter), each
/// its own counter, so the kernel rotates them: every one reads `multiplexed` with
/// time_running < time_enabled, and its scaled value estimates what it counts alone
/// over the same work.
extension Lab {
    /// Events opened at once: 4 × inst_retired + 4 × cpu_cycles = 8 hardware counters wanted.
    static let multiplexCopies = 4
    /// LCG steps of the work (a few instructions each).
    static let multiplexWork = 15_000_000

    func showMultiplexing() {
        let pmu = little
        do {
            try Affinity.set(cpus(of: pmu))
        } catch {
            Out.error("multiplex", msg: error.description)
            return
        }
        var texts: [String] = []
        for _ in 0..<Self.multiplexCopies {
            texts += [pmu.name + "/inst_retired/", pmu.name + "/cpu_cycles/"]
        }
        measure(texts, as: "multiplex")
        for text in [pmu.name + "/inst_retired/", pmu.name + "/cpu_cycles/"] {
            measure([text], as: "alone")
        }
    }

    /// Opens `texts` (each its own counter) on the calling thread, runs the work, prints each value.
    func measure(_ texts: [String], as name: String) {
        var events: [Event] = []
        for text in texts {
            guard let resolved = try? resolver.resolve(text), let event = resolved.first?.events.first else {
                Out.error(name, [("event", text)], msg: "does not resolve")
                return
            }
            events.append(event)
        }
        var options = CounterOptions(target: .callingThread)
        options.startDisabled = true
        let groups = events.map { ResolvedGroup(text: name, isGroup: false, events: [$0]) }
        let list = EventList(groups, options: options)
        var result: UInt64 = 0
        do {
            try list.enable()
            result = spin(Self.multiplexWork)
            try list.disable()
        } catch {
            Out.error(name, msg: error.description)
            return
        }
        for (index, reading) in list.read().enumerated() {
            var fields: [(String, String)] = [("index", "\(index)"), ("of", "\(texts.count)"), ("event", texts[index]),
                                              ("work", "\(Self.multiplexWork)")]
            fields += reading.value.fields
            fields.append(("scaled", reading.value.scaled.map { "\($0)" } ?? "-"))
            Out.fact(name, fields)
        }
        if result == 42 { Out.line("unreachable") }
    }

    /// `count` steps of a 64-bit LCG: work the optimiser cannot fold.
    @inline(never)
    func spin(_ count: Int) -> UInt64 {
        var x: UInt64 = UInt64(count)
        for _ in 0..<count { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        return x
    }
}
