/// The CI rules of `pmu-bench --check`: each broken rule is one line.
public struct Gate: Sendable {
    /// The largest Swift/C ratio of a read row that passes.
    public var maximumSwiftOverC: Double
    /// The largest Swift/C ratio of an exit row that passes (a KVM_RUN round
    /// trip through the library does more around the ioctl than a read does).
    public var maximumExitSwiftOverC: Double

    public init(maximumSwiftOverC: Double = 1.10, maximumExitSwiftOverC: Double = 1.10) {
        self.maximumSwiftOverC = maximumSwiftOverC
        self.maximumExitSwiftOverC = maximumExitSwiftOverC
    }

    /// Every failure in `report`, one line each; empty when the run passes.
    ///
    /// - a Swift/C ratio above ``maximumSwiftOverC`` with confidence: the lower
    ///   end of its paired 95 % interval is above the limit (a report without
    ///   block data: the p50 ratio is);
    /// - an exit row whose count disagrees with its tracepoint, or that has no
    ///   tracepoint count and no `unavailable` entry saying why;
    /// - a row with no samples;
    /// - a PMU that was asked for and has neither rows nor an `unavailable` entry;
    /// - an `unavailable` entry without a ``HostCondition``: a timed loop that failed
    ///   (Swift or C), an operation the benchmark could not set up, a user-space read
    ///   that fell back for a reason that is not the host's: what the gate guards, not
    ///   something to excuse.
    public func failures(in report: BenchReport) -> [String] {
        var failures: [String] = []
        for row in report.unavailable where row.condition == nil {
            failures.append("unavailable \(row.pmu) \(row.what): \(row.reason) "
                + "(a failure of the benchmark, not a host condition)")
        }
        for ratio in report.ratios {
            let name = "\(ratio.table) \(ratio.pmu) \(ratio.subject) \(ratio.method)"
            let maximumSwiftOverC = ratio.table == "exit" ? maximumExitSwiftOverC : self.maximumSwiftOverC
            if let paired = ratio.swiftOverCPaired {
                if paired.low > maximumSwiftOverC {
                    failures.append(
                        "\(name): Swift/C \(format(paired.value)) (95% CI \(format(paired.low))-\(format(paired.high)), "
                            + "\(paired.blocks) blocks in \(paired.repetitions) repetitions): even the lower bound "
                            + "exceeds \(format(maximumSwiftOverC))")
                }
            } else if let p50 = ratio.swiftOverCP50, p50 > maximumSwiftOverC {
                failures.append("\(name): Swift/C p50 ratio \(format(p50)) exceeds \(format(maximumSwiftOverC))")
            }
        }
        for row in report.readLatency where row.samples == 0 {
            failures.append("read \(row.pmu) \(row.event) \(row.method) \(row.implementation.rawValue): no samples")
        }
        for row in report.exitLatency where row.implementation == .syscallFloor {
            // KVM_RUN with immediate_exit set must never enter the guest.
            let name = "exit \(row.pmu) \(row.kind) \(row.implementation.rawValue)"
            if row.samples == 0 { failures.append("\(name): no samples") }
            if let counted = row.exitsByTracepoint, counted != 0 {
                failures.append("\(name): the immediate-exit floor entered the guest (\(row.tracepoint ?? "?") counted \(counted))")
            }
        }
        for row in report.exitLatency where row.implementation != .syscallFloor {
            let name = "exit \(row.pmu) \(row.kind) \(row.implementation.rawValue)"
            if row.samples == 0 || row.exits == 0 {
                failures.append("\(name): no samples")
            }
            if let returns = row.userspaceExitsByTracepoint, ExitLatencyRow.userSpaceKinds.contains(row.kind), returns != row.exits {
                failures.append("\(name): \(row.exits) exits but kvm:kvm_userspace_exit counted \(returns)")
            }
            if let counted = row.exitsByTracepoint {
                if counted != row.exits {
                    failures.append(
                        "\(name): \(row.exits) exits but tracepoint \(row.tracepoint ?? "?") counted \(counted)")
                }
            } else if !report.unavailable.contains(where: { $0.pmu == row.pmu && $0.what.hasPrefix("exit tracepoint") }) {
                failures.append("\(name): exits not checked against a tracepoint and no reason given")
            }
        }
        for pmu in report.settings.readPMUs {
            let hasRows = report.readLatency.contains { $0.pmu == pmu }
            let explained = report.unavailable.contains { $0.pmu == pmu }
            if !hasRows && !explained {
                failures.append("read \(pmu): no rows and no reason in unavailable (silently empty)")
            }
        }
        for pmu in report.settings.exitPMUs {
            let hasRows = report.exitLatency.contains { $0.pmu == pmu }
            let explained = report.unavailable.contains { $0.pmu == pmu }
            if !hasRows && !explained {
                failures.append("exit \(pmu): no rows and no reason in unavailable (silently empty)")
            }
        }
        return failures
    }
}

/// A ratio with two decimals, without Foundation's String(format:).
func format(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let hundredths = Int((abs(value) * 100).rounded())
    let sign = value < 0 && hundredths != 0 ? "-" : ""
    let fraction = hundredths % 100
    return "\(sign)\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
