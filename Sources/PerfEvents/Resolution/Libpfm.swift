// libpfm4 encodes into the kernel's `perf_event_attr` (from CPerfEvents): the
// CLibpfm module deliberately leaves out libpfm's own older copy of that
// struct, which clang cannot merge with the kernel's (see CLibpfm/shim.h).
// CLibpfm is there only with the package's Libpfm trait (on by default).
#if Libpfm
import CLibpfm
import CPerfEvents
#endif

/// libpfm4, which knows the event tables of many CPUs
/// (`amd64_fam19h_zen3::RETIRED_INSTRUCTIONS`, `adl_glc::INST_RETIRED:ANY`).
///
/// The library is initialized once per process (thread-safe, on first use).
/// libpfm detects the CPU through CPUID/`/proc/cpuinfo`; where it detects
/// none (a CPU newer than its tables, or a guest without a PMU) its tables can
/// still be reached by setting `LIBPFM_FORCE_PMU=<pmu>` in the environment
/// before the first use.
///
/// libpfm4 is compiled in with the package's `Libpfm` trait, on by default.
/// Built without it (`.package(…, traits: [])`, so that libpfm4 need not be
/// installed), the type keeps the same API and every operation throws
/// ``LibpfmError/notBuiltIn(input:)``.
public struct Libpfm: Sendable {
    /// libpfm4 for this process; nothing is initialized until first use.
    public init() {}

    /// Whether libpfm4 is compiled in (the package's `Libpfm` trait).
    public static var isBuiltIn: Bool {
        #if Libpfm
        return true
        #else
        return false
        #endif
    }

    #if Libpfm
    /// libpfm's own result of `pfm_initialize`, computed once.
    private static let initialization: Int32 = pfm_initialize()

    /// Makes sure `pfm_initialize` succeeded.
    package func initialize() throws(LibpfmError) {
        let result = Self.initialization
        if result != PFM_SUCCESS {
            throw LibpfmError(input: "", code: result, message: Self.message(result))
        }
    }

    /// Encodes an event string for `perf_event_open` (`PFM_OS_PERF_EVENT_EXT`),
    /// counting at user and kernel level unless the string says otherwise.
    package func encode(_ text: String) throws(LibpfmError) -> LibpfmEncoding {
        try initialize()
        var attr = perf_event_attr()
        attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
        var eventIndex: Int32 = -1
        var qualified: UnsafeMutablePointer<CChar>? = nil
        let result: Int32 = withUnsafeMutablePointer(to: &attr) { attrPointer in
            withUnsafeMutablePointer(to: &qualified) { qualifiedPointer in
                var argument = cpfm_perf_encode_arg_t()
                argument.attr = UnsafeMutableRawPointer(attrPointer)
                argument.fstr = qualifiedPointer
                argument.size = MemoryLayout<cpfm_perf_encode_arg_t>.size
                let plm = Int32(PFM_PLM0) | Int32(PFM_PLM3)
                let code = withUnsafeMutablePointer(to: &argument) { argumentPointer in
                    text.withCString { pfm_get_os_event_encoding($0, plm, PFM_OS_PERF_EVENT_EXT, argumentPointer) }
                }
                if code == PFM_SUCCESS { eventIndex = argument.idx }
                return code
            }
        }
        defer { if let qualified { cpfm_free(qualified) } }
        if result != PFM_SUCCESS {
            throw LibpfmError(input: text, code: result, message: Self.message(result))
        }
        let attributes = EventAttributes(
            type: attr.type, config: attr.config, config1: attr.config1, config2: attr.config2,
            excludeUser: attr.exclude_user != 0, excludeKernel: attr.exclude_kernel != 0,
            excludeHypervisor: attr.exclude_hv != 0, excludeGuest: attr.exclude_guest != 0,
            excludeHost: attr.exclude_host != 0, excludeIdle: attr.exclude_idle != 0,
            precise: UInt8(truncatingIfNeeded: attr.precise_ip), exclusive: attr.exclusive != 0)
        return LibpfmEncoding(
            attributes: attributes, qualifiedName: qualified.map { String(cString: $0) } ?? text,
            pmu: pmuName(ofEvent: eventIndex) ?? "")
    }

