import Foundation
import Testing
import PerfEvents

/// `pmu kvm` as a user runs it: this machine's KVM, recorded machines for the PMU choice.
@Suite(.timeLimit(.minutes(2))) struct KVMCommandTests {
    /// Read from this host's sysfs and /dev at test time.
    static var hasCorePMU: Bool { LiveHost.hasCorePMU }
    static var kvmUsable: Bool { LiveHost.kvmUsable }
    /// /dev/kvm closed to other users (mode 0660 root:kvm, as distributions ship it).
    static var kvmClosedToOthers: Bool {
        let mode = (try? FileManager.default.attributesOfItem(atPath: "/dev/kvm"))?[.posixPermissions] as? Int
        return mode.map { $0 & 0o006 == 0 } ?? false
    }

    func object(_ arguments: [String]) throws -> [String: Any] {
        let result = try CLI.run(["kvm", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [String: Any])
    }

    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"),
          .enabled(if: !hasCorePMU, "this host has a CPU PMU: thisMachinesCorePMUsAreListed runs instead"))
    func thisMachineHasNoCPUPMUAndNoVirtualPMU() throws {
        let parameter = CLI.read("/sys/module/kvm/parameters/enable_pmu")
        let report = try object([])
        let host = try #require(report["host"] as? [String: Any])
        #expect(host["cpu_pmu"] as? Bool == false)
        #expect(host["kvm_vpmu"] as? String == "off")
        let reason = try #require(host["reason"] as? String)
        #expect(reason.contains("no CPU PMU"))
        #expect(reason.contains("nothing to virtualise"))
        if let parameter {
            #expect(host["enable_pmu"] as? String == parameter)
            #expect(reason.contains("kvm.enable_pmu=\(parameter)"))
        }
        #expect((report["pmus"] as? [Any])?.isEmpty == true)
        #expect(report["selected"] is NSNull)

        let text = try CLI.run(["kvm"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("no CPU PMU"))
        #expect(text.stdout.contains("vPMU: off"))
        #expect(text.stdout.contains("nothing to virtualise"))
        if parameter == "N" { #expect(text.stdout.contains("enable_pmu=N")) }

        // Asking for a PMU on a host that has none: the ladder's last rung, no PMU, and why.
        let none = try object(["--cpus", "0"])
        let selected = try #require(none["selected"] as? [String: Any])
        #expect(selected["rung"] as? String == "none" && selected["name"] is NSNull)
        #expect((selected["reason"] as? String)?.contains("no CPU PMU") == true)
    }

    /// The working path of the test above: a host with core PMUs (read from its sysfs
    /// now) lists each of them with the type its `type` file says.
    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"),
          .enabled(if: hasCorePMU, "this host has no CPU PMU (a VM without a virtual PMU)"))
    func thisMachinesCorePMUsAreListed() throws {
        let cores = try SysfsTree.live.coreDevices()
        let report = try object([])
        let host = try #require(report["host"] as? [String: Any])
        #expect(host["cpu_pmu"] as? Bool == true)
        #expect((host["reason"] as? String)?.isEmpty == false)
        let rows = try #require(report["pmus"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == cores.map(\.name))
        #expect(rows.compactMap { $0["type"] as? Int } == cores.map { Int($0.type) })
        #expect(rows.allSatisfy { ["accepted", "rejected", "not-applicable"].contains($0["kvm"] as? String ?? "") }, "\(rows)")
    }

    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"), arguments: [("4-5", "armv8_cortex_a72", 8, "4-5"), ("0-3", "armv8_cortex_a53", 7, "0-3"),
                                              ("4", "armv8_cortex_a72", 8, "4-5")])
    func rk3399Selection(cpus: String, name: String, type: Int, pmuCPUs: String) throws {
        let report = try object(["--sysfs-root", CLI.fixture("rk3399"), "--cpus", cpus])
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["name"] as? String == name)
        #expect(selected["type"] as? Int == type)
        #expect(selected["cpus"] as? String == pmuCPUs)
        #expect(selected["vcpu_cpus"] as? String == cpus)
        #expect(selected["rung"] as? String == "covering")
        #expect((selected["reason"] as? String)?.contains("\(name) (type \(type), CPUs \(pmuCPUs)) covers every allowed CPU (\(cpus))") == true)
        let rows = try #require(report["pmus"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(rows.map { $0["type"] as? Int } == [7, 8])
        #if arch(x86_64)
        // The KVM part is this host's: an x86 KVM cannot judge arm64 PMUs.
        for row in rows {
            #expect(row["kvm"] as? String == "not-applicable")
            #expect((row["reason"] as? String)?.hasPrefix("this host's KVM is x86") == true)
        }
        #expect((report["host"] as? [String: Any])?["kvm_vpmu"] as? String == "not-applicable")
        #endif
    }

    /// The PMU choice ladder on recorded big.LITTLE trees, for CPUs inside one cluster,
    /// across both and all CPUs, with the KVM_HAS_DEVICE_ATTR answers and header of
    /// 5.10, 7.3 and a hypothetical kernel with fixed counters only (attribute 5).
    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"), arguments: [
        // (tree, CPUs, offered, header, rung, PMU, VCPU CPUs, settings, words of the reason)
        ("rk3399", "4-5", "0-2", "5.10", "covering", "armv8_cortex_a72", "4-5", [String](), "offers no SET_PMU"),
        ("rk3399", "4-5", "0-4", "7.3", "covering", "armv8_cortex_a72", "4-5", ["KVM_ARM_VCPU_PMU_V3_SET_PMU=8"], "covers every allowed CPU (4-5)"),
        ("rk3399", "3-4", "0-4", "7.3", "restricted", "armv8_cortex_a53", "3", ["KVM_ARM_VCPU_PMU_V3_SET_PMU=7"],
         "a tie with armv8_cortex_a72: the lower type"),
        ("rk3399", "0-5", "0-4", "7.3", "restricted", "armv8_cortex_a53", "0-3", ["KVM_ARM_VCPU_PMU_V3_SET_PMU=7"],
         "name no KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY"),
        ("rk3399", "0-5", "0-3,5", "fixed-counters", "fixed-counters-only", nil, "0-5", ["KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY"],
         "the guest gets the cycle counter only"),
        ("juno", "0-5", "0-4", "7.3", "restricted", "armv8_cortex_a53", "0,3-5", ["KVM_ARM_VCPU_PMU_V3_SET_PMU=8"], "has 4"),
        ("juno", "1-2", "0-3", "6.12", "covering", "armv8_cortex_a72", "1-2", ["KVM_ARM_VCPU_PMU_V3_SET_PMU=7"], "covers every allowed CPU"),
    ] as [(String, String, String, String, String, String?, String, [String], String)])
    func ladder(tree: String, cpus: String, offered: String, header: String, rung: String, pmu: String?, vcpuCPUs: String,
                settings: [String], reason: String) throws {
        let arguments = ["--sysfs-root", CLI.fixture(tree), "--cpus", cpus, "--kvm-attributes", offered,
                         "--kvm-header", CLI.fixture("../uapi/arm64-kvm-\(header).h")]
        let report = try object(arguments)
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["rung"] as? String == rung)
        #expect(selected["name"] as? String == pmu)
        #expect(selected["allowed_cpus"] as? String == cpus)
        #expect(selected["vcpu_cpus"] as? String == vcpuCPUs)
        #expect(selected["settings"] as? [String] == settings)
        #expect((selected["reason"] as? String)?.contains(reason) == true, "\(selected)")
        let attributes = try #require((report["pmu_attributes"] as? [String: Any])?["attributes"] as? [[String: Any]])
        #expect(attributes.count == 16)
        #expect(attributes.filter { $0["offered"] as? Bool == true }.compactMap { $0["number"] as? Int }
                == (try CPUSet(parsing: offered)).map { $0 })

        let text = try CLI.run(["kvm"] + arguments)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("ladder for CPUs \(cpus): \(rung)" + (pmu.map { ": \($0) (type" } ?? ";")), "\(text.stdout)")
        #expect(text.stdout.contains("VCPU threads on CPUs \(vcpuCPUs);"))
        #expect(text.stdout.contains("  sets: " + (settings.isEmpty ? "no PMU attribute" : settings.joined(separator: ", "))))
        #expect(text.stdout.contains("  why: ") && text.stdout.contains(reason))
    }

    /// Numbers the header does not name are "unknown attribute N", never given a meaning.
    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"))
    func attributesAreNamedOnlyFromTheHeader() throws {
        let base = ["kvm", "--sysfs-root", CLI.fixture("rk3399"), "--kvm-attributes", "0-4"]
        let old = try CLI.run(base + ["--kvm-header", CLI.fixture("../uapi/arm64-kvm-5.10.h")])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.stdout.contains("2 KVM_ARM_VCPU_PMU_V3_FILTER=yes 3 unknown attribute 3=yes 4 unknown attribute 4=yes"), "\(old.stdout)")
        let none = try CLI.run(base)
        #expect(none.stdout.contains("0 unknown attribute 0=yes"))
        #expect(none.stdout.contains("names from no arm64 asm/kvm.h"))
        let missing = try CLI.run(base + ["--kvm-header", "/nonexistent/kvm.h"])
        #expect(missing.status != 0 && missing.stderr.contains("--kvm-header /nonexistent/kvm.h"))
    }

    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"))
    func theCallersPMUAndItsErrors() throws {
        let base = ["--sysfs-root", CLI.fixture("rk3399"), "--kvm-attributes", "0-4"]
        let report = try object(base + ["--cpus", "0-5", "--pmu", "armv8_cortex_a72"])
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["rung"] as? String == "callers-pmu" && selected["vcpu_cpus"] as? String == "4-5")
        let outside = try CLI.run(["kvm"] + base + ["--cpus", "0-3", "--pmu", "armv8_cortex_a72"])
        #expect(outside.status != 0 && outside.stderr.contains("has none of CPUs 0-3"), "\(outside.stderr)")
        let unknown = try CLI.run(["kvm"] + base + ["--cpus", "0-3", "--pmu", "cpu"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no core PMU is named cpu"))
        let noCPUs = try CLI.run(["kvm"] + base + ["--pmu", "armv8_cortex_a72"])
        #expect(noCPUs.status != 0 && noCPUs.stderr.contains("needs --cpus"))
    }

    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"))
    func alderLakeAtomCores() throws {
        let report = try object(["--sysfs-root", CLI.fixture("alderlake"), "--cpus", "16-27"])
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["name"] as? String == "cpu_atom")
        #expect(selected["type"] as? Int == 10)
        #expect(selected["cpus"] as? String == "16-27")
        let rows = try #require(report["pmus"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["cpu_core", "cpu_atom"])
        #if arch(x86_64)
        // x86 KVM turns its vPMU off on hybrid hosts, whatever enable_pmu says.
        for row in rows {
            #expect(row["kvm"] as? String == "rejected")
            #expect((row["reason"] as? String)?.contains("hybrid") == true)
        }
        #expect(selected["kvm"] as? String == "rejected")
        #endif
        // Straddling both: the ladder restricts to one (a tie: the lower type, cpu_core).
        let straddle = try object(["--sysfs-root", CLI.fixture("alderlake"), "--cpus", "15-16"])
        let restricted = try #require(straddle["selected"] as? [String: Any])
        #expect(restricted["rung"] as? String == "restricted" && restricted["name"] as? String == "cpu_core")
        #expect((restricted["reason"] as? String)?.contains("span cpu_core (15) and cpu_atom (16)") == true)
    }

    @Test(arguments: [
        ("0-2x", "'2x' is not a CPU number"), ("", "--cpus"), ("3-1", "--cpus 3-1"), ("-1", "--cpus -1"),
        ("6-7", "CPUs 6-7 do not exist"), ("2,99", "CPU 99 does not exist"),
    ])
    func badCPUListsAreClearErrors(list: String, message: String) throws {
        let result = try CLI.run(["kvm", "--sysfs-root", CLI.fixture("rk3399"), "--cpus=\(list)"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func cpusThisMachineLacks() throws {
        let possible = try #require(CLI.read("/sys/devices/system/cpu/possible"))
        let last = try #require(possible.split(whereSeparator: { $0 == "-" || $0 == "," }).last.flatMap({ Int($0) }), "\(possible)")
        let result = try CLI.run(["kvm", "--cpus", "\(last + 1)"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("CPU \(last + 1) does not exist"))
        #expect(result.stderr.contains("/sys/devices/system/cpu/possible"))
    }

    @Test func missingOrWrongKVMDevice() throws {
        let missing = try CLI.run(["kvm", "--kvm-device", "/nonexistent/kvm"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/kvm"))
        #expect(missing.stderr.contains("KVM not available"))
        #expect(missing.stdout.isEmpty)
        let fromEnvironment = try CLI.run(["kvm", "--sysfs-root", CLI.fixture("rk3399"), "--cpus", "4-5", "--json"],
                                          environment: ["PMU_KVM_DEVICE": "/nonexistent/kvm"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.stderr.contains("ENOENT"))
        #expect(fromEnvironment.stdout.isEmpty)
        // A device that is no KVM (it does not know KVM_GET_API_VERSION).
        let notKVM = try CLI.run(["kvm", "--kvm-device", "/dev/null"])
        #expect(notKVM.status != 0)
        #expect(notKVM.stderr.contains("/dev/null") && notKVM.stderr.contains("KVM_GET_API_VERSION"))
    }

    /// As an unprivileged user (nobody), /dev/kvm (mode 0660 root:kvm) cannot be opened.
    @Test(.enabled(if: getuid() == 0, "not root: cannot switch to nobody"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "no /usr/bin/setpriv"),
          .enabled(if: kvmUsable, "no usable /dev/kvm"),
          // World-accessible /dev/kvm: there is nothing to refuse.
          .enabled(if: kvmClosedToOthers, "/dev/kvm is open to every user here"))
    func deviceWithoutPermission() throws {
        let pmu = CLI.productsDirectory.appendingPathComponent("pmu").path
        let result = try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", pmu, "kvm"],
                                 executable: "/usr/bin/setpriv")
        #expect(result.status != 0)
        #expect(result.stderr.contains("no permission to use /dev/kvm"), "\(result.stderr)")
        #expect(result.stderr.contains("EACCES"))
        #expect(result.stdout.isEmpty)
    }
}
