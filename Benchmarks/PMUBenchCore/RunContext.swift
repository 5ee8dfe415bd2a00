/// The circumstances of a run that move system-call latency as much as the
/// code does: kept in the report so that two runs can be judged comparable.
public struct RunContext: Codable, Hashable, Sendable {
    /// When the run started, ISO 8601 UTC.
    public var timestamp: String
    /// The source tree's commit (`git rev-parse HEAD`), with `-dirty` when it
    /// had changes; nil outside a git checkout.
    public var commit: String?
    /// The command line, as run.
    public var commandLine: [String]
    /// `release` or `debug`: how pmu-bench itself was compiled.
    public var buildConfiguration: String
    /// cpufreq's governor per CPU policy (`cpu0: performance`); empty where cpufreq is absent.
    public var governors: [String]
    /// `/sys/devices/system/cpu/smt/active`: nil when the kernel does not say.
    public var smtActive: Bool?
    /// `/sys/devices/system/cpu/isolated` and `nohz_full` (CPU lists; empty when none).
    public var isolatedCPUs: String?
    public var nohzFullCPUs: String?
    /// `/proc/cmdline`.
    public var kernelCommandLine: String?
    /// `/sys/devices/system/cpu/vulnerabilities/*`: name and the kernel's
    /// mitigation line (these decide what a system call costs).
    public var mitigations: [String: String]
    /// `clock_getres(CLOCK_MONOTONIC_RAW)` in ns.
    public var timerResolutionNs: UInt64?

    public init(timestamp: String, commit: String?, commandLine: [String], buildConfiguration: String,
                governors: [String], smtActive: Bool?, isolatedCPUs: String?, nohzFullCPUs: String?,
                kernelCommandLine: String?, mitigations: [String: String], timerResolutionNs: UInt64?) {
        self.timestamp = timestamp
        self.commit = commit
        self.commandLine = commandLine
        self.buildConfiguration = buildConfiguration
        self.governors = governors
        self.smtActive = smtActive
        self.isolatedCPUs = isolatedCPUs
        self.nohzFullCPUs = nohzFullCPUs
        self.kernelCommandLine = kernelCommandLine
        self.mitigations = mitigations
        self.timerResolutionNs = timerResolutionNs
    }

    enum CodingKeys: String, CodingKey {
        case timestamp, commit, governors, mitigations
        case commandLine = "command_line"
        case buildConfiguration = "build_configuration"
        case smtActive = "smt_active"
        case isolatedCPUs = "isolated_cpus"
        case nohzFullCPUs = "nohz_full_cpus"
        case kernelCommandLine = "kernel_command_line"
        case timerResolutionNs = "timer_resolution_ns"
    }
}
