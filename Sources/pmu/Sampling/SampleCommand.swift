import ArgumentParser
import CPerfEvents
import FoundationEssentials
import Glibc
import PerfEvents

/// `pmu sample`: sample events over a command through the perf ring buffer, like `perf record`:
/// every record decoded, as text or JSON lines, or written to a perf.data file, and a summary per
/// event and PMU that accounts for every sample the kernel made.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample events while a command runs; print every record decoded, or write perf.data.",
        discussion: """
            Each event opens with its own PMU's type, one ring buffer per CPU the PMU covers, attached \
            to the command before it execs and enabled at exec; children are sampled too. A generic \
            event on a machine with several core PMUs samples once per core PMU, each labelled. \
            Records go to standard output (text, or one JSON object per line with --json), or with \
            -o FILE to a perf.data file that perf script and perf report read. The command's exit \
            status is passed through.

            Nothing goes missing silently: a reader thread polls every buffer at once and copies the \
            records out before any is formatted, so formatting or a slow pipe shows as loss the kernel \
            counts. The summary per event and PMU (standard error; with --json a "record": "summary" \
            line) gives the samples received, those lost (the kernel's own count on Linux 6.0+, and \
            what its LOST records said), throttling, and, for a tracepoint or a software event sampled \
            by period (every occurrence a sample), the kernel's count from a counting event opened \
            alongside: "unaccounted: 0", or the gap named.

            How often: an event's own period=N or freq=HZ term, else -c N or -F HZ, else every \
            tracepoint hit (period 1) and 4000 Hz for the others, as perf record does. Buffer: -m as \
            perf record reads it (pages, or a size with B/K/M/G, rounded up to a power of two of \
            pages), by default kernel.perf_event_mlock_kb less a page (512 KiB); the reader is woken \
            when an eighth of it is written.

            Examples:
              pmu sample -e syscalls:sys_enter_getppid -- ./program
              pmu sample -e cpu-clock -F 999 --json -- sleep 0.1
              pmu sample -e syscalls:sys_enter_getppid -c 1 -o getppid.data -- ./program
              pmu sample -e '{syscalls:sys_enter_read,task-clock}' -m 1M -- cat /etc/hostname
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customShort("e"), help: ArgumentHelp("Events to sample (perf syntax; repeatable, comma lists, {groups} sampled on the leader).", valueName: "EVENTS"))
    var events: [String] = []

    @Option(name: .customShort("c"), help: ArgumentHelp("Sample every N events (sample_period).", valueName: "N"))
    var period: UInt64?

    @Option(name: .customShort("F"), help: ArgumentHelp("Sample about HZ times a second (sample_freq).", valueName: "HZ"))
    var frequency: UInt64?

    @Option(name: [.customShort("m"), .customLong("mmap-pages"), .customLong("pages")],
            help: ArgumentHelp("Ring buffer size per CPU: data pages, or a size with B/K/M/G (rounded up to a power of two of pages, as perf record does; default: kernel.perf_event_mlock_kb, 512 KiB).", valueName: "PAGES|SIZE"))
    var mmapPages: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Write the records to a perf.data file (perf script and perf report read it) instead of printing them.", valueName: "FILE"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("How many of the most sampled addresses the summary lists.", valueName: "N"))
    var top = 5

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.")
    var command: [String] = []

    private var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    /// Records held between the reader and the formatter before the reader lets the kernel count loss.
    static let queueLimit = 1 << 30
    /// Records held before the formatter starts on a burst that has not paused (64 MiB, about 750,000 samples).
    static let formatHighWater = 64 << 20

    func validate() throws {
        if events.isEmpty { throw ValidationError("name the events to sample with -e, e.g. -e syscalls:sys_enter_getppid") }
        if period != nil && frequency != nil { throw ValidationError("-c N samples every N events and -F HZ at a rate: give one") }
        if period == 0 { throw ValidationError("-c takes a period of 1 or more events") }
        if frequency == 0 { throw ValidationError("-F takes a frequency of 1 or more samples a second") }
        if let mmapPages {
            guard let size = BufferSize(parsing: mmapPages), size.pages(pageSize: Int(getpagesize())) != nil else {
                throw ValidationError("-m takes data pages (e.g. 128) or a size with B, K, M or G (e.g. 512K), not '\(mmapPages)'")
            }
        }
        if top < 0 { throw ValidationError("--top takes 0 or more") }
        if commandLine.isEmpty { throw ValidationError("name a command to run after --, e.g. pmu sample -e cpu-clock -- sleep 1") }
    }

    /// Data pages per buffer: -m rounded up to a power of two, else perf record's default.
    private func dataPages() -> Int {
        let pageSize = Int(getpagesize())
        if let mmapPages, let size = BufferSize(parsing: mmapPages), let (pages, rounded) = size.pages(pageSize: pageSize) {
            if rounded { printError("rounding the ring buffer up to \(pages) pages (\(pages * pageSize / 1024) KiB), a power of two") }
            return pages
        }
        let kilobytes = (try? FileSystem().readAttribute("/proc/sys/kernel/perf_event_mlock_kb")).flatMap { Int($0) }
        return BufferSize.defaultPages(mlockKilobytes: kilobytes, pageSize: pageSize)
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
        let pages = dataPages()
        var file = try output.map { path throws(CLIError) in try PerfDataFile(path: path) }
        let online = onlineCPUs()
        let child = try spawnWaiting(commandLine)
        var opened: [OpenedSampler] = []
        for plan in plans {
            do {
                let sampler = try plan.open(child: child.pid, online: online, pages: pages, interval: interval(for:),
                                            machineHasCorePMU: inventory.hasCorePMU)
                var entry = OpenedSampler(plan: plan, sampler: sampler, summary: SampleSummary(label: plan.label, pmu: plan.pmuName))
                if let reason = plan.whyNotEveryOccurrence(interval(for: plan.events[0])) {
                    entry.summary.uncheckedBecause = reason
                } else {
                    do {
                        entry.counter = try plan.openCounter(child: child.pid, online: online, machineHasCorePMU: inventory.hasCorePMU)
                    } catch {
                        entry.summary.uncheckedBecause = "the counting event alongside did not open: \(error.description)"
                    }
                }
                for warning in sampler.warnings { printError("\(plan.label): \(warning.description)") }
                opened.append(entry)
            } catch {
                printError("\(plan.label) (\(plan.pmuName)): not sampled: \(error.description)")
            }
        }
        guard !opened.isEmpty else {
            kill(child.pid, SIGKILL)
            var status: Int32 = 0
            _ = cpe_wait_child(child.pid, &status)
            throw CLIError("no event could be sampled")
        }
        // The reader empties the buffers on its own thread; this one decodes, formats and writes.
        let queue = RecordQueue(limit: Self.queueLimit)
        // Room for a burst, touched before the workload starts: 16 copies of a sampler's buffers.
        let spareCapacity = opened.map { $0.sampler.buffers.reduce(0) { $0 + $1.dataSize } }.max() ?? 0
        let spareCount = min(16, max(1, (32 << 20) / max(1, spareCapacity)))
        queue.prepareSpares(count: spareCount, capacity: spareCapacity)
        let collector = RecordCollector(samplers: opened.map(\.sampler), queue: queue, child: child.pid)
        // Ctrl-C and SIGTERM are the reader's to take (it passes them on): blocked here before it starts.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let reader: WorkerThread
        do {
            reader = try WorkerThread { collector.run() }
        } catch {
            kill(child.pid, SIGKILL)
            throw CLIError("cannot start the ring-buffer reader thread: \(Errno(rawValue: error.errno))")
        }
        // Only now the command may exec: the reader is there from its first record.
        let failure = child.channel.withUnsafeBufferPointer { cpe_release_child($0.baseAddress) }
        if failure != 0 {
            reader.join()  // the child exits; the reader reaps it and stops
            throw CLIError("cannot run '\(child.name)': \(Errno(rawValue: failure)); check the name and PATH")
        }
        // The formatter yields to the reader: on a busy machine a reader woken at the
        // watermark must run before the buffer fills, not after a formatting time slice.
        // (On Linux the nice value belongs to the thread: who 0 is this thread alone.)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        var writer = RecordWriter(json: options.json)
        while true {
            let (items, finished) = queue.take(quietMilliseconds: 50, highWater: Self.formatHighWater, waitingAtMost: 100)
            for item in items {
                switch item {
                case .batch(let batch):
                    let entry = opened[batch.sampler]
                    var summary = entry.summary
                    let decoder = entry.sampler.decoder
                    batch.bytes.withUnsafeBytes { bytes in
                        var offset = 0
                        while offset + 8 <= bytes.count {
                            let size = Int(bytes.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self))
                            guard size >= 8, offset + size <= bytes.count else {
                                let problem = FramingProblem.badRecordSize(size: size, remaining: bytes.count - offset)
                                printError("\(entry.plan.label): ring buffer: \(problem)")
                                summary.framingProblems += 1
                                break
                            }
                            let record = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)])
                            do throws(RecordDecodingError) {
                                let decoded = try decoder.decode(record)
                                summary.add(decoded)
                                if file == nil { writer.write(decoded, plan: entry.plan) }
                            } catch {
                                if summary.undecodable == 0 { printError("\(entry.plan.label): \(error.description)") }
                                summary.undecodable += 1
                            }
                            offset += size
                        }
                    }
                    opened[batch.sampler].summary = summary
                    file?.appendRecords(batch.bytes)
                    var used = batch.bytes
                    queue.recycle(&used)
                case .roundEnd:
                    file?.finishRound()
                case .problem(let index, let text):
                    opened[index].summary.framingProblems += 1
                    printError("\(opened[index].plan.label): ring buffer: \(text)")
                }
            }
            writer.flush()
            if finished { break }
        }
        reader.join()
        if collector.roundsWithoutRoom > 0 {
            printError("the formatter fell behind: \(collector.roundsWithoutRoom) times \(Self.queueLimit >> 20) MiB of records waited,"
                + " and the kernel counted what it could not write as lost (use -o FILE, or write to a faster place)")
        }

        // The kernel's side, read once the workload is gone: its lost count and the count alongside.
        for index in opened.indices {
            let entry = opened[index]
            do {
                opened[index].summary.lostByKernel = try entry.sampler.counts().lost
            } catch {
                printError("\(entry.plan.label): \(error.description)")
            }
            if let counter = entry.counter {
                do {
                    opened[index].summary.counted = try counter.read().raw
                } catch {
                    opened[index].summary.uncheckedBecause = "the counting event alongside could not be read: \(error.description)"
                }
            }
        }
        if var finishing = file {
            try writePerfData(&finishing, opened: opened, tracefs: tracefs, online: online)
            file = nil
        }
        for entry in opened {
            if options.json { writer.writeSummary(entry.summary, top: top) } else { printError(entry.summary.text(top: top)) }
        }
        writer.flush()
        guard let waitStatus = collector.waitStatus else {
            throw CLIError("lost track of the command (waitpid failed); its samples above are complete up to then")
        }
        let exitStatus = shellExitStatus(waitStatus)
        if exitStatus != 0 { throw ExitCode(exitStatus) }
    }

    /// The file's attributes (with their ids and names) and features, then the header.
    private func writePerfData(_ file: inout PerfDataFile, opened: [OpenedSampler], tracefs: Tracefs, online: CPUSet) throws {
        var fileAttributes: [PerfDataFile.Attribute] = []
        var tracepoints: [TracingData.Tracepoint] = []
        for entry in opened {
            let ids = try entry.sampler.identifiers()
            let leader = entry.sampler.kernelAttributes[0]
            var described = entry.sampler.kernelAttributes.enumerated().map { ($1, entry.plan.events[$0].label) }
            if let tracking = entry.sampler.trackingAttributes { described.append((tracking, "dummy:u")) }
            for (index, (kernelAttributes, name)) in described.enumerated() {
                var attributes = kernelAttributes
                // perf wants one record layout per file: members are described with the leader's.
                attributes.sampleType = leader.sampleType
                if leader.flags.contains(.sampleIDAll) { attributes.flags.insert(.sampleIDAll) }
                let size = attributes.event.config3 == 0 ? PerfDataFile.attributeSizeForOldReaders : attributes.size
                let bytes = attributes.withKernelAttributes { attr in
                    Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(attr), count: size))
                }
                fileAttributes.append(.init(bytes: bytes, ids: ids[index], name: name))
            }
            if let name = entry.plan.tracepointName { tracepoints.append(name) }
        }
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var features: [PerfDataFile.Feature: [UInt8]] = [
            .hostname: PerfDataFile.string(field(system.nodename)),
            .osRelease: PerfDataFile.string(field(system.release)),
            .version: PerfDataFile.string("pmu (swift-perf-events)"),
            .architecture: PerfDataFile.string(field(system.machine)),
            .cpuCount: PerfDataFile.cpuCount(available: presentCPUCount(), online: online.cpus.count),
            .commandLine: PerfDataFile.commandLine(CommandLine.arguments),
            .eventDescription: PerfDataFile.eventDescription(fileAttributes),
        ]
        if !tracepoints.isEmpty {
            features[.tracingData] = try TracingData(tracefs: tracefs).bytes(for: tracepoints, pageSize: Int(getpagesize()))
        }
        try file.finish(attributes: fileAttributes, features: features)
    }

    /// The interval for `event`: its own term, else -c/-F, else perf record's defaults.
    func interval(for event: Event) -> SamplingInterval {
        if let own = event.attributes.sampling { return own }
        if let period { return .period(period) }
        if let frequency { return .frequency(frequency) }
        return event.attributes.type == LegacyType.tracepoint ? .period(1) : .frequency(4000)
    }

    /// perf's nr_cpus_avail: one past the highest present CPU (/sys/devices/system/cpu/present),
    /// the online count when that cannot be read.
    private func presentCPUCount() -> Int {
        let text = (try? FileSystem().readAttribute("/sys/devices/system/cpu/present")) ?? ""
        guard let present = try? CPUSet(parsing: text), let last = present.cpus.last else { return Int(cpe_online_cpu_count()) }
        return last + 1
    }

    /// /sys/devices/system/cpu/online (this machine's, whatever --sysfs-root says).
    private func onlineCPUs() -> CPUSet {
        let text = (try? FileSystem().readAttribute("/sys/devices/system/cpu/online")) ?? ""
        return (try? CPUSet(parsing: text)) ?? CPUSet(0..<Int(cpe_online_cpu_count()))
    }
}
