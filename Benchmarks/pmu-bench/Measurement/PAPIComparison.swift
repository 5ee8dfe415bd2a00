import PerfEvents
import PMUBenchCore

extension BenchRunner {
    /// The PAPI rows: for event sets of 1, 2 and 4 events, PAPI_read, PAPI_start and
    /// PAPI_stop against the library's same work, interleaved in blocks (ours, PAPI,
    /// ours, …) on one pinned thread, each measurement repeated afresh. Hardware
    /// events on the first core PMU where there is one, software events otherwise.
    /// `repetitions`: the run's own (the read rows repeat in the run's outer loop; these here).
    func measurePAPI(repetitions: Int) -> [PeerRow] {
        let pmu = pmus.first { $0.isCore } ?? pmus.first { $0.kind == .software }
        let subjectPMU = pmu?.name ?? "software"
        func unavailable(_ why: PeerUnavailable) -> [PeerRow] {
            [PeerRow(table: "papi", subject: subjectPMU, metric: "read, start, stop", ours: "Counter / CounterGroup",
                     peer: "PAPI_read/start/stop", unit: "ns", unavailable: why)]
        }
        guard let pmu else {
            return unavailable(PeerUnavailable(.hostCondition, "discovery found neither a core nor a software PMU"))
        }
        if case .failure(let why) = PAPIPeer.loaded { return unavailable(why) }
        let events: [EventSpec]
        switch EventCatalog.events(for: pmu, resolver: resolver) {
        case .success(let found): events = found
        case .failure(let failure): return unavailable(PeerUnavailable(.oursFailed, failure.description))
        }
        let papiNames = events.map { PAPIEventNames.papiName(for: $0.name) }
        let cpu = Self.rowCPU(within: pmu.isCore ? pmu.cpus : nil)
        var rows: [PeerRow] = []
        let note = "PAPI \(PAPIPeer.versionText ?? "?") perf_event component: event sets as groups read with "
            + "PERF_FORMAT_GROUP (values only); ours reads the library's format (values, enabled and running times, ids, lost); "
            + "PAPI_start resets every member then enables the leader, ours resets and enables the group (PERF_IOC_FLAG_GROUP)"
        do {
            try Affinity.withCallingThread(on: cpu.map { CPUSet([$0]) }) {
                for size in [1, 2, 4] {
                    let members = Array(events.prefix(size))
                    let names = papiNames.prefix(size).compactMap { $0 }
                    let subject = (names.first ?? members.first?.name ?? "?") + (size > 1 ? "+\(size - 1)" : "") + " (set of \(size))"
                    for operation in PAPIOperation.allCases {
                        var row = PeerRow(table: "papi", subject: subject, metric: operation.rawValue, ours: operation.ours(size),
                                          peer: operation.peer, unit: "ns")
                        guard members.count == size, names.count == size else {
                            row.unavailable = PeerUnavailable(.hostCondition, "\(pmu.name) offers \(members.count) events with a PAPI name, \(size) needed")
                            rows.append(row)
                            continue
                        }
                        progress.step("papi \(operation.rawValue) set of \(size)")
                        rows.append(comparePAPI(operation, members: members, names: names, row: row, note: note,
                                                repetitions: repetitions))
                    }
                }
            }
        } catch {
            return unavailable(PeerUnavailable(.oursFailed, "pinning to cpu \(cpu.map(String.init) ?? "?"): \(error.description)"))
        }
        return rows
    }

    private func comparePAPI(_ operation: PAPIOperation, members: [EventSpec], names: [String], row: PeerRow,
                             note: String, repetitions: Int) -> PeerRow {
        var row = row
        var merged: [Implementation: Interleaver.Outcome] = [:]
        for _ in 0..<max(1, repetitions) {
            let pair: PAPIPair
            switch PAPIPair.make(operation, events: members, papiNames: names) {
            case .success(let made): pair = made
            case .failure(let why):
                row.unavailable = why
                return row
            }
            defer { pair.tearDown() }
            let outcomes = repetitionInterleaver.run([(.swift, pair.ours), (.peer, pair.peer)], progress: progress.fraction)
            for (implementation, outcome) in outcomes {
                if merged[implementation] == nil { merged[implementation] = outcome } else { merged[implementation]?.absorb(outcome) }
            }
        }
        if let failure = merged[.swift]?.failure {
            row.unavailable = PeerUnavailable(.oursFailed, "our timed loop failed: \(describeFailure(failure))")
            return row
        }
        if let failure = merged[.peer]?.failure {
            row.unavailable = PeerUnavailable(.peerFailed, "PAPI's timed loop failed: \(PAPIPeer.describe(failure))")
            return row
        }
        var measured = PeerRow.paired(table: row.table, subject: row.subject, metric: row.metric, ours: row.ours,
                                      peer: row.peer, unit: row.unit,
                                      oursValues: merged[.swift]?.blockMedians ?? [], peerValues: merged[.peer]?.blockMedians ?? [],
                                      goal: 1.00, note: note)
        // The medians of every sample (the block medians are for the pairing).
        if let ours = merged[.swift]?.recorder.summary { measured.oursMedian = Double(ours.p50) }
        if let peer = merged[.peer]?.recorder.summary { measured.peerMedian = Double(peer.p50) }
        return measured
    }
}
