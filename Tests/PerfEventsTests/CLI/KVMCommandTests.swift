import Foundation
import Testing

/// `pmu kvm` as a user runs it: this machine's KVM, recorded machines for the PMU choice.
@Suite struct KVMCommandTests {
    static let devices = "/sys/bus/event_source/devices"
    static var hasCorePMU: Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []
        return names.contains("cpu") || names.contains { FileManager.default.fileExists(atPath: "\(devices)/\($0)/cpus") }
    }
    static var kvmUsable: Bool { FileManager.default.isReadableFile(atPath: "/dev/kvm") }

    func object(_ arguments: [String]) throws -> [String: Any] {
        let result = try CLI.run(["kvm", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [String: Any])
    }

    @Test(.enabled(if: kvmUsable && !hasCorePMU, "this machine: KVM without a host CPU PMU"))
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

        // Asking for a PMU on a host that has none is refused.
        let refused = try CLI.run(["kvm", "--cpus", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no CPU PMU"))
    }

    @Test(.enabled(if: kvmUsable), arguments: [("4-5", "armv8_cortex_a72", 9, "4-5"), ("0-3", "armv8_cortex_a53", 8, "0-3"),
                                              ("4", "armv8_cortex_a72", 9, "4-5")])
    func rk3399Selection(cpus: String, name: String, type: Int, pmuCPUs: String) throws {
        let report = try object(["--sysfs-root", CLI.fixture("rk3399"), "--cpus", cpus])
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["name"] as? String == name)
        #expect(selected["type"] as? Int == type)
        #expect(selected["cpus"] as? String == pmuCPUs)
        #expect(selected["vcpu_cpus"] as? String == cpus)
        #expect((selected["reason"] as? String)?.contains(cpus.count == 1 ? "CPU \(cpus) belongs to \(name)" : "CPUs \(cpus) all belong to \(name)") == true)
        let rows = try #require(report["pmus"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["armv8_cortex_a53", "armv8_cortex_a72"])
        #expect(rows.map { $0["type"] as? Int } == [8, 9])
        #if arch(x86_64)
        // The KVM part is this host's: an x86 KVM cannot judge arm64 PMUs.
        for row in rows {
            #expect(row["kvm"] as? String == "not-applicable")
            #expect((row["reason"] as? String)?.hasPrefix("this host's KVM is x86") == true)
        }
        #expect((report["host"] as? [String: Any])?["kvm_vpmu"] as? String == "not-applicable")
        #endif
    }

    @Test(.enabled(if: kvmUsable))
    func straddlingCPUsFailNamingBothPMUs() throws {
        for json in [true, false] {
            let result = try CLI.run(["kvm", "--sysfs-root", CLI.fixture("rk3399"), "--cpus", "3-4"] + (json ? ["--json"] : []))
            #expect(result.status != 0)
            #expect(result.stderr.contains("armv8_cortex_a53") && result.stderr.contains("armv8_cortex_a72"), "\(result.stderr)")
            #expect(result.stderr.contains("straddle"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(.enabled(if: kvmUsable))
    func alderLakeAtomCores() throws {
        let report = try object(["--sysfs-root", CLI.fixture("alderlake"), "--cpus", "16-23"])
        let selected = try #require(report["selected"] as? [String: Any])
        #expect(selected["name"] as? String == "cpu_atom")
        #expect(selected["type"] as? Int == 10)
        #expect(selected["cpus"] as? String == "16-23")
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
        let straddle = try CLI.run(["kvm", "--sysfs-root", CLI.fixture("alderlake"), "--cpus", "15-16"])
        #expect(straddle.status != 0)
        #expect(straddle.stderr.contains("cpu_core") && straddle.stderr.contains("cpu_atom"))
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
        guard let possible = CLI.read("/sys/devices/system/cpu/possible"),
              let last = possible.split(whereSeparator: { $0 == "-" || $0 == "," }).last.flatMap({ Int($0) }) else { return }
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
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && kvmUsable))
    func deviceWithoutPermission() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: "/dev/kvm")
        let mode = (attributes[.posixPermissions] as? Int) ?? 0
        guard mode & 0o006 == 0 else { return }  // world-accessible: nothing to refuse
        let pmu = CLI.productsDirectory.appendingPathComponent("pmu").path
        let result = try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", pmu, "kvm"],
                                 executable: "/usr/bin/setpriv")
        #expect(result.status != 0)
        #expect(result.stderr.contains("no permission to use /dev/kvm"), "\(result.stderr)")
        #expect(result.stderr.contains("EACCES"))
        #expect(result.stdout.isEmpty)
    }
}
