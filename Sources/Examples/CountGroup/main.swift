// An example of PerfEvents used from another tool: resolve events on a named
// PMU, open them as one group on the calling thread, run some work, and print
// each value scaled (or why it was not counted).
//
//   swift run count-group-example                     # software PMU, this machine
//   swift run count-group-example armv8_cortex_a72 cpu_cycles inst_retired
//
// Arguments: PMU EVENT... (events are that PMU's aliases or generic names).
//   swift run count-group-example --cycles armv8_cortex_a72   # CountOnPMU.swift, the README's example
import Glibc
import PerfEvents

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--cycles" {
    do {
        try countOnPMU(named: arguments.count > 1 ? arguments[1] : "cpu") {
            var pages: [[UInt8]] = []
            for index in 0..<256 { pages.append([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 4096)) }
            _ = pages.count
        }
        exit(0)
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
let pmuName = arguments.first ?? "software"
let eventNames = arguments.count > 1 ? Array(arguments.dropFirst()) : ["task-clock", "page-faults", "context-switches"]

// 1. Discover the PMUs (sysfs, or $PERF_EVENTS_SYSFS_ROOT) and pick the one named.
let inventory: PMUInventory
let pmu: PMU
do {
    inventory = try PMUDiscovery().discover()
    pmu = try inventory.pmu(named: pmuName)
} catch {
    print("error: \(error)")
    exit(2)
}

// 2. Every event on that PMU, asked for by value: the attr carries that PMU's own
//    type (never "the first PMU that accepts it"), and no text is parsed back.
let resolver = Resolver(pmus: inventory.pmus)
var events: [Event] = []
for name in eventNames {
    do {
        if let software = SoftwareEvent.allCases.first(where: { $0.names.contains(name) }) {
            events.append(.software(software))
        } else if let hardware = HardwareEvent.allCases.first(where: { $0.names.contains(name) }) {
            events.append(try resolver.event(hardware, on: pmu))
        } else {
            events.append(try resolver.event(alias: name, on: pmu))
        }
    } catch {
        print("error: \(error)")
        exit(2)
    }
}

// 3. Open the group (leader first) and count some work with this thread on the
//    PMU's CPUs (a core PMU counts nothing elsewhere); the thread moves back after.
var options = CounterOptions(target: .callingThread)
options.machineHasCorePMU = inventory.hasCorePMU
let counted: Result<(CounterGroup, [CounterValue]), CounterError>
do {
    counted = try Affinity.withCallingThread(on: pmu) {
        do throws(CounterError) {
            let group = try CounterGroup(events, options: options)
            try group.enable()
            var pages: [[UInt8]] = []
            for index in 0..<256 { pages.append([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 4096)) }
            try group.disable()
            _ = pages.count
            return .success((group, try group.read()))
        } catch {
            return .failure(error)
        }
    }
} catch {
    print("error: cannot run on \(pmu.name)'s CPUs: \(error.description)")
    exit(1)
}

// 4. Every member's value, or why there is none: never a bare zero.
switch counted {
case .success(let (group, values)):
    for (event, value) in zip(group.events, values) {
        switch value.status {
        case .counted:
            print("\(event.label): \(value.raw)")
        case .multiplexed:
            print("\(event.label): \(value.scaled ?? 0) (scaled, ran \(value.runningPercent)% of the time)")
        case .notCounted:
            print("\(event.label): <not counted> (never scheduled)")
        case .notSupported(let reason):
            print("\(event.label): <not supported> \(reason)")
        }
    }
case .failure(let error):
    // The kernel refused the group: say which event and why.
    print("error: \(error.description)")
    exit(1)
}
