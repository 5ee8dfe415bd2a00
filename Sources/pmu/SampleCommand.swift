import ArgumentParser
import CPerfEvents
import FoundationEssentials
import Glibc
import PerfEvents

/// `pmu sample`: sample events over a command through the perf ring buffer, like `perf record`
/// without the file: every record decoded, as text or JSON lines, and a summary per event and PMU.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample events while a command runs, and print every record decoded.",
        discussion: """
            Each event opens with its own PMU's type, one ring buffer per CPU the PMU covers, attached \
            to the command before it execs and enabled at exec; children are sampled too. A generic \
            event on a machine with several core PMUs samples once per core PMU, each labelled. \
            Records go to standard output (text, or one JSON object per line with --json); the summary \
            per event and PMU (samples, lost, throttled, top sampled addresses) goes to standard error, \
            or with --json to standard output as lines of "record": "summary". The command's exit \
            status is passed through.

            How often: an event's own period=N or freq=HZ term, else -c N or -F HZ, else every \
            tracepoint hit (period 1) and 4000 Hz for the others, as perf record does.

            Examples:
              pmu sample -e syscalls:sys_enter_getppid -- ./program
              pmu sample -e cpu-clock -F 999 --json -- sleep 0.1
              pmu sample -e '{syscalls:sys_enter_read,task-clock}' -- cat /etc/hostname
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customShort("e"), help: ArgumentHelp("Events to sample (perf syntax; repeatable, comma lists, {groups} sampled on the leader).", valueName: "EVENTS"))
    var events: [String] = []

    @Option(name: .customShort("c"), help: ArgumentHelp("Sample every N events (sample_period).", valueName: "N"))
    var period: UInt64?

    @Option(name: .customShort("F"), help: ArgumentHelp("Sample about HZ times a second (sample_freq).", valueName: "HZ"))
    var frequency: UInt64?

    @Option(name: .long, help: ArgumentHelp("Data pages of each ring buffer (a power of two).", valueName: "PAGES"))
    var pages = 64

    @Option(name: .long, help: ArgumentHelp("How many of the most sampled addresses the summary lists.", valueName: "N"))
    var top = 5

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.")
    var command: [String] = []

    private var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        if events.isEmpty { throw ValidationError("name the events to sample with -e, e.g. -e syscalls:sys_enter_getppid") }
        if period != nil && frequency != nil { throw ValidationError("-c N samples every N events and -F HZ at a rate: give one") }
        if period == 0 { throw ValidationError("-c takes a period of 1 or more events") }
        if frequency == 0 { throw ValidationError("-F takes a frequency of 1 or more samples a second") }
        if pages < 1 || pages & (pages - 1) != 0 { throw ValidationError("--pages takes a power of two (1, 2, 4, …), not \(pages)") }
        if top < 0 { throw ValidationError("--top takes 0 or more") }
        if commandLine.isEmpty { throw ValidationError("name a command to run after --, e.g. pmu sample -e cpu-clock -- sleep 1") }
    }

    func run() throws {
        let inventory = try options.inventory()
        let tracefs = Tracefs(root: options.root)
        let resolver = Resolver(pmus: inventory.pmus, tracefs: tracefs)
        var plans: [SamplePlan] = []
        for text in events {
            let groups: [ResolvedGroup]
            do {
                groups = try resolver.resolve(text)
            } catch {
                throw CLIError(error.description)
            }
            for group in groups {
                if group.isGroup && group.events.count > 1 {
                    plans.append(SamplePlan(events: group.events, tracefs: tracefs))
                } else {
                    plans += group.events.map { SamplePlan(events: [$0], tracefs: tracefs) }
                }
            }
        }
        let online = onlineCPUs()
        let child = try spawnWaiting(commandLine)
        var samplers: [(plan: SamplePlan, sampler: Sampler)] = []
        for plan in plans {
            do {
                samplers.append((plan, try plan.open(child: child.pid, online: online, pages: pages, interval: interval(for:),
                                                     machineHasCorePMU: inventory.hasCorePMU)))
            } catch {
                printError("\(plan.label) (\(plan.pmuName)): not sampled: \(error.description)")
            }
        }
        guard !samplers.isEmpty else {
            kill(child.pid, SIGKILL)
            var status: Int32 = 0
            _ = cpe_wait_child(child.pid, &status)
            throw CLIError("no event could be sampled")
        }
        let failure = child.channel.withUnsafeBufferPointer { cpe_release_child($0.baseAddress) }
        if failure != 0 {
            var status: Int32 = 0
            _ = cpe_wait_child(child.pid, &status)
            throw CLIError("cannot run '\(child.name)': \(Errno(rawValue: failure)); check the name and PATH")
        }
        var writer = RecordWriter(json: options.json)
        var summaries = samplers.map { SampleSummary(label: $0.plan.label, pmu: $0.plan.pmuName) }
        func drainAll() {
            for (index, entry) in samplers.enumerated() {
                let result = entry.sampler.drain { record in
                    summaries[index].add(record)
                    writer.write(record, plan: entry.plan)
                }
                summaries[index].undecodable += result.undecodable
                if let error = result.firstDecodingError { printError("\(entry.plan.label): \(error.description)") }
                for problem in result.framingProblems { printError("\(entry.plan.label): ring buffer: \(problem)") }
            }
            writer.flush()
        }
        var exitStatus: Int32 = 0
        while true {
            // Every wait has a limit: the first sampler's buffers for up to 100 ms, the others' ready now.
            for (index, entry) in samplers.enumerated() {
                _ = try? entry.sampler.wait(milliseconds: index == 0 ? 100 : 0)
            }
            drainAll()
            var raw: Int32 = 0
            let waited = waitpid(child.pid, &raw, WNOHANG)
            if waited == child.pid {
                exitStatus = shellExitStatus(raw)
                break
            }
            if waited < 0 && errno != EINTR { break }
        }
        for entry in samplers { try? entry.sampler.disable() }
        drainAll()
        for summary in summaries {
            if options.json { writer.writeSummary(summary, top: top) } else { printError(summary.text(top: top)) }
        }
        writer.flush()
        if exitStatus != 0 { throw ExitCode(exitStatus) }
    }

    /// The interval for `event`: its own term, else -c/-F, else perf record's defaults.
    func interval(for event: ResolvedEvent) -> SamplingInterval {
        if let own = event.attributes.sampling { return own }
        if let period { return .period(period) }
        if let frequency { return .frequency(frequency) }
        return event.attributes.type == LegacyType.tracepoint ? .period(1) : .frequency(4000)
    }

    /// /sys/devices/system/cpu/online (this machine's, whatever --sysfs-root says).
    private func onlineCPUs() -> CPUSet {
        let text = (try? FileSystem().readAttribute("/sys/devices/system/cpu/online")) ?? ""
        return (try? CPUSet(parsing: text)) ?? CPUSet(0..<Int(cpe_online_cpu_count()))
    }
}

/// One sampler to open: a single event, or a group sampled on its leader.
struct SamplePlan {
    var events: [ResolvedEvent]
    /// The tracepoint's field layout, when the leader is one (nil when tracefs has no format for it).
    var tracepoint: TracepointFormat?

    init(events: [ResolvedEvent], tracefs: Tracefs) {
        self.events = events
        if let leader = events.first, case .tracepoint = leader.source {
            let name = leader.displayName
            if let colon = name.firstIndex(of: ":") {
                tracepoint = try? TracepointFormat(subsystem: String(name[..<colon]), event: String(name[name.index(after: colon)...]),
                                                   tracefs: tracefs)
            }
        }
    }

    var label: String { events.map(\.displayName).joined(separator: ",") }
    var pmuName: String { events.first?.pmu.name ?? "legacy" }

    /// Opens the sampler on `child` (not yet exec'ed), per CPU of the leader's PMU.
    func open(child: Int32, online: CPUSet, pages: Int, interval: (ResolvedEvent) -> SamplingInterval,
              machineHasCorePMU: Bool) throws(SamplingError) -> Sampler {
        var counterEvents = events.map { CounterEvent($0) }
        let chosen = interval(events[0])
        counterEvents[0].attributes.sampling = chosen
        counterEvents[0].fallback?.sampling = chosen
        var cpus = online
        if let pmu = events[0].pmu.value, pmu.kind == .core, let pmuCPUs = pmu.cpus { cpus = online.intersection(pmuCPUs) }
        var sampleType: SampleType = [.identifier, .ip, .tid, .time, .id, .cpu, .period]
        if events[0].attributes.type == LegacyType.tracepoint { sampleType.insert(.raw) }
        if events[0].attributes.type == LegacyType.breakpoint { sampleType.insert(.addr) }
        // An inherited event needs a buffer per CPU: the kernel maps none for a task on any CPU.
        let options = SamplingOptions(
            target: .threads([child], on: cpus), sampleType: sampleType, wakeup: .bytes(UInt32(pages) * 1024),
            sampleIDAll: true, recordTasks: true, dataPages: pages, inherit: true, enableOnExec: true,
            machineHasCorePMU: machineHasCorePMU)
        return try Sampler(counterEvents, options: options)
    }
}

/// What one sampler's records added up to.
struct SampleSummary {
    var label: String
    var pmu: String
    var samples = 0
    var lost: UInt64 = 0
    var throttled = 0
    var unthrottled = 0
    var undecodable = 0
    var addresses: [UInt64: Int] = [:]

    mutating func add(_ record: Record) {
        switch record {
        case .sample(let sample):
            samples += 1
            if let ip = sample.ip { addresses[ip, default: 0] += 1 }
        case .lost(let lost): self.lost += lost.count
        case .throttle: throttled += 1
        case .unthrottle: unthrottled += 1
        default: break
        }
    }

    /// The most sampled addresses, most first (ties: lower address first).
    func topAddresses(_ count: Int) -> [(address: UInt64, samples: Int)] {
        addresses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map { ($0.key, $0.value) }
    }

    func text(top: Int) -> String {
        var lines = ["\(label) on \(pmu): \(samples) samples, \(lost) lost, \(throttled) throttled"
            + (undecodable > 0 ? ", \(undecodable) undecodable" : "")]
        for (address, count) in topAddresses(top) {
            let share = samples > 0 ? fixed(100 * Double(count) / Double(samples), digits: 1) : "0.0"
            lines.append("  \(hex(address))  \(count) samples (\(share)%)")
        }
        return lines.joined(separator: "\n")
    }
}
