import Foundation
@testable import PerfEvents

/// perf itself as the oracle for event strings: what `perf stat -vv` (or `perf record -vv`)
/// would hand to `perf_event_open` for an event string, on a recorded sysfs tree or on the
/// machine the tests run on.
///
/// How: for a recorded tree, a dereferenced copy (`cp -rL`) of the tree's
/// `bus/event_source/devices` is bind-mounted over `/sys/bus/event_source/devices` in a
/// private mount namespace (`unshare -m`), which is where perf 6.1 looks for PMUs (their
/// `type`, `cpus`, `cpumask`, `format/`, `events/` and `caps/`); tracepoints still come from
/// the live tracefs. Every perf_event_open "succeeds" with descriptor 3: perf prints each
/// `perf_event_attr` once and makes none of its fallback retries (which strip bits), and group
/// members reach the kernel call with their leader's fd. `PERF_CPUID=none` keeps perf's
/// built-in JSON event tables (chosen by the host's CPU) out of the recorded PMUs.
///
/// Two ways to run perf (``Method``), answering alike (``PerfOracleServerTests`` checks it):
/// one perf process per string under `strace --inject=perf_event_open:retval=3`, or, the
/// default, the server `Tests/PerfOracle/perf-oracle-server.c` preloaded into one perf process
/// that forks a child per string and answers perf_event_open itself (a perf process spends
/// most of its life loading its libraries: 5,040 generated strings took 65 s one process each,
/// 29 s through the server).
enum PerfOracle {
    /// Which perf command prints the attributes.
    enum Tool: String, Sendable {
        /// `perf stat -vv -e EVENT true`: counting, what `pmu stat` does.
        case stat
        /// `perf record -vv -e EVENT -o FILE true`: needed where perf stat refuses sampling-only
        /// terms (`freq=`, `call-graph=`, …) and for the sampling fields, which perf stat drops.
        case record
    }

    /// One `perf_event_attr` as perf prints it: field → value, zero fields left out (as perf
    /// leaves them out). `{ bp_addr, config1 }` is stored as `config1`, `{ bp_len, config2 }`
    /// as `config2`, `{ sample_period, sample_freq }` as `sample_period`.
    typealias Attributes = [String: UInt64]

    /// What perf made of an event string.
    enum Outcome: Sendable, Equatable {
        /// perf opened these groups (each one event, or a leader and its members), in order.
        case accepted([[Attributes]])
        /// perf refused the string; its message.
        case refused(String)
        /// perf died (a segmentation fault under the injected descriptors: perf 6.1's perf record
        /// with an uncore event in a group): no answer.
        case crashed(String)

        /// The crash's line, where perf crashed.
        var crashLine: String? { if case .crashed(let line) = self { return line } else { return nil } }
    }

    /// One perf the oracle asks: Debian's own (6.1, installed) or bookworm-backports' (6.12,
    /// unpacked beside it by `.ci/ensure-perf-backports.sh`).
    struct Perf: Sendable, CustomStringConvertible {
        /// The series, as the deliberate differences name it: "6.1", "6.12".
        var series: String
        /// The command that runs it.
        var executable: String
        /// What provides it, for messages.
        var origin: String
        /// Fields its `-vv` printer leaves out whatever their value: not compared.
        var unprintedFields: Set<String> = []

        var description: String { "perf \(series)" }

        /// Debian bookworm's linux-perf, installed by `make deps`.
        static let debian = Perf(series: "6.1", executable: "/usr/bin/perf", origin: "make deps installs linux-perf")
        /// bookworm-backports' linux-perf, unpacked (not installed) under `.build-perf-backports`.
        static let backports = Perf(
            series: "6.12", executable: CLI.repositoryRoot.path + "/.build-perf-backports/perf",
            origin: "make deps runs .ci/ensure-perf-backports.sh",
            // Its perf_event_attr printer has no config3 line (no "config3" string in the binary),
            // though it takes the term: the config3 case is compared without it there.
            unprintedFields: ["config3"])
        static let all = [debian, backports]

        /// `perf --version`'s line, once per perf.
        var version: String { PerfOracle.versions.withLock { versions in
            if let known = versions[executable] { return known }
            let line = PerfOracle.run([executable, "--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            versions[executable] = line
            return line
        } }

        /// Why this perf cannot be asked here, or nil when it can: it, strace and a private
        /// mount namespace must all work, and it must be of its series (Debian moves the patch
        /// level: printed, not pinned).
        var unavailableReason: String? {
            if let reason = PerfOracle.toolsUnavailableReason { return reason }
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                return "\(executable) is missing (\(origin))"
            }
            guard version.hasPrefix("perf version \(series).") else {
                return "\(executable) says '\(version)', not perf \(series).x: the deliberate differences are written for \(series)"
            }
            return nil
        }
    }
    static let versions = Locked<[String: String]>([:])

