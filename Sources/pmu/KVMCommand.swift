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
            disables the vPMU on hybrid hosts). --cpus LIST names the CPUs the VCPU threads may run on \
            and shows the one PMU that covers them (a VM has one PMU). With --sysfs-root the PMUs and \
            the selection come from the recorded tree, while the verdicts are this host's KVM's.

            Examples:
              pmu kvm
              pmu kvm --cpus 4-5 --json
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: ArgumentHelp("CPUs the VCPU threads may run on, such as 4-5 or 0,2.", valueName: "LIST"))
    var cpus: String?

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

    struct Selection: Encodable {
        var name: String
        var type: UInt32
        @ExplicitNull var cpus: String?
        var vcpuCPUs: String
        var kvm: String
        var reason: String

        enum CodingKeys: String, CodingKey {
            case name, type, cpus, kvm, reason
            case vcpuCPUs = "vcpu_cpus"
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
        @ExplicitNull var selected: Selection?

        enum CodingKeys: String, CodingKey { case host, pmus, selected }
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
        let inventory = try options.inventory()
        let cores = inventory.corePMUs
        if let wanted { try checkExist(wanted, cores: cores) }

        var binding: PMUBinding?
        if let wanted {
            do {
                binding = try PMUBinding.choose(from: inventory.pmus, for: wanted)
            } catch {
                throw CLIError("--cpus \(wanted): \(error.description)")
            }
        }

        // KVM must be there and usable: open it once (closed again at once) for a clear error.
        do {
            let device = try KVMDevice(path: devicePath)
            device.close()
        } catch {
            throw CLIError("\(devicePath): " + error.description)
        }

        let report = makeReport(cores: cores, binding: binding)
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
        if let selected = report.selected {
            print("selected for CPUs \(selected.vcpuCPUs): \(selected.name) (type \(selected.type)"
                + (selected.cpus.map { ", CPUs \($0)" } ?? "") + "), KVM: \(selected.kvm)")
            print("  why: \(selected.reason)")
        }
        let host = report.host
        print("host: " + (host.cpuPMU ? "CPU PMU present" : "no CPU PMU") + "; KVM (\(host.kvm)) vPMU: \(host.kvmVPMU)")
        print("  why: \(host.reason)")
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

    func makeReport(cores: [PMU], binding: PMUBinding?) -> Report {
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
        if hostArchitecture == "arm64" {
            for trial in VirtualPMUReport.arm64Trials(corePMUs: native, devicePath: devicePath) {
                if let features = trial.features { attributes[trial.pmu.name] = features.summary }
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

        var selection: Selection?
        if let binding {
            let row = rows.first { $0.name == binding.pmu.name }
            selection = Selection(name: binding.pmu.name, type: binding.type, cpus: binding.pmu.cpus?.description,
                                  vcpuCPUs: binding.cpus.description, kvm: row?.kvm ?? "not-applicable",
                                  reason: binding.reason)
        }
        return Report(host: host, pmus: rows, selected: selection)
    }
}
