import ArgumentParser
import CPerfEvents
import FoundationEssentials
import Glibc
import PerfEvents

/// `pmu stat`: count events over a command (or a running process), like `perf stat`.
struct StatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stat",
        abstract: "Count events while a command runs (or for a while in a running process or on CPUs).",
        discussion: """
            Without -e, counts perf's default set: task-clock (cpu-clock with -a or -C), context-switches, \
            cpu-migrations, page-faults, and cycles, instructions, branches and branch-misses on each core PMU \
            (labelled cpu_core/cycles/, armv8_cortex_a72/cycles/, ... on a big.LITTLE or hybrid machine). An \
            event the machine cannot count is shown as <not supported>, with the reason under the table.

            Counters are attached to the command before it execs and enabled at exec, as perf stat does; \
            children are counted too. The report goes to standard error, as perf's does, with perf's derived \
            values (CPUs utilized, GHz, insn per cycle, branch-miss percentage, rates per second) and the \
            elapsed, user and system times. -x SEP and -j print perf's CSV and JSON lines; --json prints one \
            object (one per interval with -I) on standard output. Ctrl-C (SIGINT) or SIGTERM stops counting, \
            passes the signal to the command and prints what was counted. The command's exit status is passed \
            through.

            --each-core-pmu runs the command once on each core PMU's CPUs (big and little cores; with -r the \
            repetitions are interleaved across PMUs) and prints them side by side with their ratio; Ctrl-C prints \
            the runs that finished.

            Examples:
              pmu stat -- ./program
              pmu stat -e syscalls:sys_enter_getppid -x, -- ./program
              pmu stat -I 1000 -a --duration 10
              pmu stat --each-core-pmu -r 5 -- ./program
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customShort("e"), help: ArgumentHelp(
        "Events to count, in perf's syntax (repeatable; comma lists and {groups}). Default: perf's default set.",
        valueName: "EVENTS"))
    var events: [String] = []

    @Option(name: .customShort("x"), help: ArgumentHelp("Print perf's CSV with this field separator.", valueName: "SEP"))
    var separator: String?

    @Flag(name: .customShort("j"), help: "Print perf's JSON lines (one object per event).")
    var perfJSON = false

    @Option(name: .customShort("r"), help: ArgumentHelp("Run the command N times and report the mean and its spread.", valueName: "N"))
    var repeats = 1

    @Option(name: .customShort("I"), help: ArgumentHelp("Print the counts of every interval of MS milliseconds (at least 10).", valueName: "MS"))
    var intervalMilliseconds: Int?

    @Option(name: .customShort("p"), help: ArgumentHelp("Count this running process (all its threads) instead of a command.", valueName: "PID"))
    var pid: Int32?

    @Flag(name: .customShort("a"), help: "Count on every online CPU (system-wide), not only the command.")
    var allCPUs = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Count system-wide on these CPUs only, such as 0-3,8.", valueName: "CPUS"))
    var cpuList: String?

    @Flag(name: .customShort("A"), help: "With -a or -C: print each CPU's count instead of the total.")
    var perCPU = false

    @Option(name: .long, help: ArgumentHelp("With -p, -a or -C and no command: how long to count, in seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Flag(name: .customLong("each-core-pmu"), help: ArgumentHelp(
        "Run the command once on each core PMU's CPUs (big and little cores) and compare them side by side."))
    var eachCorePMU = false

    @Option(name: .customLong("prometheus"), help: ArgumentHelp(
        "Also write the counts in Prometheus' text format to FILE (for node_exporter's textfile collector, name it "
            + "*.prom): cumulative counters per event and PMU, with the times enabled and running. With -I it is "
            + "rewritten after every interval (a temporary file in the same directory, renamed over it); else once at the end.",
        valueName: "FILE"))
    var prometheus: String?

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.")
    var command: [String] = []

    private var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    /// -a or -C: counters on CPUs rather than on the command's threads.
    private var isCPUWide: Bool { allCPUs || cpuList != nil }

    func validate() throws {
        if repeats < 1 { throw ValidationError("-r takes a positive number of runs, not \(repeats)") }
        if let separator, separator.isEmpty { throw ValidationError("-x needs a separator character, such as -x,") }
        let outputs = [separator != nil, perfJSON, options.json].filter { $0 }.count
        if outputs > 1 { throw ValidationError("-x, -j and --json each choose the output: give one of them") }
        if let intervalMilliseconds, intervalMilliseconds < 10 {
            throw ValidationError("-I \(intervalMilliseconds): the interval is in milliseconds and must be at least 10")
        }
        if intervalMilliseconds != nil && repeats != 1 { throw ValidationError("-I prints intervals of one run: leave out -r") }
        if allCPUs && cpuList != nil { throw ValidationError("-a counts every CPU and -C some: give one of them") }
        if perCPU && !isCPUWide { throw ValidationError("-A prints each CPU of -a or -C: add -a or -C LIST") }
        if let cpuList { _ = try requestedCPUs(cpuList) }
        if let prometheus {
            let slash = prometheus.lastIndex(of: "/")
            let directory = slash.map { String(prometheus[..<$0]) } ?? "."
            if prometheus.hasSuffix("/") || !FileSystem().isDirectory(directory.isEmpty ? "/" : directory) {
                throw ValidationError("--prometheus \(prometheus): name a file in an existing directory")
            }
        }
        if eachCorePMU {
            if prometheus != nil { throw ValidationError("--each-core-pmu compares runs side by side; --prometheus writes one run's counts: give one of them") }
            if isCPUWide || pid != nil || intervalMilliseconds != nil || separator != nil || perfJSON {
                throw ValidationError("--each-core-pmu runs a command on each core PMU's CPUs; of the other options it takes -r and --json only")
            }
            if !events.isEmpty { throw ValidationError("--each-core-pmu counts each core PMU's own cycles, instructions and branches: leave out -e") }
            if commandLine.isEmpty { throw ValidationError("--each-core-pmu needs a command after --, such as pmu stat --each-core-pmu -- ./program") }
            return
        }
        if isCPUWide {
            if pid != nil { throw ValidationError("-a/-C count CPUs and -p a process: give one of them") }
            if commandLine.isEmpty {
                guard let duration, duration > 0, duration.isFinite else {
                    throw ValidationError("-a/-C without a command need --duration SECONDS (a positive number)")
                }
                if repeats != 1 { throw ValidationError("-r repeats a command; give one to repeat") }
            } else if duration != nil {
                throw ValidationError("--duration applies without a command; with one, the command's run is the duration")
            }
        } else if pid != nil {
            if !commandLine.isEmpty { throw ValidationError("give either -p PID or a command, not both") }
            guard let duration, duration > 0, duration.isFinite else {
                throw ValidationError("-p needs --duration SECONDS (a positive number) to know when to stop")
            }
            if repeats != 1 { throw ValidationError("-r repeats a command; it does not apply to -p") }
        } else if commandLine.isEmpty {
            throw ValidationError("name a command to run after --, such as pmu stat -- sleep 1, or use -p PID --duration S")
        } else if duration != nil {
            throw ValidationError("--duration applies to -p PID, -a or -C only")
        }
    }

    /// The CPUs of `-C LIST`, checked against the online CPUs.
    private func requestedCPUs(_ list: String) throws -> CPUSet {
        let cpus: CPUSet
        do {
            cpus = try CPUSet(parsing: list)
        } catch {
            throw ValidationError("-C \(list): \(error.description)")
        }
        if cpus.isEmpty { throw ValidationError("-C \(list): names no CPU") }
        let online = onlineCPUs()
        let missing = cpus.cpus.filter { !online.contains($0) }
        if !missing.isEmpty {
            throw ValidationError("-C \(list): CPU \(CPUSet(missing)) is not online here (online: \(online))")
        }
        return cpus
    }

    /// /sys/devices/system/cpu/online (this machine's, whatever --sysfs-root says).
    private func onlineCPUs() -> CPUSet {
        let text = (try? FileSystem().readAttribute("/sys/devices/system/cpu/online")) ?? ""
        return (try? CPUSet(parsing: text)) ?? CPUSet(0..<Int(cpe_online_cpu_count()))
    }

    /// perf's default events, the clock first (cpu-clock when counting CPUs, as perf).
    static func defaultEvents(cpuWide: Bool) -> String {
        (cpuWide ? "cpu-clock" : "task-clock")
            + ",context-switches,cpu-migrations,page-faults,cycles,instructions,branches,branch-misses"
    }

    func run() throws {
        let inventory = try options.inventory()
        if eachCorePMU {
            try StatComparison(inventory: inventory, command: commandLine, repeats: repeats, json: options.json).run()
            return
        }
        let resolver = Resolver(pmus: inventory.pmus, tracefs: Tracefs(root: options.root))
        var groups: [ResolvedGroup] = []
        for text in events.isEmpty ? [Self.defaultEvents(cpuWide: isCPUWide)] : events {
            do {
                groups += try resolver.resolve(text)
            } catch {
                throw CLIError(error.description)
            }
        }
        // Strings perf reads the same way but that may not mean what was meant (overlapping terms).
        for event in groups.flatMap(\.events) {
            for warning in event.warnings { printError("warning: \(event.label): \(warning)") }
        }
        // Counting, like perf stat: the terms only sampling uses are refused, and a period=
        // term does not make the event sample.
        for event in groups.flatMap(\.events) {
            var terms = event.settings.samplingTerms
            if event.attributes.sampling?.isFrequency == true { terms.insert("freq", at: 0) }
            if let term = terms.first {
                throw CLIError(
                    "event '\(event.text)': '\(term)' is a sampling term, not usable when counting (perf stat refuses it"
                        + " too); drop it here, or sample with perf record")
            }
        }
        for group in groups.indices {
            for event in groups[group].events.indices { groups[group].events[event].attributes.sampling = nil }
        }
        let cpus = isCPUWide ? try cpuList.map(requestedCPUs) ?? onlineCPUs() : nil
        let plan = StatPlan(groups: groups, inventory: inventory, procRoot: "/proc",
                            perCPU: perCPU ? cpus?.cpus : nil)
        let threads = try pid.map(threads(of:))
        StopSignals.block()

        var format = PerfStatFormat(runs: repeats, thousands: separator == nil && !perfJSON ? localeThousandsSeparator() : "")
        let interval = intervalMilliseconds.map { UInt64($0) * 1_000_000 }
        var intervalCount = 0
        var runs: [[StatResult]] = []
        var elapsed: [Double] = []
        var exitStatus: Int32 = 0
        var outcome = StopSignals.Outcome()
        var prometheusFailure: Error? = nil
        var prometheusWarned = false
        // With -I: each event's intervals summed, as printed.
        var intervalTotals: [StatPrometheus.Total] = []
        for _ in 0..<repeats {
            let child = commandLine.isEmpty ? nil : try spawnWaiting(commandLine)
            let target: CountingTarget
            if let cpus {
                target = .cpus(cpus)
            } else if let threads {
                target = .threads(threads)
            } else {
                target = .threads([child?.pid ?? 0])
            }
            // On the command's own threads the counters start at its exec (enable_on_exec).
            let onExec = child != nil && cpus == nil
            let session = plan.open(target: target, enableOnExec: onExec)
            if !onExec { session.enable() }
            let started = cpe_monotonic_raw_ns()
            if let child { try release(child) }
            var previous: [StatResult]? = nil
            let deadline = duration.map { started + UInt64($0 * 1e9) }
            outcome = StopSignals.wait(child: child?.pid, until: deadline, interval: interval, start: started) { _ in
                guard let interval else { return }
                let now = session.read()
                let delta = previous.map { zip(now, $0).map { $0.since($1) } } ?? now
                previous = now
                format.interval = Double(cpe_monotonic_raw_ns() - started) / 1e9
                printInterval(StatRow.rows(runs: [delta], elapsedNanoseconds: Double(interval)), format: format, count: &intervalCount)
                // The file holds the counts since the start (Prometheus counters), not this interval's.
                if let prometheus, prometheusFailure == nil {
                    if intervalTotals.isEmpty { intervalTotals = delta.map(StatPrometheus.Total.init) }
                    for index in delta.indices { intervalTotals[index].add(delta[index]) }
                    do {
                        try StatPrometheus.write(StatPrometheus.exposition(intervalTotals, elapsedSeconds: format.interval ?? 0),
                                                 to: prometheus, warned: &prometheusWarned)
                    } catch {
                        prometheusFailure = error
                    }
                }
            }
            let ended = cpe_monotonic_raw_ns()
            session.disable()
            let results = session.read()
            if let interval {
                // The last, partial interval, as perf prints it when the command ends.
                let delta = previous.map { zip(results, $0).map { $0.since($1) } } ?? results
                format.interval = Double(ended - started) / 1e9
                printInterval(StatRow.rows(runs: [delta], elapsedNanoseconds: Double(interval)), format: format, count: &intervalCount)
                if intervalTotals.isEmpty { intervalTotals = delta.map(StatPrometheus.Total.init) }
                for index in delta.indices { intervalTotals[index].add(delta[index]) }
            }
            runs.append(results)
            elapsed.append(Double(ended - started) / 1e9)
            if let status = outcome.status { exitStatus = status }
            if outcome.signal != nil { break }
        }
        if let prometheusFailure { throw prometheusFailure }
        if let prometheus {
            // The sum of the runs (with -I: of every interval printed, the last partial one included).
            let totals = interval == nil ? StatPrometheus.totals(runs: runs) : intervalTotals
            try StatPrometheus.write(StatPrometheus.exposition(totals, elapsedSeconds: elapsed.reduce(0, +)),
                                     to: prometheus, warned: &prometheusWarned)
        }
        if interval != nil {
            if exitStatus != 0 { throw ExitCode(exitStatus) }
            return
        }
        format.interval = nil
        format.runs = runs.count
        let meanElapsed = elapsed.reduce(0, +) / Double(max(1, elapsed.count))
        let rows = StatRow.rows(runs: runs, elapsedNanoseconds: meanElapsed * 1e9)
        let title: String
        if let pid {
            title = "process id '\(pid)'"
        } else if isCPUWide {
            title = allCPUs ? "'system wide'" : "'CPU(s) \(cpuList ?? "")'"
        } else {
            title = "'" + commandLine.joined(separator: " ") + "'"
        }
        let report = StatReport(
            title: title,
            command: pid.map { "pid \($0)" }
                ?? (isCPUWide && commandLine.isEmpty ? "CPUs \(cpuList ?? "all")" : commandLine.joined(separator: " ")),
            exitStatus: pid == nil && !commandLine.isEmpty ? exitStatus : nil, runs: runs.count, elapsed: elapsed,
            userSeconds: outcome.userSeconds, systemSeconds: outcome.systemSeconds, rows: rows,
            interruptedBy: outcome.signal)
        if options.json {
            try printJSON(report.json)
        } else if let separator {
            printError(rows.map { format.csvLine($0, separator: separator) }.joined(separator: "\n"))
        } else if perfJSON {
            printError(rows.map { format.jsonLine($0) }.joined(separator: "\n"))
        } else {
            printError(report.text(format: format, showUserSystem: !isCPUWide && pid == nil && runs.count == 1))
        }
        if exitStatus != 0 { throw ExitCode(exitStatus) }
    }

    /// One interval's lines: text (with perf's header every 25 intervals), CSV, perf's JSON or ours.
    private func printInterval(_ rows: [StatRow], format: PerfStatFormat, count: inout Int) {
        if options.json {
            let object = StatReport.JSONInterval(interval_seconds: format.interval ?? 0,
                                                 events: StatReport.jsonEvents(rows, runs: 1))
            printJSONLine(object)
        } else if let separator {
            printError(rows.map { format.csvLine($0, separator: separator) }.joined(separator: "\n"))
        } else if perfJSON {
            printError(rows.map { format.jsonLine($0) }.joined(separator: "\n"))
        } else {
            var lines: [String] = []
            if count % 25 == 0 { lines.append(PerfStatFormat.intervalHeader(perCPU: perCPU)) }
            lines += rows.map { format.textLine($0) }
            printError(lines.joined(separator: "\n"))
        }
        count += 1
    }

    /// The thread ids of a live process, from /proc/PID/task.
    private func threads(of pid: Int32) throws -> [Int32] {
        let entries: [String]
        do {
            entries = try FileSystem().list("/proc/\(pid)/task").map(\.name)
        } catch {
            throw CLIError("-p \(pid): no such process (\(error.errno.name)); check the pid with ps")
        }
        let tids = entries.compactMap { Int32($0) }
        if tids.isEmpty { throw CLIError("-p \(pid): the process has no threads left") }
        return tids
    }
}

/// The thousands separator of the user's locale for numbers (`LC_NUMERIC`), as perf
/// groups digits with `%'`: none in the C locale.
func localeThousandsSeparator() -> String {
    guard setlocale(LC_NUMERIC, "") != nil, let conventions = localeconv(),
          let separator = conventions.pointee.thousands_sep else { return "" }
    let text = String(cString: separator)
    setlocale(LC_NUMERIC, "C")
    return text
}

/// One compact JSON object on a line of standard output.
func printJSONLine<Value: Encodable>(_ value: Value) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return }
    print(String(decoding: data, as: UTF8.self))
    fflush(nil)
}

/// A child created by `cpe_spawn_waiting`, stopped before its exec.
struct WaitingChild {
    var pid: Int32
    var channel: [Int32]
    var name: String
}

func spawnWaiting(_ arguments: [String]) throws -> WaitingChild {
    guard let name = arguments.first else { throw CLIError("no command given") }
    var cStrings = arguments.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    cStrings.append(nil)
    var channel: [Int32] = [-1, -1]
    let pid = cStrings.withUnsafeBufferPointer { argv in
        channel.withUnsafeMutableBufferPointer { cpe_spawn_waiting(name, argv.baseAddress, $0.baseAddress) }
    }
    if pid < 0 { throw CLIError("cannot start '\(name)': \(Errno(rawValue: -pid))") }
    return WaitingChild(pid: pid, channel: channel, name: name)
}

/// A shell's exit status from a raw wait status: the exit code, or 128 + the
/// signal that killed the process.
func shellExitStatus(_ raw: Int32) -> Int32 {
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
}

/// Lets the child exec (it has been waiting before its exec); fails when exec failed.
/// The caller then waits for it (``StopSignals/wait(child:until:interval:start:tick:)``).
func release(_ child: WaitingChild) throws {
    let failure = child.channel.withUnsafeBufferPointer { cpe_release_child($0.baseAddress) }
    if failure != 0 {
        var raw: Int32 = 0
        _ = cpe_wait_child(child.pid, &raw)
        throw CLIError("cannot run '\(child.name)': \(Errno(rawValue: failure)); check the name and PATH")
    }
}