    /// Why no perf can be asked here (strace, unshare, a private mount namespace), or nil.
    static let toolsUnavailableReason: String? = {
        for tool in ["/usr/bin/strace", "/usr/bin/unshare"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (make test installs strace and util-linux)"
        }
        let probe = run(["/usr/bin/unshare", "-m", "/bin/true"])
        if probe.status != 0 {
            return "this process cannot create a private mount namespace (unshare -m: \(probe.output.trimmingCharacters(in: .whitespacesAndNewlines))); run the tests as root"
        }
        return nil
    }()

    /// A dereferenced copy of `root`'s `bus/event_source/devices`, made once per tree.
    ///
    /// For perf record (`forRecord`) every PMU's `cpus` file lists this host's online CPUs
    /// instead (and a `cpumask`, the first of them): perf record gives up ("Failed to initialize parallel data streaming masks")
    /// when a PMU covers CPUs the host does not have, before it parses anything; which CPUs a
    /// PMU covers changes no attribute.
    static func devicesCopy(of root: String, forRecord: Bool = false) throws -> String {
        let key = root + (forRecord ? " (record)" : "")
        return try copies.withLock { copies in
            if let done = copies[key] { return done }
            let directory = "/tmp/perf-oracle-\(getpid())/\(copies.count)"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let copy = run(["/bin/cp", "-rL", root + "/bus/event_source/devices", directory + "/devices"])
            guard copy.status == 0 else { throw OracleError(message: "cp -rL of \(root) failed: \(copy.output)") }
            if forRecord {
                let online = (try? String(contentsOfFile: "/sys/devices/system/cpu/online", encoding: .utf8)) ?? "0\n"
                let devices = directory + "/devices"
                for pmu in (try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []
                where FileManager.default.fileExists(atPath: "\(devices)/\(pmu)/cpus") {
                    try online.write(toFile: "\(devices)/\(pmu)/cpus", atomically: false, encoding: .utf8)
                }
                // An uncore PMU's cpumask the same way, with the first online CPU (one per
                // package, and this host has one): `0,28` stops perf record as above.
                let first = String(online.prefix { $0.isNumber })
                for pmu in (try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []
                where FileManager.default.fileExists(atPath: "\(devices)/\(pmu)/cpumask") {
                    try (first + "\n").write(toFile: "\(devices)/\(pmu)/cpumask", atomically: false, encoding: .utf8)
                }
            }
            copies[key] = directory + "/devices"
            return directory + "/devices"
        }
    }
    private static let copies = Locked<[String: String]>([:])

    /// The command that asks perf about `event`: on the live host when `devices` is nil,
    /// otherwise with `devices` mounted over `/sys/bus/event_source/devices`. perf record
    /// attaches to the shell's own pid (`-p $$`, which becomes strace's) instead of starting a
    /// workload: perf 6.1 waits forever for its forked workload when the injected descriptor
    /// cannot be mapped. `timeout` bounds every run all the same.
    static func command(event: String, devices: String?, tool: Tool, scratch: String, perf: Perf) -> [String] {
        let traced = "exec /usr/bin/timeout -k 2 20 /usr/bin/strace --seccomp-bpf -f -qq -o /dev/null -e trace=perf_event_open"
            + " -e inject=perf_event_open:retval=3 \(perf.executable)"
        let perf: String
        switch tool {
        case .stat: perf = traced + " stat -vv -e \"$2\" /bin/true"
        case .record: perf = traced + " record -vv -o \"$3\" -p $$ -e \"$2\""
        }
        let mount = devices == nil ? "" : "mount --bind \"$1\" /sys/bus/event_source/devices && "
        let shell = ["/bin/sh", "-c", mount + perf, "sh", devices ?? "-", event, scratch]
        return devices == nil ? shell : ["/usr/bin/unshare", "-m"] + shell
    }

    /// How the oracle runs perf.
    enum Method: String, Sendable, CaseIterable {
        /// One perf process (under strace) per request.
        case strace
        /// One perf process per call of ``ask(_:perf:method:)``, preloaded with
        /// `Tests/PerfOracle/perf-oracle-server.c`, forking a child per request (2-8x less time:
        /// a perf process's cost is mostly loading its libraries). The default;
        /// `PMU_PERF_ORACLE=strace` asks the other way.
        case server
    }

    /// The method `ask` uses: the server unless `PMU_PERF_ORACLE=strace`, or unless the server
    /// cannot be built here (said once).
    static let method: Method = {
        if ProcessInfo.processInfo.environment["PMU_PERF_ORACLE"] == Method.strace.rawValue { return .strace }
        if case .failure(let error) = serverLibrary {
            print("perf oracle: the server is unavailable (\(error)); asking perf one process per string under strace")
            return .strace
        }
        return .server
    }()

    /// Asks `perf` about every `(event, devices, tool)` request; results in the order asked.
    static func ask(
        _ requests: [(event: String, devices: String?, tool: Tool)], perf: Perf, method: Method = method
    ) -> [Outcome] {
        switch method {
        case .strace: askOneByOne(requests, perf: perf)
        case .server: askServer(requests, perf: perf)
        }
    }

    /// The server library, compiled once per test process with the toolchain's clang (or cc),
    /// or why it could not be.
    static let serverLibrary: Result<String, OracleError> = {
        let source = CLI.repositoryRoot.path + "/Tests/PerfOracle/perf-oracle-server.c"
        let directory = "/tmp/perf-oracle-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let library = directory + "/perf-oracle-server.so"
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        let compilers = ["clang", "cc"].flatMap { name in path.split(separator: ":").map { "\($0)/\(name)" } }
        guard let compiler = compilers.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .failure(OracleError(message: "no clang or cc on PATH to build \(source)"))
        }
        let build = run([compiler, "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", library, source, "-ldl"])
        guard build.status == 0 else {
            return .failure(OracleError(message: "\(compiler) could not build \(source): \(build.output)"))
        }
        return .success(library)
    }()

    /// Asks through the server: one perf process for all `requests`, at most `parallel` children
    /// at a time, each bounded by `limit` seconds (the server kills it and says so in its
    /// answer), each in a mount namespace of its own with its request's `devices` mounted; the
    /// server itself is bounded by `timeout` at what its children may take in all.
    static func askServer(
        _ requests: [(event: String, devices: String?, tool: Tool)], perf: Perf, parallel: Int = 4, limit: Int = 20
    ) -> [Outcome] {
        guard case .success(let library) = serverLibrary else { return askOneByOne(requests, perf: perf) }
        guard !requests.isEmpty else { return [] }
        let scratch = "/tmp/perf-oracle-\(getpid())/server-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
        let requestFile = scratch + "/requests.txt"
        let lines = requests.indices.map { index in
            let request = requests[index]
            return "\(index) \(request.tool == .stat ? "s" : "r") \(hex(request.event)) \(request.devices.map(hex) ?? "-")\n"
        }
        do {
            try lines.joined().write(toFile: requestFile, atomically: false, encoding: .utf8)
        } catch {
            return requests.map { _ in .refused("could not write \(requestFile): \(error)") }
        }
        let bound = 60 + (limit + 1) * ((requests.count + parallel - 1) / parallel)
        var environment = ProcessInfo.processInfo.environment
        environment["PERF_CPUID"] = "none"
        environment["DEBUGINFOD_URLS"] = ""
        environment["LD_PRELOAD"] = library
        environment["PERF_ORACLE_SERVE"] = scratch
        environment["PERF_ORACLE_REQUESTS"] = requestFile
        environment["PERF_ORACLE_PARALLEL"] = "\(parallel)"
        environment["PERF_ORACLE_LIMIT"] = "\(limit)"
        let server = run(["/usr/bin/timeout", "-k", "5", "\(bound)", perf.executable], environment: environment)
        return requests.indices.map { index in
            guard let text = try? String(contentsOfFile: "\(scratch)/\(index).txt", encoding: .utf8) else {
                return .refused("the perf oracle server gave no answer (exit \(server.status)): \(server.output)")
            }
            return parse(text)
        }
    }

    /// Asks `perf` about every `(event, devices, tool)` request, one perf process under strace
    /// each, at most `parallel` at a time; results in the order asked.
    static func askOneByOne(_ requests: [(event: String, devices: String?, tool: Tool)], perf: Perf, parallel: Int = 6) -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: requests.count)
        // A directory of this call's own: two suites ask at once in one process, and their
        // requests are numbered from 0 alike (a shared directory mixed their outputs).
        let scratch = "/tmp/perf-oracle-\(getpid())/out-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var next = 0
        while next < requests.count {
            let batch = next..<min(requests.count, next + parallel)
            var running: [(index: Int, process: Process, path: String)] = []
            for index in batch {
                let request = requests[index]
                let path = "\(scratch)/\(index).txt"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                let process = Process()
                let arguments = command(
                    event: request.event, devices: request.devices, tool: request.tool,
                    scratch: "\(scratch)/\(index).data", perf: perf)
                process.executableURL = URL(fileURLWithPath: arguments[0])
                process.arguments = Array(arguments.dropFirst())
                var environment = ProcessInfo.processInfo.environment
                environment["PERF_CPUID"] = "none"
                environment["DEBUGINFOD_URLS"] = ""
                process.environment = environment
                guard let handle = FileHandle(forWritingAtPath: path) else { continue }
                process.standardOutput = handle
                process.standardError = handle
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                    running.append((index, process, path))
                } catch {
                    outcomes[index] = .refused("could not run perf: \(error)")
                }
                try? handle.close()
            }
            for job in running {
                job.process.waitUntilExit()
                let text = (try? String(contentsOfFile: job.path, encoding: .utf8)) ?? ""
                outcomes[job.index] = parse(text)
            }
            next = batch.upperBound
        }
        return outcomes.map { $0 ?? .refused("not run") }
    }

    /// Reads perf's `-vv` output: each `perf_event_attr:` block and the `sys_perf_event_open`
    /// line after it (its `group_fd` says leader or member).
    static func parse(_ output: String) -> Outcome {
        if let line = output.split(separator: "\n").first(where: {
            $0.hasSuffix("Segmentation fault") || $0.hasSuffix("Aborted") || $0.contains("core dumped")
        }) {
            return .crashed(String(line))
        }
        var groups: [[Attributes]] = []
        var current: Attributes?
        var pending: Attributes?
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            if line.hasPrefix("perf_event_attr:") {
                current = [:]
                continue
            }
            if line.hasPrefix("-----") {
                if let done = current { pending = done; current = nil }
                continue
            }
            if current != nil {
                // `  key   value`, where perf 6.12 adds a name after the value (`7 (armv8_cortex_a53)`,
                // `0x11 (cpu_cycles)`), and `{ a, b }` names one field twice.
                let text = line.trimmingCharacters(in: .whitespaces)
                var key: String
                let rest: Substring
                if text.hasPrefix("{"), let close = text.firstIndex(of: "}") {
                    // `{ bp_addr, config1 }` → config1; `{ sample_period, sample_freq }` → sample_period.
                    let names = text[text.index(after: text.startIndex)..<close].split(separator: ",")
                        .map { $0.trimmingCharacters(in: .whitespaces) }
                    key = names.contains("sample_period") ? "sample_period" : (names.last ?? "")
                    rest = text[text.index(after: close)...]
                } else {
                    guard let space = text.firstIndex(of: " ") else { continue }
                    key = String(text[..<space])
                    rest = text[space...]
                }
                let value = String(rest.split(separator: " ").first ?? "")
                let number = value.hasPrefix("0x") ? UInt64(value.dropFirst(2), radix: 16) : UInt64(value)
                // perf 6.12 prints some zero fields (type 0, config 0) that 6.1 leaves out: left out.
                if let number, number != 0 { current?[key] = number }
                continue
            }
            if line.hasPrefix("sys_perf_event_open:"), let attributes = pending {
                pending = nil
                // perf 6.1 on a hybrid tree probes each core PMU while parsing (is_event_supported,
                // on pid 0): not an event of the string. perf stat's and record's own opens name
                // the workload's or the shell's pid.
                if line.hasPrefix("sys_perf_event_open: pid 0 ") { continue }
                let isMember = !line.contains("group_fd -1 ")
                if isMember, !groups.isEmpty {
                    groups[groups.count - 1].append(attributes)
                } else {
                    groups.append([attributes])
                }
            }
        }
        // perf 6.1 on a hybrid tree opens probe events (is_event_supported) while it parses, and
        // still refuses the string after them: a syntax error is a refusal whatever was opened.
        if groups.isEmpty || lines.contains(where: { $0.contains("event syntax error") }) {
            // Every distinct reason line: perf 6.12 says "Bad event or PMU" first and the
            // particular reason ("value too big for format", "unknown term") after it.
            var reasons: [String] = []
            for line in lines where line.contains("\\___") || line.contains("not usable") || line.contains("No AUX")
                || line.contains("invalid or unsupported") || line.contains("Cannot find PMU") || line.contains("Unable to find")
                || line.contains("Attempting to add event pmu") {
                let reason = line.trimmingCharacters(in: .whitespaces)
                if !reasons.contains(reason) { reasons.append(reason) }
            }
            return .refused(reasons.isEmpty ? String(output.suffix(300)) : reasons.joined(separator: " | "))
        }
        // Identical groups (one per CPU of an uncore PMU's cpumask) are kept: the comparison
        // counts each once, and a shared run's cases may well open the same event.
        return .accepted(groups)
    }

    /// Runs a command to completion, stdout and stderr together.
    static func run(_ arguments: [String], environment: [String: String]? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct OracleError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// A value behind a lock, for the oracle's one-per-tree copies.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
