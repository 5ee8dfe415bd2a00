// Discovery against perf's own benchmark of it, `perf bench internals pmu-scan`
// (perf 6.3+; the 6.12 that `make deps` unpacks under .build-perf-backports):
// the same sysfs trees on both sides, a scan of every PMU (not the same work: below).
//
// What each side reads, per PMU directory: perf 6.12's timed call is
// perf_pmus__scan(NULL) alone, which lists every PMU and reads its type,
// cpus/cpumask and caps/max_precise and lists (not reads) its format/ directory
// (format files load lazily). Its event aliases are loaded by the check that runs
// after the clock stops, so the events/ files are outside perf's figure (strace
// shows them read after the devices directory is closed); and its "all PMUs"
// average also takes in the core-only scans timed before (the stats are not reset
// between the two loops). perf is told PERF_CPUID=none-0-0-0 so that no JSON table
// of the host's CPU is added to the recorded PMUs. PMUDiscovery.discover() reads
// type, cpus and cpumask, every caps/ and format/ file (and parses the format
// bits), and every events/ file with its .scale/.unit/.per-pkg/.snapshot: several
// times the files perf's figure covers (alderlake: ~100 files against ~20).
//
// Trees: each recorded tree with a core PMU (Tests/PerfEventsTests/Fixtures/sysfs),
// copied with links dereferenced; perf reads the copy bind-mounted over
// /sys/bus/event_source/devices in a private mount namespace (unshare -m, as the
// conformance suite's PerfOracle does), ours reads the same copy by its path; and
// the live host's /sys. Rounds alternate perf (a process doing -i N scans, its own
// average) and ours (N discoveries in this process, their average): the pairs
// behind the ratio.
import Foundation
import PerfEvents
import PMUBenchCore

struct DiscoveryComparison {
    var rounds: Int
    var iterations: Int
    var progress: Progress

    static let fixtureSubpath = "Tests/PerfEventsTests/Fixtures/sysfs"

