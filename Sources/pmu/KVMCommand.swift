import ArgumentParser
import KVM
import PerfEvents

/// `pmu kvm`: which host core PMUs KVM would back a guest's vPMU with, and which
/// PMU VCPU threads restricted to `--cpus` need.
struct KVMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvm",
        abstract: "Show which core PMUs KVM would accept for a guest, and the PMU for --cpus.",
        discussion: """
            One row per core PMU with KVM's verdict: on arm64 a trial KVM_ARM_VCPU_PMU_V3_SET_PMU on a \
            scratch VM (after KVM_HAS_DEVICE_ATTR); on x86 KVM's vPMU state (kvm.enable_pmu, and KVM \
            disables the vPMU on hybrid hosts). On arm64 every attribute number 0-15 of the PMU control \
            group is asked with KVM_HAS_DEVICE_ATTR and named only from the kernel's uapi header \
            (--kvm-header; a number it does not name is "unknown attribute N").

            --cpus LIST names the CPUs the VCPU threads may run on; the PMU choice ladder answers, with \
            why and the attributes it sets: the caller's PMU (--pmu); else a PMU covering every CPU in \
            LIST; else fixed counters only, where the header names KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY \
            and KVM offers it; else the CPUs of one PMU (the one with the most CPUs in LIST, then the \
            lower type); else no PMU. With --sysfs-root the PMUs come from the recorded tree, while the \
            verdicts are this host's KVM's; --kvm-attributes says what another kernel's KVM offers.

            Examples:
              pmu kvm
              pmu kvm --cpus 4-5 --json
              pmu kvm --sysfs-root rk3399 --cpus 0-5 --kvm-attributes 0-4 --kvm-header kvm.h
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: ArgumentHelp("CPUs the VCPU threads may run on, such as 4-5 or 0,2.", valueName: "LIST"))
    var cpus: String?

    @Option(name: .long, help: ArgumentHelp("The caller's PMU for --cpus (the ladder's first rung).", valueName: "NAME"))
    var pmu: String?

    @Option(name: .customLong("kvm-header"), help: ArgumentHelp(
        "The target kernel's arm64 uapi asm/kvm.h, naming the PMU attributes (default on arm64: "
            + "/usr/include/aarch64-linux-gnu/asm/kvm.h when present).", valueName: "FILE"))
    var kvmHeader: String?

    @Option(name: .customLong("kvm-attributes"), help: ArgumentHelp(
        "The PMU attribute numbers the target kernel's KVM_HAS_DEVICE_ATTR offers (such as 0-4), for a recorded "
            + "tree judged on another host; default: asked of this host's arm64 KVM.", valueName: "LIST"))
    var kvmAttributes: String?

    @Option(name: .customLong("kvm-device"), help: .hidden)
    var kvmDevice: String?

    /// The KVM device: --kvm-device, else $PMU_KVM_DEVICE, else /dev/kvm.
    var devicePath: String {
        kvmDevice ?? PMUDiscovery.processEnvironment("PMU_KVM_DEVICE") ?? "/dev/kvm"
    }

    /// The architecture of this host's KVM.
    static var hostArchitecture: String {
        #if arch(x86_64)
        return "x86"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "other"
        #endif
    }

    /// The architecture a core PMU belongs to, by its driver's naming: x86's core PMU
    /// is `cpu` (hybrid: `cpu_core`, `cpu_atom`); arm PMU drivers name theirs `armv8_*`,
    /// `armv9_*`, `arm_*` or after the core.
    static func architecture(of pmu: PMU) -> String {
        let name = pmu.name
        if name == "cpu" || name.hasPrefix("cpu_") { return "x86" }
        if name.hasPrefix("armv") || name.hasPrefix("arm_") || name.contains("cortex") || name.contains("neoverse")
            || name.contains("pmuv3") || name.hasPrefix("apple_") {
            return "arm64"
        }
        return "other"
    }

    struct Row: Encodable {
        var name: String
        var type: UInt32
        @ExplicitNull var cpus: String?
        var kvm: String
        var reason: String
        /// arm64: what KVM_HAS_DEVICE_ATTR said about each PMU attribute (`SET_PMU=yes …`).
        @ExplicitNull var attributes: String?

        enum CodingKeys: String, CodingKey { case name, type, cpus, kvm, reason, attributes = "kvm_attributes" }
    }

    /// The ladder's answer for --cpus.
    struct Selection: Encodable {
        var rung: String
        @ExplicitNull var name: String?
        @ExplicitNull var type: UInt32?
        @ExplicitNull var cpus: String?
        var allowedCPUs: String
        var vcpuCPUs: String
        var settings: [String]
        var kvm: String
        var reason: String

        enum CodingKeys: String, CodingKey {
            case rung, name, type, cpus, settings, kvm, reason
            case allowedCPUs = "allowed_cpus"
            case vcpuCPUs = "vcpu_cpus"
        }
    }

    /// KVM_HAS_DEVICE_ATTR for each number of the PMU control group.
    struct Attribute: Encodable {
        var number: UInt64
        var name: String
        var offered: Bool
    }

    struct Attributes: Encodable {
        var asked: String
        var namesFrom: String
        var attributes: [Attribute]
        var summary: String

        enum CodingKeys: String, CodingKey {
            case asked, attributes, summary
            case namesFrom = "names_from"
        }
    }

    struct Host: Encodable {
        var cpuPMU: Bool
        var kvm: String
        var kvmVPMU: String
        @ExplicitNull var enablePMU: String?
        var reason: String

        enum CodingKeys: String, CodingKey {
            case kvm, reason
            case cpuPMU = "cpu_pmu"
            case kvmVPMU = "kvm_vpmu"
            case enablePMU = "enable_pmu"
        }
    }

    struct Report: Encodable {
        var host: Host
        var pmus: [Row]
        @ExplicitNull var pmuAttributes: Attributes?
        @ExplicitNull var selected: Selection?

        enum CodingKeys: String, CodingKey {
            case host, pmus, selected
            case pmuAttributes = "pmu_attributes"
        }
    }

    func run() throws {
        // Input first: a bad list fails before anything is opened.
        var wanted: CPUSet?
        if let cpus {
            do {
                wanted = try CPUSet(parsing: cpus)
            } catch {
                throw CLIError("--cpus \(cpus): \(error.description)")
            }
        }
        if pmu != nil, wanted == nil { throw CLIError("--pmu \(pmu ?? ""): needs --cpus (the CPUs the VCPU threads may run on)") }
        var assumed: ARM64PMUFeatures?
        if let kvmAttributes {
            do {
                assumed = ARM64PMUFeatures(offered: Set(try CPUSet(parsing: kvmAttributes).map { UInt64($0) }))
            } catch {
                throw CLIError("--kvm-attributes \(kvmAttributes): \(error.description)")
            }
        }
        let names = try attributeNames()
        let inventory = try options.inventory()
        let cores = inventory.corePMUs
        if let wanted { try checkExist(wanted, cores: cores) }

        // KVM must be there and usable: open it once (closed again at once) for a clear error.
        do {
            let device = try KVMDevice(path: devicePath)
            device.close()
        } catch {
            throw CLIError("\(devicePath): " + error.description)
        }

        var (report, asked) = makeReport(cores: cores, assumed: assumed, names: names)
        if let wanted {
            let answer: PMUChoice.Answer
            do {
                answer = try PMUChoice.ladder(from: inventory.pmus, for: wanted, requested: pmu, kernel: asked, names: names)
            } catch {
                throw CLIError("--cpus \(wanted)" + (pmu.map { " --pmu \($0)" } ?? "") + ": \(error.description)")
            }
            let row = answer.pmu.flatMap { pmu in report.pmus.first { $0.name == pmu.name } }
            report.selected = Selection(rung: answer.rung.rawValue, name: answer.pmu?.name, type: answer.pmu?.type,
                                        cpus: answer.pmu?.cpus?.description, allowedCPUs: wanted.description,
                                        vcpuCPUs: answer.cpus.isEmpty ? wanted.description : answer.cpus.description,
                                        settings: answer.settings.map(\.description), kvm: row?.kvm ?? "not-applicable",
                                        reason: answer.reason)
        }
        if options.json {
            try printJSON(report)
            return
        }
        if !report.pmus.isEmpty {
            print(table(["PMU", "TYPE", "CPUS", "KVM", "REASON"], report.pmus.map { row in
                [row.name, String(row.type), row.cpus ?? "all", row.kvm, row.reason]
            }))
            print("")
        }
        if let attributes = report.pmuAttributes {
            print("PMU control group, KVM_HAS_DEVICE_ATTR \(attributes.asked) (names from \(attributes.namesFrom)):")
            print("  \(attributes.summary)")
        }
        if let selected = report.selected {
            let pmuText = selected.name.map { name in
                "\(name) (type \(selected.type.map { String($0) } ?? "?")" + (selected.cpus.map { ", CPUs \($0)" } ?? "") + ")"
            }
            print("ladder for CPUs \(selected.allowedCPUs): \(selected.rung)" + (pmuText.map { ": \($0)" } ?? "")
                + "; VCPU threads on CPUs \(selected.vcpuCPUs); KVM: \(selected.kvm)")
            print("  sets: " + (selected.settings.isEmpty ? "no PMU attribute" : selected.settings.joined(separator: ", ")))
            print("  why: \(selected.reason)")
        }
        let host = report.host
        print("host: " + (host.cpuPMU ? "CPU PMU present" : "no CPU PMU") + "; KVM (\(host.kvm)) vPMU: \(host.kvmVPMU)")
        print("  why: \(host.reason)")
    }

    /// The PMU attribute names: --kvm-header, else on arm64 the installed uapi header, else none.
    func attributeNames() throws -> ARM64PMUAttributeNames {
        var path = kvmHeader
        if path == nil, Self.hostArchitecture == "arm64", FileSystem().exists("/usr/include/aarch64-linux-gnu/asm/kvm.h") {
            path = "/usr/include/aarch64-linux-gnu/asm/kvm.h"
        }
        guard let path else {
            return .none("no arm64 asm/kvm.h (--kvm-header FILE names one)")
        }
        let text: String
        do {
            text = try FileSystem().readText(path)
        } catch {
            throw CLIError("--kvm-header \(path): cannot read it (\(error.description))")
        }
        return ARM64PMUAttributeNames(header: text, source: path)
    }

    /// Fails when `wanted` names CPUs the (recorded) machine does not have: the union of
    /// the core PMUs' CPU lists, or `devices/system/cpu/possible` under the root when a
    /// core PMU has no list (or there is none). Unknown when neither says.
    func checkExist(_ wanted: CPUSet, cores: [PMU]) throws {
        var known: CPUSet?
        var source = ""
        if !cores.isEmpty, cores.allSatisfy({ $0.cpus != nil }) {
            known = cores.reduce(CPUSet([])) { $0.union($1.cpus ?? CPUSet([])) }
            source = "the CPUs of the core PMUs under \(options.root)"
        } else {
            let possible = options.root + "/devices/system/cpu/possible"
            if let text = try? FileSystem().readAttribute(possible), let set = try? CPUSet(parsing: text) {
                known = set
                source = possible
            }
        }
        guard let known else { return }
        let missing = CPUSet(wanted.filter { !known.contains($0) })
        if !missing.isEmpty {
            throw CLIError("--cpus \(wanted): CPU\(missing.count == 1 ? "" : "s") \(missing) do\(missing.count == 1 ? "es" : "") not exist"
                + " on this machine (it has CPUs \(known), from \(source))")
        }
    }

    /// The report without a selection, and the PMU attributes KVM offered (asked of this
    /// host's arm64 KVM, or `assumed` from --kvm-attributes; nil when neither).
    func makeReport(cores: [PMU], assumed: ARM64PMUFeatures?, names: ARM64PMUAttributeNames) -> (Report, ARM64PMUFeatures?) {
        let hostArchitecture = Self.hostArchitecture
        let devices = options.root + "/bus/event_source/devices"
        var rows: [Row] = []
        var host: Host

        let x86State: VirtualPMUReport.X86? = hostArchitecture == "x86"
            ? VirtualPMUReport.x86State(corePMUs: cores.filter { Self.architecture(of: $0) == "x86" }, devicePath: devicePath)
            : nil
        let enableText = x86State.map { state in state.enablePMU.map { $0 ? "Y" : "N" } } ?? nil

        let native = cores.filter { Self.architecture(of: $0) == hostArchitecture }
        var verdicts: [String: (String, String)] = [:]
        var attributes: [String: String] = [:]
        var asked = assumed
        var askedHow = assumed.map { "as --kvm-attributes says, numbers \($0.probed.lowerBound)-\($0.probed.upperBound - 1)" }
        if hostArchitecture == "arm64" {
            for trial in VirtualPMUReport.arm64Trials(corePMUs: native, devicePath: devicePath) {
                if let features = trial.features {
                    attributes[trial.pmu.name] = features.report(names: names)
                    if asked == nil {
                        asked = features
                        askedHow = "on a scratch VCPU, numbers \(features.probed.lowerBound)-\(features.probed.upperBound - 1)"
                    }
                }
                switch trial.verdict {
                case .accepted:
                    verdicts[trial.pmu.name] = ("accepted", "KVM_ARM_VCPU_PMU_V3_SET_PMU with type \(trial.pmu.type) succeeded on a scratch VM")
                case .rejected(let error):
                    verdicts[trial.pmu.name] = ("rejected", "KVM_ARM_VCPU_PMU_V3_SET_PMU refused: " + error.description)
                case .notApplicable(let why):
                    verdicts[trial.pmu.name] = ("not-applicable", why)
                }
            }
        } else if let x86State {
            for pmu in native {
                let (accepted, reason) = x86State.acceptance(of: pmu)
                verdicts[pmu.name] = (accepted ? "accepted" : "rejected", reason)
            }
        }
        for pmu in cores {
            let pmuArchitecture = Self.architecture(of: pmu)
            let verdict = verdicts[pmu.name] ?? ("not-applicable",
                "this host's KVM is \(hostArchitecture); \(pmu.name) is "
                    + (pmuArchitecture == "other" ? "a PMU of another architecture" : "an \(pmuArchitecture) PMU")
                    + " (from \(devices))")
            let reason = verdict.1 + (attributes[pmu.name].map { " (KVM_HAS_DEVICE_ATTR: \($0))" } ?? "")
            rows.append(Row(name: pmu.name, type: pmu.type, cpus: pmu.cpus?.description, kvm: verdict.0, reason: reason,
                            attributes: attributes[pmu.name]))
        }

        if cores.isEmpty {
            var why = "no CPU PMU: \(devices) lists no core PMU (no cpu, cpu_core/cpu_atom or armv8_* device; "
                + "the host is a VM without a virtual PMU, or has no PMU driver); KVM's vPMU is off: "
            if let x86State {
                switch x86State.enablePMU {
                case false?: why += "kvm.enable_pmu=N, and "
                case true?: why += "kvm.enable_pmu=Y, but "
                case nil: why += "kvm.enable_pmu is unreadable (is kvm loaded?), and "
                }
            }
            why += "with no host PMU there is nothing to virtualise"
            host = Host(cpuPMU: false, kvm: hostArchitecture, kvmVPMU: "off", enablePMU: enableText, reason: why)
        } else if native.isEmpty {
            host = Host(cpuPMU: true, kvm: hostArchitecture, kvmVPMU: "not-applicable", enablePMU: enableText,
                        reason: "this host's KVM is \(hostArchitecture) and the core PMUs under \(devices) are not: "
                            + "KVM can judge only its own host's PMUs")
        } else if hostArchitecture == "arm64" {
            let accepted = rows.filter { $0.kvm == "accepted" }.count
            host = Host(cpuPMU: true, kvm: hostArchitecture, kvmVPMU: accepted > 0 ? "on" : "off", enablePMU: nil,
                        reason: "KVM accepts \(accepted) of \(native.count) core PMUs for KVM_ARM_VCPU_PMU_V3_SET_PMU")
        } else if let x86State {
            host = Host(cpuPMU: true, kvm: hostArchitecture, kvmVPMU: x86State.guestsHavePMU ? "on" : "off",
                        enablePMU: enableText, reason: x86State.summary)
        } else {
            host = Host(cpuPMU: true, kvm: hostArchitecture, kvmVPMU: "not-applicable", enablePMU: nil,
                        reason: "pmu kvm knows x86 and arm64 KVM only")
        }

        var pmuAttributes: Attributes?
        if let asked, let askedHow {
            pmuAttributes = Attributes(asked: askedHow, namesFrom: names.source, attributes: asked.probed.map { number in
                Attribute(number: number, name: names.label(of: number), offered: asked.offers(number))
            }, summary: asked.report(names: names))
        }
        return (Report(host: host, pmus: rows, pmuAttributes: pmuAttributes, selected: nil), asked)
    }
}
