import Foundation
import Testing
@testable import PerfEvents

/// The first `perf_event_attr` that `perf stat -vv -e <event> true` prints, as field → value.
private func perfAttributes(_ event: String) throws -> [String: UInt64]? {
    let perf = Process()
    perf.executableURL = URL(fileURLWithPath: "/usr/bin/perf")
    perf.arguments = ["stat", "-vv", "-e", event, "true"]
    let pipe = Pipe()
    perf.standardOutput = pipe
    perf.standardError = pipe
    try perf.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    perf.waitUntilExit()
    guard let start = output.range(of: "perf_event_attr:\n") else { return nil }
    var fields: [String: UInt64] = [:]
    for line in output[start.upperBound...].split(separator: "\n") {
        if line.hasPrefix("---") { break }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let split = trimmed.range(of: " ", options: .backwards) else { continue }
        var key = trimmed[..<split.lowerBound].trimmingCharacters(in: .whitespaces)
        if key.hasPrefix("{") { key = String(key.dropFirst().split(separator: ",").last ?? "").trimmingCharacters(in: .whitespaces.union(["}"])) }
        let text = String(trimmed[split.upperBound...])
        let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        if let value { fields[key] = value }
    }
    return fields
}

/// What perf would open must be what we resolve, on the machine the tests run on:
/// both read this host's PMUs (ours from /sys at test time, through discovery), so
/// the types of dynamic PMUs such as msr (9 on one host, 10 on another) come from
/// the kernel, never from a recording. perf prints the attributes even for the
/// hardware events a kernel without a hardware PMU then refuses. perf's own default
/// of excluding the guest is a tool policy and not compared.
@Suite(.serialized, .timeLimit(.minutes(2)),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/perf"), "no /usr/bin/perf to compare with"))
struct PerfCrossCheckTests {
    @Test(arguments: [
        "cs", "cs:u", "cs:k", "faults:uk", "task-clock", "dummy", "cpu-migrations:h",
        "cycles", "instructions:u", "L1-dcache-load-misses", "dTLB-stores", "r00c0",
        "mem:0x1000/8:x", "mem:0x2000:w", "mem:0x3000/2",
    ])
    func samePerfEventAttrAsPerf(event: String) throws {
        try compareWithPerf(event)
    }

    /// msr is a dynamic PMU: its type is whatever this kernel gave it.
    @Test(.enabled(if: LiveHost.has("msr"), "this host has no msr PMU"), arguments: ["msr/tsc/", "msr/event=0x3/"])
    func msrEventsMatchPerf(event: String) throws {
        try compareWithPerf(event)
    }

    @Test func tracepointMatchesPerf() throws {
        CLI.ensureTracefs()
        try compareWithPerf("syscalls:sys_enter_getppid")
    }

    private func compareWithPerf(_ event: String) throws {
        let perf = try #require(try perfAttributes(event), "perf printed no perf_event_attr for \(event)")
        let ours = try #require(try Resolver(pmus: LiveHost.inventory().pmus, libpfm: nil).resolve(event).first?.events.first)
        let attributes = ours.attributes
        #expect(UInt64(attributes.type) == perf["type"] ?? 0)  // perf leaves zero fields out
        #expect(attributes.config == perf["config"] ?? 0)
        #expect(attributes.config1 == perf["config1"] ?? 0)
        #expect(attributes.config2 == perf["config2"] ?? 0)
        #expect(UInt64(attributes.breakpointType) == perf["bp_type"] ?? 0)
        #expect(attributes.excludeUser == (perf["exclude_user"] == 1))
        #expect(attributes.excludeKernel == (perf["exclude_kernel"] == 1))
        #expect(attributes.excludeHypervisor == (perf["exclude_hv"] == 1))
        #expect(attributes.precise == UInt8(perf["precise_ip"] ?? 0))
    }
}
