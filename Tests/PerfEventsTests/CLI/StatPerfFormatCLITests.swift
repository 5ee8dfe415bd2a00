import Foundation
import Testing

/// `pmu stat -x,` and `-j` against `perf stat` on this host, field by field, on
/// software and tracepoint events: counts the kernel makes exactly (a tracepoint on N
/// getppid calls) must be identical, measurements (times, page faults, rates) close.
@Suite(.timeLimit(.minutes(3)), .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/perf"), "perf is not installed"))
struct StatPerfFormatCLITests {
    static let calls = 3000
    static let events = "syscalls:sys_enter_getppid,task-clock,context-switches,cpu-migrations,page-faults"

    /// The lines perf and pmu print for `arguments` (standard error, the report).
    private func both(_ arguments: [String]) throws -> (pmu: [String], perf: [String]) {
        CLI.ensureTracefs()
        let ours = try CLI.run(["stat"] + arguments)
        #expect(ours.status == 0, "\(ours.stderr)")
        let perf = try CLI.run(["stat"] + arguments, executable: "/usr/bin/perf")
        #expect(perf.status == 0, "\(perf.stderr)")
        func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init).filter { !$0.isEmpty } }
        return (lines(ours.stderr), lines(perf.stderr))
    }

    /// Numbers within a factor (measurements of two runs on a shared machine).
    private func close(_ a: String, _ b: String, factor: Double, _ what: String) {
        guard let x = Double(a), let y = Double(b) else {
            Issue.record("\(what): \(a) vs \(b) are not both numbers")
            return
        }
        if x == y { return }
        let (low, high) = (min(x, y), max(x, y))
        #expect(low > 0 && high / low <= factor, "\(what): pmu \(a), perf \(b)")
    }

    @Test func csvColumnsAreperfs() throws {
        let (ours, perfs) = try both(["-x,", "-e", Self.events, "--", CLI.getppidProgram, String(Self.calls)])
        #expect(ours.count == perfs.count, "pmu:\n\(ours.joined(separator: "\n"))\nperf:\n\(perfs.joined(separator: "\n"))")
        for (line, perfLine) in zip(ours, perfs) {
            let mine = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let theirs = perfLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(mine.count == 7 && theirs.count == 7, "\(line) | \(perfLine)")
            guard mine.count == 7, theirs.count == 7 else { continue }
            let event = mine[2]
            #expect(mine[1] == theirs[1], "unit of \(event)")            // msec for task-clock
            #expect(mine[2] == theirs[2], "event")
            #expect(mine[4] == theirs[4], "percent running of \(event)")
            #expect(sameMetricUnit(mine[6], theirs[6]), "metric unit of \(event)")
            switch event {
            case "syscalls:sys_enter_getppid":
                #expect(mine[0] == String(Self.calls) && theirs[0] == String(Self.calls))
                // No metric beside a tracepoint when... perf shows its rate per task-clock second.
                #expect(mine[5].isEmpty == theirs[5].isEmpty)
            case "task-clock":
                close(mine[0], theirs[0], factor: 8, "task-clock msec")
                #expect(mine[0].contains(".") && theirs[0].contains("."), "msec with 2 decimals")
            case "page-faults":
                close(mine[0], theirs[0], factor: 1.5, "page-faults")
            default:
                break  // context-switches, cpu-migrations: 0 or a few, either way
            }
            close(mine[3], theirs[3], factor: 8, "run time of \(event)")
            #expect(mine[5].isEmpty == theirs[5].isEmpty, "metric value of \(event): \(line) | \(perfLine)")
        }
    }

    @Test func jsonLinesHavePerfsKeysInPerfsOrder() throws {
        let (ours, perfs) = try both(["-j", "-e", Self.events, "--", CLI.getppidProgram, String(Self.calls)])
        #expect(ours.count == perfs.count)
        for (line, perfLine) in zip(ours, perfs) {
            #expect(keys(line) == keys(perfLine), "\(line) | \(perfLine)")
            let mine = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let theirs = try #require(try JSONSerialization.jsonObject(with: Data(perfLine.utf8)) as? [String: Any], "\(perfLine)")
            let event = mine["event"] as? String ?? ""
            #expect(event == theirs["event"] as? String)
            #expect(mine["unit"] as? String == theirs["unit"] as? String, "unit of \(event)")
            #expect(mine["pcnt-running"] as? Double == theirs["pcnt-running"] as? Double)
            // perf 6.1 prints "(null)" for a counted event without a metric; we print "".
            let unit = { (object: [String: Any]) in (object["metric-unit"] as? String).map { $0 == "(null)" ? "" : $0 } }
            #expect(sameMetricUnit(unit(mine) ?? "", unit(theirs) ?? ""), "metric unit of \(event)")
            if event.hasPrefix("syscalls:") {
                #expect(mine["counter-value"] as? String == "\(Self.calls).000000")
                #expect(theirs["counter-value"] as? String == "\(Self.calls).000000")
            }
        }
    }

    /// perf's default set on this host, row by row: names, units, and which have no count.
    @Test func defaultSetMatchesPerfsRows() throws {
        let (ours, perfs) = try both(["-x,", "--", CLI.getppidProgram, "10"])
        let fields = { (line: String) in line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(ours.map { fields($0)[2] } == perfs.map { fields($0)[2] }, "\(ours) | \(perfs)")
        for (line, perfLine) in zip(ours, perfs) {
            let (mine, theirs) = (fields(line), fields(perfLine))
            #expect(mine[1] == theirs[1], "\(line) | \(perfLine)")
            #expect(mine[0].hasPrefix("<") == theirs[0].hasPrefix("<"), "\(line) | \(perfLine)")
            if theirs[0].hasPrefix("<") { #expect(mine[0] == theirs[0]) }
            #expect(sameMetricUnit(mine[6], theirs[6]), "metric unit: \(line) | \(perfLine)")
        }
    }

    /// -r: perf's noise column after the event, and the same rows.
    @Test func repeatsAddPerfsNoiseColumn() throws {
        let (ours, perfs) = try both(["-x,", "-r", "3", "-e", "syscalls:sys_enter_getppid,task-clock", "--",
                                      CLI.getppidProgram, "500"])
        #expect(ours.count == perfs.count)
        for (line, perfLine) in zip(ours, perfs) {
            let mine = line.split(separator: ",", omittingEmptySubsequences: false)
            let theirs = perfLine.split(separator: ",", omittingEmptySubsequences: false)
            #expect(mine.count == 8 && theirs.count == 8, "\(line) | \(perfLine)")
            #expect(mine.count > 3 && mine[3].hasSuffix("%"))
            if mine.first.map(String.init) == "500" { #expect(mine[3] == "0.00%" && theirs[3] == "0.00%") }
        }
    }

    /// The text report: perf's columns for count, unit and event, the elapsed line and user/sys.
    @Test func textLayoutIsPerfs() throws {
        let (ours, perfs) = try both(["-e", "syscalls:sys_enter_getppid,task-clock", "--", CLI.getppidProgram, "77"])
        let row = { (lines: [String], event: String) in lines.first { $0.contains(" " + event + " ") } ?? "" }
        for event in ["syscalls:sys_enter_getppid", "task-clock"] {
            let (mine, theirs) = (row(ours, event), row(perfs, event))
            // Same column for the event name and for the '#' of the metric.
            #expect(mine.range(of: event)?.lowerBound.utf16Offset(in: mine) == theirs.range(of: event)?.lowerBound.utf16Offset(in: theirs),
                    "\(mine) | \(theirs)")
            #expect(mine.firstIndex(of: "#").map { $0.utf16Offset(in: mine) } == theirs.firstIndex(of: "#").map { $0.utf16Offset(in: theirs) },
                    "\(mine) | \(theirs)")
        }
        #expect(row(ours, "syscalls:sys_enter_getppid").hasPrefix(String(repeating: " ", count: 16) + "77"))
        for suffix in ["seconds time elapsed", "seconds user", "seconds sys"] {
            #expect(ours.contains { $0.hasSuffix(suffix) } && perfs.contains { $0.hasSuffix(suffix) }, "\(suffix)")
        }
    }

    /// -I with CSV: perf's time column first, then the same columns; the tracepoint's
    /// calls all fall in some interval. The command sleeps five intervals before its calls,
    /// so an idle interval and two rows of each event come however late pmu's timer runs.
    @Test func intervalCSV() throws {
        let (ours, _) = try both(["-x,", "-I", "100", "-e", "syscalls:sys_enter_getppid,task-clock", "--",
                                  "/bin/sh", "-c", "sleep 0.5; \(CLI.getppidProgram) 321"])
        let rows = ours.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 8 }, "\(ours)")
        #expect(rows.count >= 4, "\(ours)")
        let times = rows.compactMap { Double($0[0].trimmingCharacters(in: .whitespaces)) }
        #expect(times.count == rows.count && times == times.sorted())
        let calls = rows.filter { $0[3] == "syscalls:sys_enter_getppid" }.compactMap { Int($0[1]) }.reduce(0, +)
        #expect(calls == 321 + (try shellsOwnCalls()), "\(ours)")
        #expect(rows.contains { $0[1] == "<not counted>" }, "an idle interval reads as not counted: \(ours)")
    }

    /// -A -a: a row per CPU, perf's CPU column.
    @Test func perCPUColumns() throws {
        let (ours, perfs) = try both(["-x,", "-A", "-a", "-e", "cpu-clock", "--", "sleep", "0.05"])
        let cpus = { (lines: [String]) in lines.map { String($0.split(separator: ",").first ?? "") } }
        #expect(cpus(ours) == cpus(perfs), "\(ours) | \(perfs)")
        #expect(cpus(ours).allSatisfy { $0.hasPrefix("CPU") })
    }

    /// Equal units; a rate's prefix (K/sec, /sec) follows its value, which differs between two runs.
    private func sameMetricUnit(_ a: String, _ b: String) -> Bool {
        a == b || (a.hasSuffix("/sec") && b.hasSuffix("/sec"))
    }

    /// How many getppid calls `sh -c 'sleep 0'` makes itself (dash asks for $PPID), counted by the kernel.
    private func shellsOwnCalls() throws -> Int {
        let result = try CLI.run(["stat", "-x,", "-e", "syscalls:sys_enter_getppid", "--", "/bin/sh", "-c", "sleep 0"])
        return try #require(Int(result.stderr.split(separator: ",").first ?? ""), "\(result.stderr)")
    }

    private func keys(_ line: String) -> [String] {
        // Keys in order: every "key" : of the line.
        var keys: [String] = []
        var rest = Substring(line)
        while let quote = rest.firstIndex(of: "\"") {
            let after = rest[rest.index(after: quote)...]
            guard let end = after.firstIndex(of: "\"") else { break }
            let word = String(after[..<end])
            rest = after[after.index(after: end)...]
            if rest.hasPrefix(" : ") { keys.append(word) }
        }
        return keys
    }
}

