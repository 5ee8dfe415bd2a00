import PerfEvents

/// What a VM's virtual PMU is given, and the one order KVM accepts it in:
///
/// 1. `SET_PMU` (VM-wide, through the first VCPU): the host PMU behind the guest's;
///    it resets the counter count and is refused (EBUSY) once a filter for another
///    PMU exists, so it comes first;
/// 2. `FILTER` (VM-wide), one call per ``PMUEventFilter``, in order;
/// 3. `SET_NR_COUNTERS` (VM-wide); on a kernel without it (before 6.16) the same limit
///    goes through PMCR_EL0.N with `KVM_SET_ONE_REG` after the steps (6.7+ lets
///    userspace write N before the first run), see `counterCountRoute(features:)`;
/// 4. `IRQ` on every VCPU (needs the in-kernel vGIC);
/// 5. `INIT` on every VCPU (with a vGIC: after `KVM_DEV_ARM_VGIC_CTRL_INIT`).
///
/// `steps` is that order (pure); ``VirtualMachine/prepareARM64(vcpuCount:entry:pmu:vgic:)``
/// applies it after asking `KVM_HAS_DEVICE_ATTR` for each optional attribute, so a
/// kernel without one is refused up front with the release that added it.
public struct ARM64PMUConfiguration: Hashable, Sendable {
    /// One step: the attribute, whether it is set on every VCPU or once for the VM,
    /// and its value's bytes (nil: no value).
    package struct Step: Hashable, Sendable {
        package var attribute: ARM64PMUAttribute
        package var everyVCPU: Bool
        package var value: [UInt8]?
    }

    /// `SET_PMU` with this perf type; nil keeps KVM's default (the PMU of the CPU
    /// that initialised the VCPU, on 5.18+; before, whatever perf picks for each event).
    public var pmuType: UInt32?
    /// The PMU's name and CPUs, for messages (from discovery).
    public var pmuName: String?
    /// The CPUs the PMU covers, for messages (from discovery).
    public var pmuCPUs: CPUSet?
    /// Event filters, applied in order (the first sets the default for the others).
    public var filters: [PMUEventFilter]
    /// How many event counters the guest sees (PMCR_EL0.N): `SET_NR_COUNTERS`, or the register.
    public var counterCount: UInt32?

    /// How ``counterCount`` reaches KVM.
    public enum CounterCountRoute: String, Hashable, Sendable {
        /// `KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS` (Linux 6.16+).
        case attribute = "SET_NR_COUNTERS"
        /// PMCR_EL0.N written with `KVM_SET_ONE_REG` after SET_PMU and INIT, before the first
        /// run, and read back (Linux 6.7+).
        case register = "PMCR_EL0.N"
        /// Neither: before 6.7 PMCR_EL0.N is not userspace's (the library refuses).
        case none = "none"
    }

    /// The way ``VirtualMachine/prepareARM64(vcpuCount:entry:pmu:vgic:)`` applies
    /// ``counterCount`` (nil: no limit asked): the attribute where KVM_HAS_DEVICE_ATTR offers
    /// it, else the register where `pmcrWritable` (the VM's
    /// ``VirtualMachine/userspaceSetsPMCRCounterCount()``), else none.
    package func counterCountRoute(features: ARM64PMUFeatures, pmcrWritable: Bool) -> CounterCountRoute? {
        guard counterCount != nil else { return nil }
        if features.has(.setCounterCount) { return .attribute }
        return pmcrWritable ? .register : CounterCountRoute.none
    }
    /// The overflow interrupt's INTID (``VGICv3/pmuInterrupt``); needs a vGIC.
    public var interrupt: UInt32?

    /// A configuration with each part given, or left out: KVM's default PMU, no filter, KVM's counter count, no interrupt.
    public init(pmuType: UInt32? = nil, pmuName: String? = nil, pmuCPUs: CPUSet? = nil, filters: [PMUEventFilter] = [],
                counterCount: UInt32? = nil, interrupt: UInt32? = nil) {
        self.pmuType = pmuType
        self.pmuName = pmuName
        self.pmuCPUs = pmuCPUs
        self.filters = filters
        self.counterCount = counterCount
        self.interrupt = interrupt
    }

