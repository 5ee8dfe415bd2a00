import FoundationEssentials
import Glibc
import PerfEvents

/// Writes decoded ring-buffer records as text lines or JSON lines on standard output.
struct RecordWriter {
    var json: Bool
    private var buffer: [String] = []
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(json: Bool) { self.json = json }

    mutating func write(_ record: Record, plan: SamplePlan) {
        let line = RecordLine(record, plan: plan)
        buffer.append(json ? line.json : line.text)
        if buffer.count >= 256 { flush() }
    }

    mutating func writeSummary(_ summary: SampleSummary, top: Int) {
        let line = SummaryLine(
            record: "summary", event: summary.label, pmu: summary.pmu, samples: summary.samples, lost: summary.lost,
            lostRecords: summary.lostInRecords, lostKernel: summary.lostByKernel,
            throttled: summary.throttled, unthrottled: summary.unthrottled, undecodable: summary.undecodable,
            counted: summary.counted, unaccounted: summary.unaccounted, unchecked: summary.uncheckedBecause,
            top: summary.topAddresses(top).map { SummaryLine.Address(ip: hex($0.address), samples: $0.samples) })
        buffer.append(encode(line))
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        print(buffer.joined(separator: "\n"))
        buffer.removeAll(keepingCapacity: true)
        fflush(nil)  // every stream: the records reach the pipe before the summary on stderr
    }