/// The default set on every recorded tree and here, SIGINT/SIGTERM, and our JSON's nulls.
@Suite(.timeLimit(.minutes(3)), .serialized) struct StatDefaultsAndSignalsCLITests {
    static let hardware = ["cycles", "instructions", "branches", "branch-misses"]

    /// Without -e: perf's software four, then the hardware four once per core PMU
    /// (labelled by PMU where there are several), as each tree's files say.
    @Test(arguments: SysfsTree.all)
    func defaultSetPerCorePMU(_ tree: SysfsTree) throws {
        let cores = try tree.coreDevices()
        let result = try CLI.run(["stat", "--json"] + tree.cliArguments + ["--", "true"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        var expected = ["task-clock", "context-switches", "cpu-migrations", "page-faults"]
        for name in Self.hardware {
            expected += cores.count > 1 ? cores.map { "\($0.name)/\(name)/" } : [name]
        }
        #expect(events.compactMap { $0["event"] as? String } == expected)
        for event in events {
            #expect(event.keys.contains("count"), "count is always there (null when none): \(event)")
            if event["status"] as? String == "not-supported" {
                #expect(event["count"] is NSNull)
                #expect((event["reason"] as? String)?.isEmpty == false, "\(event)")
            }
        }
        if cores.count > 1 {
            let text = try CLI.run(["stat"] + tree.cliArguments + ["--", "true"])
            for core in cores { #expect(text.stderr.contains(" \(core.name)/cycles/ ")) }
        }
        if tree.isLive {
            for event in events.prefix(4) { #expect(event["status"] as? String == "counted", "\(event)") }
            if cores.isEmpty {
                for event in events.dropFirst(4) { #expect(event["status"] as? String == "not-supported", "\(event)") }
            }
        }
    }

    /// Text: the reason for each not-supported event is printed under the table.
    @Test(.enabled(if: !LiveHost.hasCorePMU, "this host has a hardware CPU PMU"))
    func notSupportedSaysWhy() throws {
        let result = try CLI.run(["stat", "--", "true"])
        #expect(result.stderr.contains("<not supported>      cycles"))
        #expect(result.stderr.contains("cycles, instructions, branches, branch-misses: not supported: no hardware PMU"))
    }

    /// SIGINT to `pmu stat -a -- sleep 30`: it stops the command, prints what was
    /// counted and exits with the command's status, within seconds, not 30.
    @Test func sigintStopsAndPrints() throws {
        let (result, seconds) = try CLI.runAndSignal(["stat", "-a", "-e", "task-clock", "--", "sleep", "30"], signal: SIGINT, after: 0.2,
                                                    whenBlocked: true)
        #expect(seconds < 10, "took \(seconds) s")
        #expect(result.stderr.contains("Performance counter stats for 'system wide'"), "\(result.stderr)")
        #expect(result.stderr.contains("msec task-clock"))
        #expect(result.stderr.contains("seconds time elapsed"))
        // sleep died of the signal passed on (SIGINT, or the SIGTERM that follows when it ignores SIGINT).
        #expect([130, 143].contains(result.status), "\(result.status)")
    }

    /// SIGTERM during -I: the intervals so far and the last one are printed (1 s of 100 ms
    /// intervals asks for ten; three lines are the least that shows them, 5x slack).
    @Test func sigtermStopsIntervals() throws {
        let (result, seconds) = try CLI.runAndSignal(["stat", "-I", "100", "-x,", "-e", "task-clock", "--", "sleep", "30"],
                                                 signal: SIGTERM, after: 1.0, whenBlocked: true)
        #expect(seconds < 10, "took \(seconds) s")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 3, "\(result.stderr)")
        #expect(lines.allSatisfy { $0.contains(",task-clock,") }, "\(result.stderr)")
        #expect(result.status == 143)
    }

    /// Without a command, SIGINT ends the --duration early with exit status 0 (0.5 s
    /// counted at least; 0.1 s asked of cpu-clock, 5x slack).
    @Test func sigintEndsADuration() throws {
        let (result, seconds) = try CLI.runAndSignal(["stat", "-C", "0", "--duration", "30", "--json", "-e", "cpu-clock"],
                                                 signal: SIGINT, after: 0.5, whenBlocked: true)
        #expect(seconds < 5, "took \(seconds) s")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        #expect(object["interrupted_by_signal"] as? Int == Int(SIGINT))
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect((event["count"] as? Double ?? 0) > 100_000_000, "\(event)")
    }

    /// --json with -I: one object per line, each with its interval's counts (the command
    /// lasts five intervals: two objects are the least, 5x slack).
    @Test func intervalJSONLines() throws {
        CLI.ensureTracefs()
        let result = try CLI.run(["stat", "--json", "-I", "100", "-e", "syscalls:sys_enter_getppid", "--",
                                  "/bin/sh", "-c", "sleep 0.5; \(CLI.getppidProgram) 42"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count >= 2)
        let counts = objects.compactMap { ($0["events"] as? [[String: Any]])?.first?["count"] as? Double }
        let shell = try CLI.run(["stat", "-x,", "-e", "syscalls:sys_enter_getppid", "--", "/bin/sh", "-c", "sleep 0"])
        let own = try #require(Double(shell.stderr.split(separator: ",").first ?? ""), "\(shell.stderr)")
        #expect(counts.reduce(0, +) == 42 + own, "\(result.stdout)")
    }
}