    /// The name of the libpfm PMU an event index belongs to.
    private func pmuName(ofEvent index: Int32) -> String? {
        var event = pfm_event_info_t()
        event.size = MemoryLayout<pfm_event_info_t>.size
        guard pfm_get_event_info(index, PFM_OS_PERF_EVENT_EXT, &event) == PFM_SUCCESS else { return nil }
        var info = pfm_pmu_info_t()
        info.size = MemoryLayout<pfm_pmu_info_t>.size
        guard pfm_get_pmu_info(event.pmu, &info) == PFM_SUCCESS, let name = info.name else { return nil }
        return String(cString: name)
    }

    /// The PMUs libpfm found on this machine (`is_present`).
    package func presentPMUs() throws(LibpfmError) -> [LibpfmPMU] {
        try initialize()
        var pmus: [LibpfmPMU] = []
        var raw: UInt32 = 0
        while raw < PFM_PMU_MAX.rawValue {
            defer { raw += 1 }
            var info = pfm_pmu_info_t()
            info.size = MemoryLayout<pfm_pmu_info_t>.size
            guard pfm_get_pmu_info(pfm_pmu_t(rawValue: raw), &info) == PFM_SUCCESS, info.is_present != 0,
                let name = info.name
            else { continue }
            pmus.append(LibpfmPMU(
                name: String(cString: name), description: info.desc.map { String(cString: $0) } ?? "",
                isDefault: info.is_dfl != 0, eventCount: Int(info.nevents), firstEvent: info.first_event))
        }
        return pmus
    }

    /// The events of the present libpfm PMUs, as `pmu::EVENT` strings; only
    /// those of the PMU called `pmu` when given.
    package func eventNames(pmu: String? = nil) throws(LibpfmError) -> [String] {
        var names: [String] = []
        for info in try presentPMUs() where pmu == nil || info.name == pmu {
            var index = info.firstEvent
            while index != -1 {
                var event = pfm_event_info_t()
                event.size = MemoryLayout<pfm_event_info_t>.size
                if pfm_get_event_info(index, PFM_OS_PERF_EVENT_EXT, &event) == PFM_SUCCESS, let name = event.name {
                    names.append(info.name + "::" + String(cString: name))
                }
                index = pfm_get_event_next(index)
            }
        }
        return names
    }

    static func message(_ code: Int32) -> String {
        guard let text = pfm_strerror(code) else { return "libpfm error \(code)" }
        return String(cString: text)
    }
    #else
    /// Throws ``LibpfmError/notBuiltIn(input:)``: libpfm4 is not compiled in.
    package func initialize() throws(LibpfmError) {
        throw .notBuiltIn(input: "")
    }

    /// Throws ``LibpfmError/notBuiltIn(input:)``: libpfm4 is not compiled in.
    package func encode(_ text: String) throws(LibpfmError) -> LibpfmEncoding {
        throw .notBuiltIn(input: text)
    }

    /// Throws ``LibpfmError/notBuiltIn(input:)``: libpfm4 is not compiled in.
    package func presentPMUs() throws(LibpfmError) -> [LibpfmPMU] {
        throw .notBuiltIn(input: "")
    }

    /// Throws ``LibpfmError/notBuiltIn(input:)``: libpfm4 is not compiled in.
    package func eventNames(pmu: String? = nil) throws(LibpfmError) -> [String] {
        throw .notBuiltIn(input: "")
    }
    #endif
}

/// What libpfm4 encoded for one event string.
package struct LibpfmEncoding: Hashable, Sendable {
    /// What libpfm put in its `perf_event_attr`. `type` is `PERF_TYPE_RAW` (4)
    /// for core PMU events, a legacy type for its `perf::` events: the resolver
    /// replaces it with the sysfs PMU's own type.
    package var attributes: EventAttributes
    /// libpfm's fully qualified form, every attribute spelled out.
    package var qualifiedName: String
    /// The libpfm PMU the event belongs to, such as `amd64_fam19h_zen3` or `perf`.
    package var pmu: String
}

/// A PMU model libpfm4 supports and found present.
package struct LibpfmPMU: Hashable, Sendable {
    package var name: String
    package var description: String
    /// libpfm's default PMU for this CPU.
    package var isDefault: Bool
    package var eventCount: Int
    /// libpfm's opaque index of the PMU's first event.
    package var firstEvent: Int32
}
