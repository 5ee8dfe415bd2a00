import CPerfEvents
import Foundation
import PerfEvents
import PMUBenchCore

extension EnvironmentProbe {
    /// The run's circumstances: time, source commit, command line, build,
    /// CPU frequency governors, SMT, isolated and nohz_full CPUs, the kernel
    /// command line, the CPU vulnerability mitigations and the clock resolution.
    static func context(started: Date, fileSystem: FileSystem) -> RunContext {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let cpuDirectory = "/sys/devices/system/cpu"
        var governors: [String] = []
        let policies = (try? FileManager.default.contentsOfDirectory(atPath: "\(cpuDirectory)/cpufreq")) ?? []
        for policy in policies.sorted() where policy.hasPrefix("policy") {
            if let governor = try? fileSystem.readAttribute("\(cpuDirectory)/cpufreq/\(policy)/scaling_governor") {
                governors.append("\(policy): \(governor)")
            }
        }
        var mitigations: [String: String] = [:]
        let vulnerabilities = (try? FileManager.default.contentsOfDirectory(atPath: "\(cpuDirectory)/vulnerabilities")) ?? []
        for name in vulnerabilities {
            if let line = try? fileSystem.readAttribute("\(cpuDirectory)/vulnerabilities/\(name)") { mitigations[name] = line }
        }
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        var resolution = timespec()
        let resolutionNs: UInt64? = clock_getres(CLOCK_MONOTONIC_RAW, &resolution) == 0
            ? UInt64(resolution.tv_sec) * 1_000_000_000 + UInt64(resolution.tv_nsec) : nil
        return RunContext(
            timestamp: formatter.string(from: started),
            commit: sourceCommit(),
            commandLine: CommandLine.arguments,
            buildConfiguration: configuration,
            governors: governors,
            smtActive: (try? fileSystem.readAttribute("\(cpuDirectory)/smt/active")).map { $0 == "1" },
            isolatedCPUs: try? fileSystem.readAttribute("\(cpuDirectory)/isolated"),
            nohzFullCPUs: try? fileSystem.readAttribute("\(cpuDirectory)/nohz_full"),
            kernelCommandLine: try? fileSystem.readAttribute("/proc/cmdline"),
            mitigations: mitigations,
            timerResolutionNs: resolutionNs)
    }

    /// The commit of the tree pmu-bench was built from (`-dirty` with changes
    /// to tracked files); nil when git or the tree is not there.
    static func sourceCommit() -> String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard let head = git(["-C", root, "rev-parse", "HEAD"]), !head.isEmpty else { return nil }
        let changes = git(["-C", root, "status", "--porcelain", "--untracked-files=no"]) ?? ""
        return changes.isEmpty ? head : head + "-dirty"
    }

    /// git's trimmed output, or nil when it fails.
    private static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
