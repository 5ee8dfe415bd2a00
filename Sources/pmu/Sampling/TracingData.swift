import PerfEvents

/// perf.data's HEADER_TRACING_DATA: what `perf script` needs to name and
/// decode tracepoint samples, read from tracefs (the layout of perf's
/// trace-event-info.c, version 0.5): a magic and version, byte order, the
/// size of a long and of a page, tracefs's header_page and header_event, the
/// ftrace events' formats (none here), then per subsystem the formats of the
/// tracepoints recorded, and empty kallsyms and printk sections.
struct TracingData {
    /// A tracepoint recorded: its subsystem and name.
    struct Tracepoint: Hashable {
        var subsystem: String
        var event: String
    }

    var tracefs: Tracefs

    /// The section's bytes, or why it cannot be made (a file tracefs lacks).
    func bytes(for tracepoints: [Tracepoint], pageSize: Int) throws(CLIError) -> [UInt8] {
        guard let events = tracefs.eventsDirectory else {
            throw CLIError("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing): perf.data needs the tracepoints' formats")
        }
        var out: [UInt8] = [23, 8, 68] + Array("tracing".utf8)
        out += Array("0.5".utf8) + [0]
        out.append(0)  // little-endian
        out.append(UInt8(MemoryLayout<Int>.size))
        PerfDataFile.appendU32(UInt32(pageSize), to: &out)
        for (name, file) in [("header_page", "header_page"), ("header_event", "header_event")] {
            out += Array(name.utf8) + [0]
            let text = try read(events + "/" + file)
            appendWord(UInt64(text.count), to: &out)
            out += text
        }
        PerfDataFile.appendU32(0, to: &out)  // ftrace's own events: none recorded
        var bySubsystem: [String: [String]] = [:]
        var order: [String] = []
        for tracepoint in tracepoints {
            if bySubsystem[tracepoint.subsystem] == nil { order.append(tracepoint.subsystem) }
            if !(bySubsystem[tracepoint.subsystem]?.contains(tracepoint.event) ?? false) {
                bySubsystem[tracepoint.subsystem, default: []].append(tracepoint.event)
            }
        }
        PerfDataFile.appendU32(UInt32(order.count), to: &out)
        for subsystem in order {
            out += Array(subsystem.utf8) + [0]
            let names = bySubsystem[subsystem] ?? []
            PerfDataFile.appendU32(UInt32(names.count), to: &out)
            for name in names {
                let text = try read(events + "/" + subsystem + "/" + name + "/format")
                appendWord(UInt64(text.count), to: &out)
                out += text
            }
        }
        PerfDataFile.appendU32(0, to: &out)  // kallsyms
        PerfDataFile.appendU32(0, to: &out)  // ftrace_printk formats
        return out
    }

    private func read(_ path: String) throws(CLIError) -> [UInt8] {
        do {
            return try tracefs.fileSystem.readBytes(path)
        } catch {
            throw CLIError("cannot read '\(path)' for the perf.data tracing data: \(error.description)")
        }
    }
}
