import CPerfEvents
import PerfEvents
import PMUBenchCore

/// Reads what the report's `environment` says about this machine.
enum EnvironmentProbe {
    static func probe(pmus: [PMU], cpuinfo: String, fileSystem: FileSystem) -> BenchEnvironment {
        BenchEnvironment(
            kernel: (try? fileSystem.readAttribute("/proc/sys/kernel/osrelease")) ?? "unknown",
            cpuModel: cpuModel(cpuinfo: cpuinfo),
            onlineCPUs: Int(cpe_online_cpu_count()),
            pmus: pmus.map {
                PMUDescription(name: $0.name, type: $0.type, kind: $0.kind.rawValue, cpus: $0.cpus?.description)
            },
            perfEventParanoid: (try? fileSystem.readAttribute("/proc/sys/kernel/perf_event_paranoid")).flatMap { Int($0) },
            capUserRdpmc: softwareCounterCapUserRdpmc(),
            nested: cpuFlags(cpuinfo: cpuinfo).contains("hypervisor"),
            swiftVersion: compilerVersion,
            libpfmVersion: LibpfmVersion.api() + " (API version from pfm_get_version(); every libpfm 4 release reports 4.0)",
            libpfmPackageVersion: LibpfmVersion.package(),
            clocksource: try? fileSystem.readAttribute(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource"))
    }

    /// "model name" (x86) or, on arm64, the implementer and every distinct
    /// part number (a big.LITTLE machine has two or more).
    static func cpuModel(cpuinfo: String) -> String {
        var implementer: String?
        var parts: [String] = []
        for line in cpuinfo.split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingSpaces
            let value = pair[1].trimmingSpaces
            switch key {
            case "model name": return value
            case "CPU implementer": implementer = implementer ?? value
            case "CPU part": if !parts.contains(value) { parts.append(value) }
            default: break
            }
        }
        if let implementer, !parts.isEmpty {
            return "implementer \(implementer) part\(parts.count > 1 ? "s" : "") " + parts.joined(separator: ", ")
        }
        return "unknown"
    }

    /// The CPU feature flags of /proc/cpuinfo (`flags` on x86, `Features` on arm64).
    static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingSpaces == "flags" || pair[0].trimmingSpaces == "Features" {
                return Set(pair[1].split(separator: " ").map(String.init))
            }
        }
        return []
    }

    /// `cap_user_rdpmc` from the mmap page of a task-clock counter; nil when it cannot be opened.
    static func softwareCounterCapUserRdpmc() -> Bool? {
        var attr = perf_event_attr()
        attr.size = cpe_PERF_ATTR_SIZE
        attr.type = LegacyType.software
        attr.config = 1 // PERF_COUNT_SW_TASK_CLOCK
        let fd = cpe_perf_event_open(&attr, 0, -1, -1, UInt64(PERF_FLAG_FD_CLOEXEC))
        guard fd >= 0 else { return nil }
        defer { _ = cpe_close(fd) }
        let mapped = cpe_mmap(nil, 4096, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0)
        guard mapped >= 0, let page = UnsafeMutableRawPointer(bitPattern: Int(mapped)) else { return nil }
        defer { _ = cpe_munmap(page, 4096) }
        return page.load(as: perf_event_mmap_page.self).cap_user_rdpmc != 0
    }

    /// The compiler that built this binary.
    static var compilerVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }
}

extension Substring {
    var trimmingSpaces: String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
