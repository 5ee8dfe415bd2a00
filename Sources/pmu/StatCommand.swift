import ArgumentParser
import CPerfEvents
import Glibc
import PerfEvents

/// `pmu stat`: count events over a command (or a running process), like `perf stat`.
struct StatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stat",
        abstract: "Count events while a command runs (or for a while in a running process).",
        discussion: """
            Counters are attached to the command before it execs and enabled at exec, as perf stat
            does; children are counted too. The report goes to standard error (as perf's does) and
            the command's exit status is passed through. --json prints one object on standard output.

            Examples:
              pmu stat -e syscalls:sys_enter_getppid -- ./program
              pmu stat -e msr/tsc/,task-clock,page-faults --json -- sleep 0.1
              pmu stat -e task-clock -p 1234 --duration 2
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customShort("e"), help: ArgumentHelp("Events to count (perf syntax; repeatable, comma lists, {groups}).", valueName: "EVENTS"))
    var events: [String] = []

    @Option(name: .customShort("x"), help: ArgumentHelp("Print perf-style CSV with this field separator.", valueName: "SEP"))
    var separator: String?

    @Option(name: .customShort("r"), help: ArgumentHelp("Run the command N times and report the mean.", valueName: "N"))
    var repeats = 1

    @Option(name: .customShort("p"), help: ArgumentHelp("Count this running process (all its threads) instead of a command.", valueName: "PID"))
    var pid: Int32?

    @Flag(name: .customShort("a"), help: "Count on every online CPU (system-wide), not only the command.")
    var allCPUs = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Count system-wide on these CPUs only, e.g. 0-3,8.", valueName: "CPUS"))
    var cpuList: String?

    @Option(name: .long, help: ArgumentHelp("With -p, -a or -C and no command: how long to count, in seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.")
    var command: [String] = []

    private var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    /// -a or -C: counters on CPUs rather than on the command's threads.
    private var isCPUWide: Bool { allCPUs || cpuList != nil }

    func validate() throws {
        if events.isEmpty { throw ValidationError("name the events to count with -e, e.g. -e task-clock,page-faults") }
        if repeats < 1 { throw ValidationError("-r takes a positive number of runs, not \(repeats)") }
        if let separator, separator.isEmpty { throw ValidationError("-x needs a separator character, e.g. -x,") }
        if allCPUs && cpuList != nil { throw ValidationError("-a counts every CPU and -C some: give one of them") }
        if let cpuList { _ = try requestedCPUs(cpuList) }
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
            throw ValidationError("name a command to run after --, e.g. pmu stat -e task-clock -- sleep 1, or use -p PID --duration S")
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

    func run() throws {
        let inventory = try options.inventory()
        let resolver = Resolver(pmus: inventory.pmus, tracefs: Tracefs(root: options.root))
        var groups: [ResolvedGroup] = []
        for text in events {
            do {
                groups += try resolver.resolve(text)
            } catch {
                throw CLIError(error.description)
            }
        }
        // Strings perf reads the same way but that may not mean what was meant (overlapping terms).
        for event in groups.flatMap(\.events) {
            for warning in event.warnings { printError("warning: \(event.displayName): \(warning)") }
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
        let plan = StatPlan(groups: groups, inventory: inventory, procRoot: "/proc")

        var totals: [StatResult] = []
        var runs: [[StatResult]] = []
        var exitStatus: Int32 = 0
        let started = cpe_monotonic_raw_ns()
        if isCPUWide {
            let cpus = try cpuList.map(requestedCPUs) ?? onlineCPUs()
            for _ in 0..<repeats {
                if commandLine.isEmpty {
                    runs.append(try plan.count(target: .cpus(cpus), waitingChild: nil) {
                        sleep(seconds: duration ?? 0)
                        return 0
                    })
                } else {
                    // Counting runs from just before the command's exec to its exit, on every CPU of the list.
                    let child = try spawnWaiting(commandLine)
                    var status: Int32 = 0
                    runs.append(try plan.count(target: .cpus(cpus), waitingChild: nil) {
                        status = try release(child)
                        return status
                    })
                    exitStatus = status
                }
            }
        } else if let pid {
            let tids = try threads(of: pid)
            runs.append(try plan.count(target: .threads(tids), waitingChild: nil) {
                sleep(seconds: duration ?? 0)
                return 0
            })
        } else {
            for _ in 0..<repeats {
                let child = try spawnWaiting(commandLine)
                var status: Int32 = 0
                runs.append(try plan.count(target: .threads([child.pid]), waitingChild: child) {
                    status = try release(child)
                    return status
                })
                exitStatus = status
            }
        }
        let elapsed = Double(cpe_monotonic_raw_ns() - started) / 1e9
        totals = StatResult.mean(of: runs)

        let report = StatReport(
            command: pid.map { "pid \($0)" }
                ?? (isCPUWide && commandLine.isEmpty ? "CPUs \(cpuList ?? "all")" : commandLine.joined(separator: " ")),
            exitStatus: pid == nil && !commandLine.isEmpty ? exitStatus : nil, runs: runs.count, elapsed: elapsed, results: totals)
        if options.json {
            try printJSON(report.json)
        } else if let separator {
            report.csv(separator: separator).forEach { printError($0) }
        } else {
            printError(report.text)
        }
        if exitStatus != 0 { throw ExitCode(exitStatus) }
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

/// Lets the child exec and waits for it: its exit status (128 + signal when killed).
func release(_ child: WaitingChild) throws -> Int32 {
    let failure = child.channel.withUnsafeBufferPointer { cpe_release_child($0.baseAddress) }
    var raw: Int32 = 0
    let waited = cpe_wait_child(child.pid, &raw)
    if failure != 0 {
        throw CLIError("cannot run '\(child.name)': \(Errno(rawValue: failure)); check the name and PATH")
    }
    if waited < 0 { throw CLIError("waiting for '\(child.name)': \(Errno(rawValue: -waited))") }
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
}

/// Sleeps for `seconds`, resuming after signals until the time has passed.
func sleep(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