    private func encode<Value: Encodable>(_ value: Value) -> String {
        guard let data = try? encoder.encode(value) else { return "{\"record\":\"unencodable\"}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One record as a flat line: the fields its type has (nil ones are left out of the JSON).
struct RecordLine: Encodable {
    var record: String
    var event: String
    var pmu: String
    var misc: UInt16?
    var cpu: UInt32?
    var pid: Int32?
    var tid: Int32?
    var time: UInt64?
    var ip: String?
    var addr: String?
    var id: UInt64?
    var streamID: UInt64?
    var period: UInt64?
    var counts: [UInt64]?
    var callchain: [String]?
    var fields: [String: FieldValue]?
    var fieldOrder: [String]?
    var raw: String?
    var lost: UInt64?
    var name: String?
    var exec: Bool?
    var parentPID: Int32?
    var parentTID: Int32?
    var filename: String?
    var start: String?
    var length: UInt64?
    var type: UInt32?
    var size: UInt16?

    enum CodingKeys: String, CodingKey {
        case record, event, pmu, misc, cpu, pid, tid, time, ip, addr, id, period, counts, callchain, fields, raw, lost
        case name, exec, filename, start, length, type, size
        case streamID = "stream_id", parentPID = "ppid", parentTID = "ptid"
    }

    /// A tracepoint field: a number or text.
    enum FieldValue: Encodable {
        case number(Int64), unsigned(UInt64), text(String)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .number(let value): try container.encode(value)
            case .unsigned(let value): try container.encode(value)
            case .text(let text): try container.encode(text)
            }
        }
        var text: String {
            switch self {
            case .number(let value): return "\(value)"
            case .unsigned(let value): return "\(value)"
            case .text(let text): return text
            }
        }
    }

    init(_ record: Record, plan: SamplePlan) {
        self.record = record.type.description.lowercased()
        event = plan.label
        pmu = plan.pmuName
        switch record {
        case .sample(let sample):
            misc = sample.misc
            cpu = sample.cpu
            pid = sample.pid
            tid = sample.tid
            time = sample.time
            ip = sample.ip.map(hex)
            addr = sample.addr.map(hex)
            id = sample.id ?? sample.identifier
            streamID = sample.streamID
            period = sample.period
            counts = sample.counts?.values.map(\.value)
            callchain = sample.callchain?.map(hex)
            if let bytes = sample.raw {
                if let format = plan.tracepoint {
                    var values: [String: FieldValue] = [:]
                    var order: [String] = []
                    for (name, value) in format.decode(bytes) {
                        order.append(name)
                        switch value {
                        case .signed(let number): values[name] = .number(number)
                        case .unsigned(let number): values[name] = .unsigned(number)
                        case .text(let text): values[name] = .text(text)
                        case .bytes: values[name] = .text(value.description)
                        }
                    }
                    fields = values
                    fieldOrder = order
                } else {
                    raw = TracepointValue.bytes(bytes).description
                }
            }
        case .lost(let lost):
            id = lost.id
            self.lost = lost.count
            apply(lost.sampleID)
        case .throttle(let throttle), .unthrottle(let throttle):
            time = throttle.time
            id = throttle.id
            streamID = throttle.streamID
            apply(throttle.sampleID)
        case .comm(let comm):
            apply(comm.sampleID)
            pid = comm.pid
            tid = comm.tid
            name = comm.name
            exec = comm.isExec
        case .exit(let task), .fork(let task):
            apply(task.sampleID)
            pid = task.pid
            tid = task.tid
            parentPID = task.parentPID
            parentTID = task.parentTID
            time = task.time
        case .mmap2(let mmap):
            apply(mmap.sampleID)
            pid = mmap.pid
            tid = mmap.tid
            start = hex(mmap.address)
            length = mmap.length
            filename = mmap.filename
        case .other(let header):
            type = header.type.rawValue
            size = header.size
        }
    }

    /// The sample_id trailer's fields, where the record itself has none.
    private mutating func apply(_ sampleID: SampleID?) {
        guard let sampleID else { return }
        cpu = sampleID.cpu
        pid = sampleID.pid
        tid = sampleID.tid
        time = time ?? sampleID.time
        id = id ?? sampleID.id ?? sampleID.identifier
    }

    /// The line as JSON, keys sorted and nil fields left out, as JSONEncoder with
    /// `.sortedKeys` writes this Encodable (a test holds the two equal).
    var json: String {
        var line = JSONLineBuilder()
        line.add("addr", addr)
        line.addRaw("callchain", callchain.map { "[" + $0.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]" })
        line.addRaw("counts", counts.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" })
        line.add("cpu", cpu)
        line.add("event", event)
        line.add("exec", exec)
        if let fields {
            var object = JSONLineBuilder()
            for name in fields.keys.sorted() {
                switch fields[name] {
                case .number(let value)?: object.add(name, value)
                case .unsigned(let value)?: object.add(name, value)
                case .text(let text)?: object.add(name, text)
                case nil: break
                }
            }
            line.addRaw("fields", object.finish())
        }
        line.add("filename", filename)
        line.add("id", id)
        line.add("ip", ip)
        line.add("length", length)
        line.add("lost", lost)
        line.add("misc", misc)
        line.add("name", name)
        line.add("period", period)
        line.add("pid", pid)
        line.add("pmu", pmu)
        line.add("ppid", parentPID)
        line.add("ptid", parentTID)
        line.add("raw", raw)
        line.add("record", record)
        line.add("size", size)
        line.add("start", start)
        line.add("stream_id", streamID)
        line.add("tid", tid)
        line.add("time", time)
        line.add("type", type)
        return line.finish()
    }

    /// `SAMPLE syscalls:sys_enter_getppid tracepoint cpu=1 pid=10 tid=10 time=… ip=0x… period=1 __syscall_nr=110`.
    var text: String {
        var parts = [record.uppercased(), event, pmu]
        func add(_ key: String, _ value: String?) { if let value { parts.append("\(key)=\(value)") } }
        add("cpu", cpu.map { "\($0)" })
        add("pid", pid.map { "\($0)" })
        add("tid", tid.map { "\($0)" })
        add("ppid", parentPID.map { "\($0)" })
        add("time", time.map { "\($0)" })
        add("ip", ip)
        add("addr", addr)
        add("id", id.map { "\($0)" })
        add("period", period.map { "\($0)" })
        add("counts", counts.map { $0.map { "\($0)" }.joined(separator: ",") })
        add("callchain", callchain?.joined(separator: ","))
        add("lost", lost.map { "\($0)" })
        add("name", name)
        if exec == true { parts.append("exec") }
        add("start", start)
        add("length", length.map { "\($0)" })
        add("file", filename)
        add("type", type.map { "\($0)" })
        add("size", size.map { "\($0)" })
        if let fields, let fieldOrder {
            for name in fieldOrder { if let value = fields[name] { parts.append("\(name)=\(value.text)") } }
        }
        add("raw", raw)
        return parts.joined(separator: " ")
    }
}

/// The summary of one event and PMU, as a JSON line.
struct SummaryLine: Encodable {
    struct Address: Encodable {
        var ip: String
        var samples: Int
    }
    var record: String
    var event: String
    var pmu: String
    var samples: Int
    /// Everything lost: the kernel's count where it has one, else the LOST records'.
    var lost: UInt64
    var lostRecords: UInt64
    var lostKernel: UInt64?
    var throttled: Int
    var unthrottled: Int
    var undecodable: Int
    /// The kernel's count from the counting event alongside (tracepoints, period 1).
    var counted: UInt64?
    /// counted - samples - lost; 0 when everything is accounted for.
    var unaccounted: Int64?
    /// Why nothing was checked, when nothing was.
    var unchecked: String?
    var top: [Address]

    enum CodingKeys: String, CodingKey {
        case record, event, pmu, samples, lost, throttled, unthrottled, undecodable, counted, unaccounted, unchecked, top
        case lostRecords = "lost_records", lostKernel = "lost_kernel"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record, forKey: .record)
        try container.encode(event, forKey: .event)
        try container.encode(pmu, forKey: .pmu)
        try container.encode(samples, forKey: .samples)
        try container.encode(lost, forKey: .lost)
        try container.encode(lostRecords, forKey: .lostRecords)
        try container.encode(lostKernel, forKey: .lostKernel)  // null: the kernel (before 6.0) does not say
        try container.encode(throttled, forKey: .throttled)
        try container.encode(unthrottled, forKey: .unthrottled)
        try container.encode(undecodable, forKey: .undecodable)
        try container.encode(counted, forKey: .counted)
        try container.encode(unaccounted, forKey: .unaccounted)
        try container.encodeIfPresent(unchecked, forKey: .unchecked)
        try container.encode(top, forKey: .top)
    }
}
