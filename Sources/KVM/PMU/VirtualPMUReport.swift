import PerfEvents

/// What KVM on this host offers guests in PMU terms, for `pmu kvm`.
package struct VirtualPMUReport: Hashable, Sendable {
    /// x86 KVM's vPMU state.
    package struct X86: Hashable, Sendable {
        /// `/sys/module/kvm/parameters/enable_pmu` (Y/N), nil when unreadable (kvm not loaded, or not x86).
        package var enablePMU: Bool?
        /// Whether the host has more than one core PMU (Intel hybrid: `cpu_core` + `cpu_atom`);
        /// KVM turns its vPMU off on hybrid hosts (kvm_init_pmu_capability).
        package var hybridHost: Bool
        /// `KVM_CHECK_EXTENSION(KVM_CAP_PMU_CAPABILITY)` on a VM: non-zero while the vPMU is on; nil if not asked.
        package var pmuCapability: Int32?

        /// Whether guests get a vPMU.
        package var guestsHavePMU: Bool {
            (enablePMU ?? false) && !hybridHost && (pmuCapability.map { $0 != 0 } ?? true)
        }

        /// A one-paragraph account.
        package var summary: String {
            var lines: [String] = []
            switch enablePMU {
            case true?: lines.append("kvm.enable_pmu=Y")
            case false?: lines.append("kvm.enable_pmu=N: KVM gives guests no vPMU")
            case nil: lines.append("kvm.enable_pmu unreadable (is the kvm module loaded?)")
            }
            if hybridHost { lines.append("hybrid host (several core PMUs): KVM disables the vPMU on hybrid CPUs") }
            if let pmuCapability { lines.append("KVM_CAP_PMU_CAPABILITY = \(pmuCapability)") }
            lines.append(guestsHavePMU ? "guests get a vPMU" : "guests get no vPMU")
            return lines.joined(separator: "; ")
        }

        /// Whether x86 KVM would back a guest's vPMU with host core PMU `pmu`, and why.
        /// x86 KVM has no per-VM PMU choice: the vPMU is the host core PMU, given to guests
        /// when `enable_pmu` is on and the host is not hybrid.
        package func acceptance(of pmu: PMU) -> (accepted: Bool, reason: String) {
            if hybridHost {
                return (false, "KVM disables its vPMU on hybrid hosts (kvm_init_pmu_capability): guests get no vPMU"
                    + " whichever core PMU (here \(pmu.name), type \(pmu.type)) their VCPU threads run on")
            }
            switch enablePMU {
            case false?:
                return (false, "kvm.enable_pmu=N: KVM gives guests no vPMU (reload kvm with enable_pmu=1)")
            case nil:
                return (false, "kvm.enable_pmu is unreadable: is the kvm module loaded?")
            case true?:
                break
            }
            if let pmuCapability, pmuCapability == 0 {
                return (false, "kvm.enable_pmu=Y but KVM_CAP_PMU_CAPABILITY = 0: KVM's vPMU is off")
            }
            return (true, "kvm.enable_pmu=Y: guests get a vPMU backed by \(pmu.name) (type \(pmu.type))")
        }
    }

    /// What a trial `SET_PMU` said about one host PMU (arm64).
    package enum Verdict: Hashable, Sendable {
        /// KVM took it: a VM can use this PMU.
        case accepted
        /// KVM refused it, with the reason.
        case rejected(KVMError)
        /// The question does not arise (not arm64, no PMUv3, kernel without SET_PMU), with why.
        case notApplicable(String)
    }

    /// One PMU's trial.
    package struct Trial: Hashable, Sendable {
        package var pmu: PMU
        package var verdict: Verdict
        /// What `KVM_HAS_DEVICE_ATTR` said on the scratch VCPU (nil when it could not be asked).
        package var features: ARM64PMUFeatures?
    }

    package var x86: X86?
    package var arm64: [Trial]
}

extension VirtualPMUReport {
    /// Reads x86 KVM's vPMU state: the `enable_pmu` parameter, the hybrid rule and, when
    /// a VM can be created, `KVM_CAP_PMU_CAPABILITY`.
    package static func x86State(corePMUs: [PMU], parameterPath: String = "/sys/module/kvm/parameters/enable_pmu",
                                askKVM: Bool = true, devicePath: String = "/dev/kvm") -> X86 {
        let files = FileSystem()
        var enable: Bool?
        if let text = try? files.readAttribute(parameterPath) {
            enable = text == "Y" || text == "y" || text == "1"
        }
        var capability: Int32?
        if askKVM, let vm = try? VirtualMachine(path: devicePath) {
            capability = try? vm.checkExtension(KVMCapability.pmuCapability)
            vm.close()
        }
        let cores = corePMUs.filter { $0.isCore }
        return X86(enablePMU: enable, hybridHost: cores.count > 1, pmuCapability: capability)
    }

    /// For each core PMU: a scratch VM with one VCPU initialised with PMUv3, asked whether
    /// it knows `SET_PMU` and then given the PMU's type. Nothing runs.
    /// `devicePath` is the KVM device to open (normally `/dev/kvm`).
    package static func arm64Trials(corePMUs: [PMU], devicePath: String = "/dev/kvm") -> [Trial] {
        let system = SystemCalls.current
        return corePMUs.filter { $0.isCore }.map { pmu in
            let (verdict, features) = trial(pmu, system: system, devicePath: devicePath)
            return Trial(pmu: pmu, verdict: verdict, features: features)
        }
    }

    static func trial(_ pmu: PMU, system: SystemCalls, devicePath: String = "/dev/kvm") -> (Verdict, ARM64PMUFeatures?) {
        let vm: VirtualMachine
        do { vm = try VirtualMachine(path: devicePath) } catch { return (.notApplicable(error.description), nil) }
        defer { vm.close() }
        let features: ARM64PMUFeatures
        do {
            guard try vm.supportsARMPMUv3() else {
                return (.notApplicable("not an arm64 KVM with PMUv3 (KVM_CAP_ARM_PMU_V3 = 0)"), nil)
            }
            var initial = try vm.armPreferredTarget()
            initial.set(feature: ARM64VCPUInit.pmuV3Feature)
            let vcpu = try vm.createVCPU()
            try vcpu.armInitialise(initial)
            features = try vcpu.armPMUFeatures()
        } catch {
            // Not arm64, no PMUv3, or the VCPU could not be set up: SET_PMU cannot be tried.
            return (.notApplicable(error.description), nil)
        }
        guard features.canPinPMU else {
            return (.notApplicable(ARM64PMUFeatures.missingExplanation(.setPMU, pmu: pmu.name, cpus: pmu.cpus?.description)), features)
        }
        do {
            try vm.setARMPMU(type: pmu.type)
            return (.accepted, features)
        } catch {
            return (.rejected(error), features)
        }
    }
}
