import Foundation
import Testing

/// Runs the built `pmu` executable (it sits beside the test bundle) as a user
/// would, as root or as `nobody`, and captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }
}

enum CLI {
    /// The directory of the package's built products.
    static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("pmu").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// The repository root (for fixtures): the nearest folder above this file with a Package.swift.
    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    static func fixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/PerfEventsTests/Fixtures/sysfs/\(name)").path
    }

    /// The built `pmu`.
    static var pmu: String { productsDirectory.appendingPathComponent("pmu").path }

    /// Runs `executable` (default `pmu`) with `arguments`; as `nobody` (through
    /// setpriv, on a copy of pmu that nobody can reach) when `asNobody`.
    static func run(_ arguments: [String], executable: String? = nil, environment: [String: String] = [:],
                    asNobody: Bool = false) throws -> CLIResult {
        let process = Process()
        if asNobody {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            let copy = try #require(nobodyCopy, "could not copy pmu to /tmp for nobody")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", executable ?? copy] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable ?? pmu)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "PERF_EVENTS_SYSFS_ROOT")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `pmu` with `arguments`, sends it `signal` after `seconds` (counted from when
    /// `readyFile` exists, when given; it is waited for 20 s at most), and returns what it
    /// printed and how long it took in all.
    static func runAndSignal(_ arguments: [String], signal: Int32, after seconds: Double,
                             readyFile: String? = nil, whenBlocked: Bool = false) throws -> (CLIResult, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.pmu)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        if let readyFile {
            let limit = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: readyFile) && Date() < limit && process.isRunning {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        if whenBlocked {
            // Ready once pmu blocks the signal to take it itself: /proc/PID/status's SigBlk mask
            // has its bit (20 s at most); a signal sent before would kill pmu before it prints.
            let limit = Date().addingTimeInterval(20)
            while !signalBlocked(process.processIdentifier, signal) && Date() < limit && process.isRunning {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        Thread.sleep(forTimeInterval: seconds)
        kill(process.processIdentifier, signal)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self)), Date().timeIntervalSince(start))
    }

    /// A copy of pmu that nobody can reach (the build directory may not be), made once.
    static let nobodyCopy: String? = {
        let directory = "/tmp/pmu-nobody-\(getpid())"
        let copy = directory + "/pmu"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            try FileManager.default.copyItem(atPath: pmu, toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        } catch {
            return nil
        }
        return copy
    }()

    static var isRoot: Bool { getuid() == 0 }

    /// /proc/sys/kernel/perf_event_paranoid.
    static var paranoid: Int? { read("/proc/sys/kernel/perf_event_paranoid").flatMap { Int($0) } }

    /// A C program that calls getppid(2) exactly N times (argv[1]) and exits with argv[2].
    static let getppidProgram: String = compile("getppid", """
            #include <stdlib.h>
            #include <unistd.h>
            #include <sys/syscall.h>
            int main(int argc, char **argv) {
                long n = argc > 1 ? atol(argv[1]) : 0;
                for (long i = 0; i < n; i++) syscall(SYS_getppid);
                return argc > 2 ? atoi(argv[2]) : 0;
            }
            """)

    /// Compiles C `source` into this test run's temporary directory as `name`
    /// (with `flags`, e.g. -pthread), once per program; returns the binary's path.
    static func compile(_ name: String, _ source: String, flags: [String] = []) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pmu-cli-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name + ".c")
        let binary = directory.appendingPathComponent(name)
        try? source.write(to: file, atomically: true, encoding: .utf8)
        _ = try? run(["-O1"] + flags + ["-o", binary.path, file.path], executable: "/usr/bin/cc")
        return binary.path
    }

    /// Whether process `pid`'s main thread has `signal` blocked (SigBlk in /proc/PID/status).
    static func signalBlocked(_ pid: Int32, _ signal: Int32) -> Bool {
        guard let status = read("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
              let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// The content of a sysfs/tracefs file, trimmed.
    static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Mounts tracefs when it is not mounted (we run as root in CI).
    static func ensureTracefs() {
        if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events") {
            _ = try? run(["-t", "tracefs", "nodev", "/sys/kernel/tracing"], executable: "/bin/mount")
        }
    }
}
