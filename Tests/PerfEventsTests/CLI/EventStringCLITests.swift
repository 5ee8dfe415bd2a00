import Foundation
import Testing

/// The event-string features as a user meets them in `pmu stat` and `pmu resolve`.
@Suite(.timeLimit(.minutes(2)), .serialized) struct EventStringCLITests {
    /// The program `CLI.getppidProgram` calls getppid(2) N times: of the tracepoints a glob
    /// names, sys_enter_getppid counts exactly N, and every one counts what perf counts.
    @Test func tracepointGlobCountsWhatPerfCounts() throws {
        CLI.ensureTracefs()
        let calls = 3000
        let glob = "syscalls:sys_enter_getpp*"
        let ours = try CLI.run(["stat", "-x,", "-e", glob, "--", CLI.getppidProgram, String(calls)])
        #expect(ours.status == 0, "\(ours.stderr)")
        let perf = try CLI.run(["stat", "-x,", "-e", glob, "--", CLI.getppidProgram, String(calls)], executable: "/usr/bin/perf")
        func counts(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count > 2, let name = fields.first(where: { $0.hasPrefix("syscalls:") }) else { continue }
                result[name] = fields[0]
            }
            return result
        }
        let mine = counts(ours.stderr), theirs = counts(perf.stderr)
        #expect(mine["syscalls:sys_enter_getppid"] == String(calls), "\(ours.stderr)")
        #expect(!mine.isEmpty && mine == theirs, "pmu: \(mine)\nperf: \(theirs)")
    }

    /// Terms that write the same bits: perf's value, and a warning naming both terms and values.
    @Test func overlappingTermsWarnInStatAndResolve() throws {
        let rk3399 = CLI.fixture("rk3399")
        let resolve = try CLI.run(["resolve", "--sysfs-root", rk3399, "armv8_cortex_a53/inst_retired,event=0x3/"])
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(resolve.stdout.contains("0xb"))
        #expect(resolve.stdout.contains("warning:") && resolve.stdout.contains("'event=0x8' (from alias 'inst_retired')")
            && resolve.stdout.contains("'event=0x3'"), "\(resolve.stdout)")
        let json = try CLI.run(["resolve", "--json", "--sysfs-root", rk3399, "armv8_cortex_a53/inst_retired,event=0x3/"])
        let row = try #require((try json.json() as? [[String: Any]])?.first)
        #expect((row["warnings"] as? [String])?.count == 1)

        let stat = try CLI.run(["stat", "-e", "cs,cs/name=switches/", "--", "true"])
        #expect(stat.status == 0, "\(stat.stderr)")
        #expect(stat.stderr.contains("switches"), "\(stat.stderr)")
    }

    /// `pmu stat` takes the terms perf stat takes (period=, which counting ignores; percore,
    /// metric-id) and refuses, as perf stat does, the terms only sampling uses.
    @Test func statRefusesSamplingOnlyTermsAsPerfStatDoes() throws {
        let counted = try CLI.run(["stat", "-x,", "-e", "cs/period=1,percore,metric-id=m/", "--", "true"])
        #expect(counted.status == 0, "\(counted.stderr)")
        for term in ["freq=10", "call-graph=fp", "max-stack=3", "no-inherit", "overwrite", "aux-output", "time"] {
            let result = try CLI.run(["stat", "-e", "cs/\(term)/", "--", "true"])
            let name = String(term.split(separator: "=")[0])
            #expect(result.status != 0 && result.stderr.contains("'\(name)' is a sampling term"), "\(term): \(result.stderr)")
            let perf = try CLI.run(["stat", "-e", "cs/\(term)/", "true"], executable: "/usr/bin/perf")
            #expect(perf.status != 0, "perf stat took cs/\(term)/")
        }
    }

    /// `pmu resolve --json` shows every attribute field that is not zero.
    @Test func resolveJSONShowsEveryNonZeroField() throws {
        let result = try CLI.run([
            "resolve", "--json", "--sysfs-root", CLI.fixture("x86-server"),
            "{cpu/event=0xc0,period=4000,max-stack=4,no-inherit/,cs:I}:De", "cpu/event=0x3c,freq=99,name=busy/PS",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json() as? [[String: Any]])
        try #require(rows.count == 3)
        #expect(rows[0]["pinned"] as? Bool == true)
        #expect(rows[0]["exclusive"] as? Bool == true)
        #expect(rows[0]["sample_period"] as? Int == 4000)
        let settings = try #require(rows[0]["settings"] as? [String: Any])
        #expect(settings["max_stack"] as? Int == 4 && settings["inherit"] as? Bool == false)
        #expect(rows[1]["exclude_idle"] as? Bool == true)
        #expect(rows[1]["pinned"] == nil, "only the leader is pinned")
        #expect(rows[2]["sample_freq"] as? Int == 99 && rows[2]["freq"] as? Bool == true)
        #expect(rows[2]["name"] as? String == "busy")
        #expect(rows[2]["modifiers"] as? String == "PS")
        // Zero fields stay out of the optional ones.
        #expect(rows[2]["pinned"] == nil && rows[2]["exclude_idle"] == nil && rows[2]["sample_period"] == nil)
    }
}
