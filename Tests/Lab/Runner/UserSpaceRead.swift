import PerfEvents

/// A user-space read (`mrs PMEVCNTR<n>_EL0` through the mmap page) of each core
/// PMU's cycles, on that PMU's CPUs, checked against `read(2)` of the same counter
/// right after: one `userread` fact per PMU, in every run (check-lab requires the
/// user-space method on kernels with perf_user_access, 5.17+, and a named fallback
/// before), and the same for a group of two (`usergroupread`). LAB_BENCH=1 times both in Bench.swift.
extension Lab {
    func showUserSpaceReads() {
        let access = (try? files.readAttribute("/proc/sys/kernel/perf_user_access")) ?? "absent"
        for pmu in [little, big] {
            guard pin(to: pmu, step: "userread-pin") != nil else { continue }
            // The rdpmc format term (config1 bit 1) is 5.17's, with perf_user_access; before it
            // the plain event is asked for a user-space read, and the library says why it cannot.
            var text = pmu.name + "/cpu_cycles,rdpmc=1/"
            var rdpmcTerm = "present"
            var resolved: Event?
            do {
                resolved = try resolver.resolve(text).first?.events.first
            } catch {
                rdpmcTerm = "absent"
                text = pmu.name + "/cpu_cycles/"
                do {
                    resolved = try resolver.resolve(text).first?.events.first
                } catch {
                    Out.error("userread", [("pmu", pmu.name)], msg: error.description)
                    continue
                }
            }
            guard let resolved else {
                Out.error("userread", [("pmu", pmu.name)], msg: "\(text) resolved to nothing")
                continue
            }
            do {
                var options = CounterOptions()
                options.userSpaceReads = true
                let counter = try Counter(Event(label: text, attributes: resolved.attributes, pmu: pmu), options: options)
                try counter.enable()
                let first = try counter.readInUserSpace()
                let check = try counter.read()
                var fields: [(String, String)] = [("pmu", pmu.name), ("event", text),
                                                  ("config1", Out.hex(resolved.attributes.config1)),
                                                  ("perf_user_access", access), ("rdpmc_term", rdpmcTerm)]
                switch first.method {
                case .userSpace: fields += [("method", "user-space")]
                case .systemCall(let why): fields += [("method", "system-call"), ("fallback", why.token)]
                }
                let ordered = first.value.raw > 0 && first.value.raw <= check.raw
                fields += [("value", "\(first.value.raw)"), ("then_read", "\(check.raw)"), ("ordered", ordered ? "1" : "0")]
                Out.fact("userread", fields)
            } catch {
                Out.error("userread", [("pmu", pmu.name)], msg: error.description)
            }
            showGroupUserSpaceRead(pmu, terms: rdpmcTerm == "present" ? ",rdpmc=1" : "")
        }
    }

    /// A group of cycles and inst_retired read from user space (each event's page and
    /// register, `CounterGroup.readInUserSpace(into:)`), checked against the group's
    /// `read(2)` right after: one `usergroupread` fact per PMU.
    func showGroupUserSpaceRead(_ pmu: PMU, terms: String) {
        var events: [Event] = []
        for name in ["cpu_cycles", "inst_retired"] {
            let text = pmu.name + "/" + name + terms + "/"
            do {
                guard let resolved = try resolver.resolve(text).first?.events.first else {
                    Out.error("usergroupread", [("pmu", pmu.name)], msg: "\(text) resolved to nothing")
                    return
                }
                events.append(Event(label: text, attributes: resolved.attributes, pmu: pmu))
            } catch {
                Out.error("usergroupread", [("pmu", pmu.name)], msg: error.description)
                return
            }
        }
        do {
            var options = CounterOptions()
            options.userSpaceReads = true
            let group = try CounterGroup(events, options: options)
            try group.enable()
            var reading = GroupReading(for: group)
            let method = try group.readInUserSpace(into: &reading)
            let first = reading.values
            let check = try group.read()
            var fields: [(String, String)] = [("pmu", pmu.name), ("events", "\(first.count)")]
            switch method {
            case .userSpace: fields += [("method", "user-space")]
            case .systemCall(let why): fields += [("method", "system-call"), ("fallback", why.token)]
            }
            var ordered = first.count == events.count && check.count == events.count
            for (value, then) in zip(first, check) where value.raw == 0 || value.raw > then.raw { ordered = false }
            fields += [("values", first.map { "\($0.raw)" }.joined(separator: ",")),
                       ("then_read", check.map { "\($0.raw)" }.joined(separator: ",")), ("ordered", ordered ? "1" : "0")]
            Out.fact("usergroupread", fields)
        } catch {
            Out.error("usergroupread", [("pmu", pmu.name)], msg: error.description)
        }
    }
}
