import Foundation
import Glibc

/// One program run to its end under a deadline: posix_spawn, then wait4 polled
/// until the deadline (then SIGKILL), with its wall time and its rusage (CPU and
/// peak RSS of it and of every child it reaped). The peer rows' way of running perf and pmu.
struct ChildRun {
    /// The exit status, or 128 + the signal; nil when the deadline killed it.
    var status: Int32?
    /// The signal that ended it, if one did.
    var signal: Int32?
    var wallNs: UInt64
    /// User + system time (µs).
    var cpuMicroseconds: Int64
    /// ru_maxrss: the largest resident set (KiB) of it or of a child it reaped.
    var maxRSSKiB: Int64
    var stdout: String
    var stderr: String

    /// Runs `arguments` (an absolute path first) with `environment` added to this process's,
    /// its output in `scratch` (stdout, stderr) and read back.
    static func run(_ arguments: [String], environment: [String: String] = [:], limitSeconds: Double,
                    scratch: String) -> Result<ChildRun, PeerFailureText> {
        run(arguments, environment: environment, limitSeconds: limitSeconds, stdout: scratch + "/stdout",
            stderr: scratch + "/stderr", readBack: true)
    }

    /// Runs `arguments` with its standard output and error written to the files `stdout` and
    /// `stderr` (read back into the result when `readBack`).
    static func run(_ arguments: [String], environment: [String: String] = [:], limitSeconds: Double,
                    stdout out: String, stderr err: String, readBack: Bool = false) -> Result<ChildRun, PeerFailureText> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let started = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            return .failure(PeerFailureText("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))"))
        }
        // A watchdog kills the child at the deadline; the child is waited for without
        // reaping it first (WNOWAIT), so its pid cannot be reused while the watchdog may act.
        let state = WatchdogState()
        let child = pid
        DispatchQueue.global().asyncAfter(deadline: .now() + limitSeconds) {
            state.lock.lock()
            if !state.exited {
                kill(child, SIGKILL)
                state.killed = true
            }
            state.lock.unlock()
        }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 {
            guard errno == EINTR else { return .failure(PeerFailureText("waitid: \(String(cString: strerror(errno)))")) }
        }
        state.lock.lock()
        state.exited = true
        let killed = state.killed
        state.lock.unlock()
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { return .failure(PeerFailureText("wait4: \(String(cString: strerror(errno)))")) }
        }
        let ended = DispatchTime.now().uptimeNanoseconds
        let micro = { (time: timeval) in Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_usec) }
        let signal = status & 0x7f
        let read = { (path: String) in readBack ? (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" : "" }
        return .success(ChildRun(status: killed ? nil : (signal == 0 ? (status >> 8) & 0xff : 128 + signal),
                                 signal: signal == 0 ? nil : signal, wallNs: ended - started,
                                 cpuMicroseconds: micro(usage.ru_utime) + micro(usage.ru_stime),
                                 maxRSSKiB: Int64(usage.ru_maxrss), stdout: read(out), stderr: read(err)))
    }

    /// The last non-empty line of stderr: what a crashed or failed tool said last.
    var lastWords: String {
        stderr.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init) ?? "(nothing on stderr)"
    }

    /// How it ended, in words: `exit 1`, `killed by signal 6`, `stopped at the deadline`.
    var ending: String {
        guard let status else { return "stopped at the deadline" }
        if let signal { return "killed by signal \(signal)" }
        return "exit \(status)"
    }
}

extension ChildRun {
    /// Compiles C `source` with `cc -O2 -pthread` into `directory/name`; the binary's path.
    static func compileC(_ source: String, named name: String, in directory: String) throws(PeerFailureText) -> String {
        let path = directory + "/\(name).c"
        let binary = directory + "/\(name)"
        guard FileManager.default.createFile(atPath: path, contents: Data(source.utf8)) else {
            throw PeerFailureText("cannot write \(path)")
        }
        guard let cc = Spawn.which("cc") else { throw PeerFailureText("no cc on PATH") }
        switch run([cc, "-O2", "-pthread", "-o", binary, path], limitSeconds: 60, scratch: directory) {
        case .success(let compiled) where compiled.status == 0: return binary
        case .success(let compiled): throw PeerFailureText("cc -O2 of \(name): \(compiled.ending): \(compiled.lastWords)")
        case .failure(let why): throw PeerFailureText("cc -O2 of \(name): \(why)")
        }
    }
}

/// Whether the child has exited (it is not reaped yet) or the watchdog killed it.
final class WatchdogState: @unchecked Sendable {
    let lock = NSLock()
    var exited = false
    var killed = false
}

struct PeerFailureText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