    func measure() -> [PeerRow] {
        let scratch = NSTemporaryDirectory() + "pmu-bench-scan-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var rows: [PeerRow] = []
        let perf: String
        switch Self.perfWithPMUScan(scratch: scratch) {
        case .success(let found): perf = found
        case .failure(let why):
            return [row("all trees", unavailable: why)]
        }
        var trees: [(name: String, root: String, devices: String?)] = []
        var skipped: [String] = []
        if let fixtures = Self.fixtureRoot() {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []).sorted()
            for name in names where FileManager.default.fileExists(atPath: "\(fixtures)/\(name)/bus/event_source/devices") {
                let root = "\(scratch)/\(name)"
                let devices = root + "/bus/event_source/devices"
                try? FileManager.default.createDirectory(atPath: root + "/bus/event_source", withIntermediateDirectories: true)
                guard let copy = try? ChildRun.run(["/bin/cp", "-rL", "\(fixtures)/\(name)/bus/event_source/devices", devices],
                                                   limitSeconds: 30, scratch: scratch).get(), copy.status == 0 else {
                    rows.append(row("tree \(name)", unavailable: PeerUnavailable(.oursFailed, "cp -rL of the recorded tree failed")))
                    continue
                }
                let core = (try? PMUDiscovery(root: root).discover().corePMUs.isEmpty) == false
                if core { trees.append(("tree \(name)", root, devices)) } else { skipped.append(name) }
            }
        } else {
            rows.append(row("recorded trees", unavailable: PeerUnavailable(
                .hostCondition, "no \(Self.fixtureSubpath) under the working directory or beside pmu-bench (run from the package root)")))
        }
        if !trees.isEmpty, let problem = Self.mountNamespaceProblem(scratch: scratch) {
            rows += trees.map { row($0.name, unavailable: PeerUnavailable(.hostCondition, problem)) }
            trees = []
        }
        trees.append(("live /sys", "/sys", nil))
        let note = "same files; perf's timed scan reads type, cpus/cpumask, caps/max_precise and lists format/ "
            + "(its event aliases load after its clock stops), ours reads every caps, format and events file "
            + "and parses them (perf: PERF_CPUID=none-0-0-0, no JSON tables); "
            + "trees without a core PMU left out: \(skipped.isEmpty ? "none" : skipped.joined(separator: ", "))"
        for tree in trees {
            progress.step("discovery vs pmu-scan: \(tree.name)")
            rows.append(compare(tree: tree, perf: perf, scratch: scratch, note: note))
        }
        return rows
    }

    private func row(_ subject: String, unavailable: PeerUnavailable? = nil) -> PeerRow {
        PeerRow(table: "discovery", subject: subject, metric: "full scan", ours: "PMUDiscovery.discover()",
                peer: "perf bench internals pmu-scan", unit: "ns", unavailable: unavailable)
    }

    private func compare(tree: (name: String, root: String, devices: String?), perf: String, scratch: String,
                         note: String) -> PeerRow {
        var oursNs: [UInt64] = []
        var peerNs: [UInt64] = []
        var lastFailure: String?
        var crashes: [String] = []
        let discovery = PMUDiscovery(root: tree.root)
        let scan = "exec /usr/bin/timeout -k 2 60 \(perf) bench internals pmu-scan -i \(iterations)"
        let command = tree.devices.map { ["/usr/bin/unshare", "-m", "/bin/sh", "-c",
                                          "mount --bind \"$1\" /sys/bus/event_source/devices && " + scan, "sh", $0] }
            ?? ["/bin/sh", "-c", scan]
        for _ in 0..<rounds {
            // perf first, then ours: each pair saw the same machine.
            guard case .success(let run) = ChildRun.run(command, environment: ["PERF_CPUID": "none-0-0-0"],
                                                         limitSeconds: 90, scratch: scratch) else {
                lastFailure = "could not run \(perf)"
                continue
            }
            let output = PMUScanOutput.parse(run.stdout + "\n" + run.stderr)
            if run.status != 0 { crashes.append("\(run.ending): \(run.lastWords)") }
            guard let all = output.allMicroseconds else {
                lastFailure = "perf \(run.ending) before its all-PMU figure: \(run.lastWords)"
                continue
            }
            let start = DispatchTime.now().uptimeNanoseconds
            var found = 0
            for _ in 0..<iterations {
                guard let inventory = try? discovery.discover() else { break }
                found = inventory.pmus.count
            }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            guard found > 0 else {
                return row(tree.name, unavailable: PeerUnavailable(.oursFailed, "PMUDiscovery found no PMU under \(tree.root)"))
            }
            oursNs.append(elapsed / UInt64(iterations))
            peerNs.append(UInt64((all * 1000).rounded()))
        }
        guard !oursNs.isEmpty else {
            return row(tree.name, unavailable: PeerUnavailable(.peerFailed, lastFailure ?? "no round finished"))
        }
        var crashNote = ""
        if let first = crashes.first {
            crashNote = "; perf crashed after printing its figures in \(crashes.count) of \(rounds) rounds (\(first))"
        }
        return PeerRow.paired(table: "discovery", subject: tree.name, metric: "full scan (\(iterations) per round)",
                              ours: "PMUDiscovery.discover()", peer: "perf bench internals pmu-scan", unit: "ns",
                              oursValues: [oursNs], peerValues: [peerNs], goal: 0.5, note: note + crashNote)
    }

    /// The package's recorded sysfs trees: under the working directory, or up from pmu-bench's own path.
    static func fixtureRoot() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/")
        for _ in 0..<5 {
            directory.deleteLastPathComponent()
            candidates.append(directory.path)
        }
        return candidates.map { "\($0)/\(fixtureSubpath)" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// A perf with `bench internals pmu-scan` (6.3+): the backported one `make deps` unpacks, else perf on PATH.
    static func perfWithPMUScan(scratch: String) -> Result<String, PeerUnavailable> {
        var candidates: [String] = []
        if let fixtures = fixtureRoot() {
            let root = URL(fileURLWithPath: fixtures).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().path
            candidates.append(root + "/.build-perf-backports/perf")
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build-perf-backports/perf")
        if let onPath = Spawn.which("perf") { candidates.append(onPath) }
        var tried: [String] = []
        for perf in candidates where access(perf, X_OK) == 0 && !tried.contains(perf) {
            tried.append(perf)
            guard case .success(let help) = ChildRun.run([perf, "bench", "internals", "pmu-scan", "-h"], limitSeconds: 20,
                                                         scratch: scratch) else { continue }
            if (help.stdout + help.stderr).contains("--iterations") { return .success(perf) }
        }
        if tried.isEmpty {
            return .failure(PeerUnavailable(.notInstalled, "no perf (run make deps: it unpacks perf 6.12 under .build-perf-backports)"))
        }
        return .failure(PeerUnavailable(.notInstalled, "no perf with 'bench internals pmu-scan' (perf 6.3+): tried \(tried.joined(separator: ", "))"))
    }

    /// Why a recorded tree cannot be mounted for perf here, or nil.
    static func mountNamespaceProblem(scratch: String) -> String? {
        guard access("/usr/bin/unshare", X_OK) == 0 else { return "no /usr/bin/unshare (util-linux)" }
        guard case .success(let probe) = ChildRun.run(["/usr/bin/unshare", "-m", "/bin/true"], limitSeconds: 20, scratch: scratch),
              probe.status == 0 else {
            return "this process cannot create a private mount namespace (unshare -m); run as root"
        }
        return nil
    }
}
