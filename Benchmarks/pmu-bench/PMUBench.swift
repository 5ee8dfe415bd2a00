import ArgumentParser
import Foundation
import KVM
import PerfEvents
import PMUBenchCore
import PrometheusText

/// pmu-bench: counter-read and guest-exit latency per PMU, Swift next to a C
/// reference and the raw system call floor, measured in one interleaved run;
/// `pmu-bench compare` sets two reports side by side.
@main
struct PMUBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pmu-bench",
        abstract: "Counter-read and guest-exit latency per PMU: Swift vs a C reference vs the syscall floor.",
        subcommands: [Measure.self, Compare.self],
        defaultSubcommand: Measure.self)
}

/// `pmu-bench [run]`: the measurement.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure (the default): counter-read and guest-exit latency per PMU.",
        discussion: """
            Values are nanoseconds of CLOCK_MONOTONIC_RAW. Each operation is timed in alternating \
            blocks (swift, c, syscall-floor, swift, …) after a warm-up, so drift hits every \
            implementation alike, and the whole measurement is repeated with fresh counters and VMs \
            (--repetitions). Swift/C is the median of the paired per-block ratios, with a bootstrap \
            95% confidence interval across blocks and repetitions.
            """)

    @Option(name: .customLong("pmu"), help: "Measure only this PMU (repeatable); default: every PMU.")
    var pmus: [String] = []

    @Option(help: "Measure only one part: read, exits, sample-keepup (pmu sample next to perf record on a tracepoint workload) or peers (PAPI, perf's pmu-scan, perf stat).")
    var only: String?

    @Flag(help: "A short run (well under a minute): fewer samples.")
    var quick = false

    @Option(help: "Measured samples per implementation and operation.")
    var iterations: Int?

    @Option(help: "Samples per interleaved block.")
    var blockSize: Int?

    @Option(help: "Times every measurement is made afresh (new counters, new VM); the samples are split among them.")
    var repetitions: Int = 3

    @Option(help: "Read operations per timed sample (one clock pair around N reads; Swift and C alike): the timer's cost spread over N.")
    var batch: Int = 1

    @Option(help: "Write the report as JSON (schema pmu-bench/2: rows, ratios with intervals, block medians, histograms, run context) to this file.")
    var json: String?

    @Option(help: "Write the latency rows as CSV to this file.")
    var csv: String?

    @Option(help: "Write a self-contained SVG chart to this file.")
    var svg: String?

    @Option(help: ArgumentHelp(
        "Write the rows in Prometheus' text format to this file (latency summaries in seconds, ratios with their "
            + "95% intervals, labels host, kernel, commit, pmu, event, method, implementation), to push to a "
            + "Pushgateway (curl --data-binary @FILE) or for node_exporter's textfile collector.",
        valueName: "FILE"))
    var prometheus: String?

    @Flag(help: "Exit non-zero, one line per failure, when a Swift/C ratio is over --max-ratio with confidence (the lower end of its 95% interval is), an exit count disagrees with its tracepoint, a PMU row is silently empty, or something could not be measured for a reason that is not a host condition (a failed Swift or C loop, a setup error).")
    var check = false

    @Option(help: "The largest Swift/C ratio of a read row --check lets pass.")
    var maxRatio: Double = 1.05

    @Option(help: "The largest Swift/C ratio of a guest-exit row --check lets pass.")
    var maxExitRatio: Double = 1.10

    @Option(help: "An earlier --json report whose ratios this run must not regress (Mann-Whitney U test on the per-block ratios).")
    var baseline: String?

    @Option(help: "Allowed significant ratio regression against --baseline, in percent (default 5).")
    var maxRegression: Double?

    var scope: BenchScope? {
        only.flatMap { try? BenchScope.parse($0).get() }
    }

    var settings: (iterations: Int, blockSize: Int, warmup: Int) {
        let iterations = self.iterations ?? (quick ? 10_000 : 100_000)
        let blockSize = min(iterations, self.blockSize ?? (quick ? 500 : 1_000))
        let warmup = quick ? 500 : 2_000
        return (iterations, blockSize, warmup)
    }

    func validate() throws {
        if let only, case .failure(let error) = BenchScope.parse(only) {
            throw ValidationError(error.description)
        }
        if let iterations, iterations < 1 {
            throw ValidationError("--iterations \(iterations): must be at least 1")
        }
        guard maxRatio >= 1, maxRatio.isFinite else {
            throw ValidationError("--max-ratio \(maxRatio): a Swift/C ratio limit is a number of at least 1, such as 1.05")
        }
        guard maxExitRatio >= 1, maxExitRatio.isFinite else {
            throw ValidationError("--max-exit-ratio \(maxExitRatio): a Swift/C ratio limit is a number of at least 1, such as 1.10")
        }
        if let blockSize, blockSize < 1 {
            throw ValidationError("--block-size \(blockSize): must be at least 1")
        }
        guard batch >= 1, batch <= 10_000 else {
            throw ValidationError("--batch \(batch): must be between 1 and 10000 (1 times each read alone)")
        }
        guard repetitions >= 1, repetitions <= 100 else {
            throw ValidationError("--repetitions \(repetitions): must be between 1 and 100 (3 or more gives an interval across runs)")
        }
        if let maxRegression {
            guard baseline != nil else { throw ValidationError("--max-regression needs --baseline FILE") }
            guard maxRegression >= 0, maxRegression.isFinite else {
                throw ValidationError("--max-regression \(maxRegression): must be a percentage ≥ 0")
            }
        }
        for (option, path) in [("--json", json), ("--csv", csv), ("--svg", svg), ("--prometheus", prometheus)] {
            if let path, let problem = OutputFile.problem(writing: path, option: option) {
                throw ValidationError(problem)
            }
        }
        if let baseline {
            do { _ = try Baseline.load(baseline) } catch { throw ValidationError(error.description) }
        }
    }

    mutating func run() throws {
        let started = Date()
        let fileSystem = FileSystem()
        let inventory: PMUInventory
        do {
            inventory = try PMUDiscovery(fileSystem: fileSystem).discover()
        } catch {
            throw ValidationError("cannot list PMUs: \(error); is sysfs mounted?")
        }
        let allPMUs = inventory.pmus.sorted { $0.name < $1.name }
        // Exits go per core PMU; with none (a VM without a vPMU), once on all CPUs.
        let corePMUs = inventory.corePMUs
        var selectable = allPMUs.map(\.name)
        if corePMUs.isEmpty { selectable.append(ExitLatencyRow.allCPUs) }
        let selected: [String]
        switch selectPMUs(requested: pmus, available: selectable) {
        case .success(let names): selected = names
        case .failure(let error): throw ValidationError(error.description)
        }
        let readPMUs = scope == .exits || scope == .sampleKeepUp || scope == .peers ? [] : allPMUs.filter { selected.contains($0.name) }
        let threadCPUs = (try? Affinity.current()) ?? CPUSet([0])
        var exitCPUs: [CPUSet] = []
        if scope != .read && scope != .sampleKeepUp && scope != .peers {
            for pmu in corePMUs where selected.contains(pmu.name) {
                exitCPUs.append(pmu.cpus ?? threadCPUs)
            }
            if corePMUs.isEmpty && selected.contains(ExitLatencyRow.allCPUs) {
                exitCPUs.append(threadCPUs)
            }
        }
        // The keep-up rows trace syscalls:sys_enter_getppid: they go with the tracepoint PMU.
        let keepUp = (scope == nil || scope == .sampleKeepUp) && selected.contains("tracepoint")
        // The peers run with every run of the whole benchmark and with --only peers.
        let peers = scope == nil || scope == .peers
        if readPMUs.isEmpty && exitCPUs.isEmpty && !keepUp && !peers {
            throw ValidationError("nothing to measure: --pmu \(pmus.joined(separator: ",")) with --only \(only ?? "") selects no PMU")
        }
        let cpuinfo = (try? fileSystem.readText("/proc/cpuinfo")) ?? ""

        let settings = self.settings
        let progress = Progress()
        // Repetitions are the outer loop: repetition 1 of every row, then repetition 2 of
        // every row, … so a row's repetitions lie minutes apart and its interval covers the
        // drift of a whole run, not only of a few adjacent blocks.
        let perRepetition = max(1, (settings.iterations + repetitions - 1) / repetitions)
        let runner = BenchRunner(
            interleaver: Interleaver(blockSize: min(settings.blockSize, perRepetition), iterations: perRepetition,
                                     warmup: settings.warmup),
            repetitions: 1, batch: batch, pmus: allPMUs, resolver: Resolver(pmus: allPMUs, tracefs: Tracefs(root: "/sys", fileSystem: fileSystem)),
            flavour: KVMFlavour.current(fileSystem: fileSystem), progress: progress)
        var results = BenchRunner.Results()
        if scope != .sampleKeepUp && scope != .peers { runner.measureTimer(into: &results) }
        var exitPMUs: [String] = []
        for repetition in 0..<repetitions {
            progress.step("repetition \(repetition + 1) of \(repetitions)")
            for pmu in readPMUs { runner.measureReads(on: pmu, into: &results) }
            for cpus in exitCPUs {
                switch runner.binding(for: cpus, into: &results) {
                case .success(let binding):
                    if repetition == 0 { exitPMUs.append(binding?.pmu.name ?? ExitLatencyRow.allCPUs) }
                    runner.measureExits(binding: binding, cpus: cpus, into: &results)
                case .failure:
                    if repetition == 0 { exitPMUs.append(cpus.description) }
                }
            }
        }
        results.readLatency = RepetitionMerge.reads(results.readLatency)
        results.exitLatency = RepetitionMerge.exits(results.exitLatency)
        results.unavailable = RepetitionMerge.unavailable(results.unavailable)
        var peerRows: [PeerRow]? = peers ? runner.measurePAPI(repetitions: repetitions) : nil
        if corePMUs.isEmpty && scope != .exits && scope != .sampleKeepUp && scope != .peers && pmus.isEmpty {
            // Said through the library: what opening a hardware event here answers.
            results.unavailable.append(UnavailableRow(
                pmu: "core", what: "hardware counter reads (cycles)", reason: hardwareUnavailableReason(inventory),
                condition: .noCorePMU))
        }
        // Last, with the CPUs to itself: it runs other programs (pmu, perf) that need them.
        let sampleKeepUp = keepUp ? SampleKeepUp(unpacedCalls: quick ? 100_000 : 1_000_000, progress: progress).measure() : nil
        if peers {
            peerRows? += DiscoveryComparison(rounds: quick ? 3 : 10, iterations: quick ? 20 : 100, progress: progress).measure()
            peerRows? += ToolOverhead(quick: quick, progress: progress).measure()
            // pmu sample against perf record, from the keep-up rows of this run.
            if let sampleKeepUp { peerRows? += PeerRow.sampleKeepUp(sampleKeepUp) }
        }
        progress.finish()

        var environment = EnvironmentProbe.probe(pmus: allPMUs, cpuinfo: cpuinfo, fileSystem: fileSystem)
        environment.context = EnvironmentProbe.context(started: started, fileSystem: fileSystem)
        let report = BenchReport(
            environment: environment,
            settings: BenchSettings(
                iterations: settings.iterations, blockSize: settings.blockSize, warmup: settings.warmup, quick: quick,
                readPMUs: readPMUs.map(\.name), exitPMUs: exitPMUs, repetitions: repetitions, batch: batch),
            timer: results.timer, readLatency: results.readLatency, exitLatency: results.exitLatency,
            unavailable: results.unavailable, sampleKeepUp: sampleKeepUp, peers: peerRows)

        print(TableRenderer.render(report), terminator: "")
        if let json { try Data(report.jsonData()).write(to: URL(fileURLWithPath: json)) }
        if let csv { try OutputFile.write(CSVRenderer.render(report), to: csv) }
        if let svg { try OutputFile.write(SVGRenderer.render(report), to: svg) }
        if let prometheus {
            let exposition = report.prometheus(hostLabels: HostLabels.current())
            if let repeated = exposition.duplicates.first {
                FileHandle.standardError.write(Data("warning: --prometheus: \(repeated) is repeated; the file keeps the first\n".utf8))
            }
            try AtomicTextFile.write(exposition.text, to: prometheus)
        }

        var failures: [String] = []
        if check {
            let gate = Gate(maximumSwiftOverC: maxRatio, maximumExitSwiftOverC: maxExitRatio)
            failures += gate.failures(in: report)
        }
        if let baseline {
            let earlier = try Baseline.load(baseline)
            failures += Baseline.regressions(current: report, baseline: earlier,
                                             maximumRegressionPercent: maxRegression ?? 5)
        }
        for failure in failures {
            FileHandle.standardError.write(Data("check failed: \(failure)\n".utf8))
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

/// Why hardware counters cannot be read here, in the library's words: the
/// discovery finding and the kernel's answer to opening `cycles`.
func hardwareUnavailableReason(_ inventory: PMUInventory) -> String {
    var reason = "no core PMU in \(inventory.devicesPath): this machine exposes no hardware PMU (a VM without a vPMU?)"
    let resolver = Resolver(pmus: inventory.pmus, libpfm: nil)
    if let cycles = try? resolver.events(.cycles).first {
        do {
            _ = try Counter(cycles, options: CounterOptions(machineHasCorePMU: inventory.hasCorePMU))
            reason += "; yet opening cycles succeeded"
        } catch {
            reason += "; opening cycles: \(error.description)"
        }
    }
    return reason
}