    /// The binding's PMU (type, name and CPUs).
    public init(binding: PMUBinding, filters: [PMUEventFilter] = [], counterCount: UInt32? = nil, interrupt: UInt32? = nil) {
        self.init(pmuType: binding.type, pmuName: binding.pmu.name, pmuCPUs: binding.pmu.cpus ?? binding.cpus,
                  filters: filters, counterCount: counterCount, interrupt: interrupt)
    }

    /// The optional attributes this configuration uses (each must pass `KVM_HAS_DEVICE_ATTR`).
    package var optionalAttributes: [ARM64PMUAttribute] {
        var attributes: [ARM64PMUAttribute] = []
        if pmuType != nil { attributes.append(.setPMU) }
        if !filters.isEmpty { attributes.append(.filter) }
        if counterCount != nil { attributes.append(.setCounterCount) }
        return attributes
    }

    /// The calls in KVM's order.
    package var steps: [Step] {
        var steps: [Step] = []
        if let pmuType { steps.append(Step(attribute: .setPMU, everyVCPU: false, value: Self.int32Bytes(pmuType))) }
        for filter in filters { steps.append(Step(attribute: .filter, everyVCPU: false, value: filter.bytes)) }
        if let counterCount { steps.append(Step(attribute: .setCounterCount, everyVCPU: false, value: Self.int32Bytes(counterCount))) }
        if let interrupt { steps.append(Step(attribute: .irq, everyVCPU: true, value: Self.int32Bytes(interrupt))) }
        steps.append(Step(attribute: .initialise, everyVCPU: true, value: nil))
        return steps
    }

    /// Refuses, before any call, what no kernel would take or this one lacks:
    /// a filter outside the event space, an interrupt without a vGIC or outside
    /// PPI/SPI range, and any optional attribute `features` does not have.
    package func check(features: ARM64PMUFeatures, hasVGIC: Bool) throws(KVMError) {
        for filter in filters {
            if let problem = filter.problem { throw KVMError(.invalidConfiguration(problem), call: ARM64PMUAttribute.filter.name) }
        }
        if let interrupt {
            guard hasVGIC else {
                throw KVMError(.invalidConfiguration("the PMU interrupt (INTID \(interrupt)) needs an in-kernel vGIC: create one first"),
                               call: ARM64PMUAttribute.irq.name)
            }
            guard (16..<32).contains(interrupt) || (32..<1020).contains(interrupt) else {
                throw KVMError(.invalidConfiguration("INTID \(interrupt) is neither a PPI (16-31) nor an SPI (32-1019)"),
                               call: ARM64PMUAttribute.irq.name)
            }
        }
        guard features.has(.initialise) else {
            throw KVMError(.noPMUv3, call: "KVM_HAS_DEVICE_ATTR " + ARM64PMUAttribute.initialise.name)
        }
        if let counterCount, counterCount > 31 {
            throw KVMError(.invalidConfiguration("\(counterCount) event counters: PMCR_EL0.N has 5 bits (at most 31)"),
                           call: ARM64PMUAttribute.setCounterCount.name)
        }
        // A missing SET_NR_COUNTERS is not refused: the limit then goes through PMCR_EL0.N.
        for attribute in optionalAttributes where !features.has(attribute) && attribute != .setCounterCount {
            throw KVMError(.attributeUnsupported(attribute, explanation: ARM64PMUFeatures.missingExplanation(
                attribute, pmu: pmuName ?? pmuType.map { "PMU type \($0)" }, cpus: pmuCPUs?.description)),
                call: "KVM_HAS_DEVICE_ATTR " + attribute.name)
        }
    }

    static func int32Bytes(_ value: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4)
        ByteImage.store(value, at: 0, in: &bytes)
        return bytes
    }
}
