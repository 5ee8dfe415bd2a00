/// Records per second of a `decode-N-records` row pair: one timed sample is one pass of
/// the decoder over N kernel-written records, so throughput is N / p50, for Swift and for
/// its C reference. Computed from the merged rows, so it is said once per run, over every
/// repetition.
public struct DecodeThroughput: Equatable, Sendable {
    public var pmu: String
    public var event: String
    /// Records in one pass (the N of the method's name).
    public var records: Int
    public var swiftRecordsPerSecond: Double
    public var cRecordsPerSecond: Double

    /// Swift's throughput over C's (above 1: Swift decodes more records per second).
    public var swiftOverC: Double { swiftRecordsPerSecond / cRecordsPerSecond }

    /// N of a `decode-N-records` method; nil for any other method.
    public static func records(inMethod method: String) -> Int? {
        let parts = method.split(separator: "-")
        guard parts.count == 3, parts[0] == "decode", parts[2] == "records", let count = Int(parts[1]), count > 0 else {
            return nil
        }
        return count
    }

    /// Every decode row pair of `report` on `pmu` with both p50s above zero.
    public static func compute(_ report: BenchReport, pmu: String) -> [DecodeThroughput] {
        var found: [DecodeThroughput] = []
        for swift in report.readLatency where swift.pmu == pmu && swift.implementation == .swift {
            guard let records = records(inMethod: swift.method), swift.ns.p50 > 0,
                  let c = report.readLatency.first(where: {
                      $0.pmu == pmu && $0.event == swift.event && $0.method == swift.method && $0.implementation == .c
                  }), c.ns.p50 > 0
            else { continue }
            let perSecond = { (ns: UInt64) in Double(records) * 1e9 / Double(ns) }
            found.append(DecodeThroughput(pmu: pmu, event: swift.event, records: records,
                                          swiftRecordsPerSecond: perSecond(swift.ns.p50),
                                          cRecordsPerSecond: perSecond(c.ns.p50)))
        }
        return found
    }

    /// One line for the table.
    public var description: String {
        "decode throughput (\(event)): Swift \(Int(swiftRecordsPerSecond)) records/s, C \(Int(cRecordsPerSecond)) records/s"
            + " (p50 of a \(records)-record pass); Swift/C throughput \(format(swiftOverC))"
    }
}
