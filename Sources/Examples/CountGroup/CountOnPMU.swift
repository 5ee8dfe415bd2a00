import PerfEvents

// The README's embedding example ("Use it from your own tool"), compiled here;
// ReadmeExampleTests checks that the README shows this code as it is.

// README example begins
/// Counts cycles and instructions of `work` on one core PMU, with the thread on that PMU's CPUs.
func countOnPMU(named name: String, _ work: () -> Void) throws {
    let inventory = try PMUDiscovery().discover()          // /sys, or $PERF_EVENTS_SYSFS_ROOT
    let pmu = try inventory.pmu(named: name)                 // e.g. "armv8_cortex_a72", "cpu_atom"
    let resolver = Resolver(pmus: inventory.pmus)
    let events = [
        try resolver.event(.cycles, on: pmu),                  // typed: no event text, no PMU lookup by name
        try resolver.event(.instructions, on: pmu, modifiers: .userOnly),
    ]
    let group = try CounterGroup(events, options: CounterOptions(target: .callingThread))
    try Affinity.withCallingThread(on: pmu) {                // a core PMU counts only on its CPUs
        try? group.enable()
        work()
        try? group.disable()
    }
    for (event, value) in zip(group.events, try group.read()) {
        print(event.label, value.scaled.map(String.init) ?? "\(value.status)")   // never a bare zero
    }
}
// README example ends
