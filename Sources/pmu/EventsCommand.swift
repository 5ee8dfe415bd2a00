import ArgumentParser
import PerfEvents

/// `pmu events PMU`: the named events of one PMU.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List a PMU's events: sysfs aliases, and libpfm4 names (or tracepoints, or generic names).")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The PMU, as `pmu list` names it (with --libpfm: a libpfm4 PMU name, optional).")
    var pmu: String?

    @Flag(name: .customLong("no-libpfm"), help: "Leave out libpfm4's event tables.")
    var noLibpfm = false

    @Flag(name: .customLong("libpfm"), help: "List the events of the PMUs libpfm4 detects (or forces, LIBPFM_FORCE_PMU), as pmu::EVENT.")
    var libpfm = false

    func validate() throws {
        if libpfm && noLibpfm { throw ValidationError("--libpfm and --no-libpfm contradict each other") }
        if !libpfm && pmu == nil { throw ValidationError("name a PMU (see pmu list), or use --libpfm") }
    }

    struct Entry: Encodable {
        var name: String
        var source: String
        var terms: String?
        var unit: String?
        var scale: String?
    }

    func run() throws {
        if libpfm {
            try listLibpfm()
            return
        }
        let inventory = try options.inventory()
        let target: PMU
        do {
            target = try inventory.pmu(named: pmu ?? "")
        } catch {
            throw CLIError(error.description)
        }
        var entries = target.aliases.map { alias in
            Entry(name: "\(target.name)/\(alias.name)/", source: "sysfs", terms: describe(alias.terms),
                  unit: alias.unit, scale: alias.scale)
        }
        switch target.kind {
        case .software:
            entries += GenericEvent.canonicalNames.compactMap { name in
                guard let event = GenericEvent(named: name), event.legacyType == LegacyType.software else { return nil }
                return Entry(name: name, source: "generic", terms: nil, unit: nil, scale: nil)
            }
        case .tracepoint:
            let tracefs = Tracefs(root: options.root)
            do {
                for subsystem in try tracefs.subsystems() {
                    for event in try tracefs.events(in: subsystem) {
                        entries.append(Entry(name: "\(subsystem):\(event)", source: "tracefs", terms: nil, unit: nil, scale: nil))
                    }
                }
            } catch {
                printError("warning: \(error.description)")
            }
        case .core:
            entries += GenericEvent.canonicalNames.compactMap { name in
                guard let event = GenericEvent(named: name), event.legacyType != LegacyType.software else { return nil }
                return Entry(name: "\(target.name)/\(name)/", source: "generic", terms: nil, unit: nil, scale: nil)
            }
            if !noLibpfm {
                do {
                    entries += try Libpfm().eventNames().map {
                        Entry(name: $0, source: "libpfm4", terms: nil, unit: nil, scale: nil)
                    }
                } catch {
                    printError("warning: libpfm4: \(error.description)")
                }
            }
        default:
            break
        }
        if options.json {
            try printJSON(entries)
            return
        }
        if entries.isEmpty {
            print("\(target.name) publishes no named events; use \(target.name)/term=value,…/ with its formats: "
                + (target.formats.isEmpty ? "(none)" : target.formats.map { "\($0.name)=\($0.spec)" }.joined(separator: " ")))
            return
        }
        print(table(["EVENT", "SOURCE", "TERMS", "UNIT"], entries.map { [$0.name, $0.source, $0.terms ?? "-", $0.unit ?? "-"] }))
    }

    /// `--libpfm`: libpfm4's own tables, whatever sysfs has (a VM without a core PMU included).
    private func listLibpfm() throws {
        let names: [String]
        do {
            names = try Libpfm().eventNames(pmu: pmu)
        } catch {
            throw CLIError("libpfm4: \(error.description)")
        }
        if names.isEmpty {
            throw CLIError("libpfm4 detects no PMU\(pmu.map { " called \($0)" } ?? "") with events on this machine;"
                + " if it does not know this CPU, set LIBPFM_FORCE_PMU to one of its PMU names (e.g. amd64_fam19h_zen3)")
        }
        if options.json {
            try printJSON(names.map { Entry(name: $0, source: "libpfm4", terms: nil, unit: nil, scale: nil) })
        } else {
            names.forEach { print($0) }
        }
    }

    private func describe(_ terms: [EventTerm]) -> String {
        terms.map { term in
            switch term.value {
            case .number(let value): return "\(term.name)=\(hex(value))"
            case .implicit: return term.name
            case .parameter: return "\(term.name)=?"
            case .text(let text): return "\(term.name)=\(text)"
            }
        }.joined(separator: ",")
    }
}
