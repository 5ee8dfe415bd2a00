import Foundation
import Testing

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

        // Asking for a PMU on a host that has none is refused.
        let refused = try CLI.run(["kvm", "--cpus", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no CPU PMU"))
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
        #expect((selected["reason"] as? String)?.contains(cpus.count == 1 ? "CPU \(cpus) belongs to \(name)" : "CPUs \(cpus) all belong to \(name)") == true)
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

    @Test(.enabled(if: kvmUsable, "no usable /dev/kvm"))
    func straddlingCPUsFailNamingBothPMUs() throws {
        for json in [true, false] {
            let result = try CLI.run(["kvm", "--sysfs-root", CLI.fixture("rk3399"), "--cpus", "3-4"] + (json ? ["--json"] : []))
            #expect(result.status != 0)
            #expect(result.stderr.contains("armv8_cortex_a53") && result.stderr.contains("armv8_cortex_a72"), "\(result.stderr)")
            #expect(result.stderr.contains("straddle"))
            #expect(result.stdout.isEmpty)
        }
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
