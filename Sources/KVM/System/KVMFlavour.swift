import PerfEvents

/// Which KVM this host runs, read from `/sys/module` and `/proc/cpuinfo`: what
/// decides how guests behave (PVM emulates real mode and answers hypercalls
/// differently from VMX/SVM) and what a report should name.
package struct KVMFlavour: Hashable, Sendable, CustomStringConvertible {
    /// The KVM implementation.
    package enum Kind: String, Hashable, Sendable {
        /// `kvm_pvm`: KVM on paravirtualised hardware (guests of a cloud VM).
        case pvm = "kvm_pvm"
        /// `kvm_intel`: VMX hardware virtualisation.
        case vmx = "kvm_intel"
        /// `kvm_amd`: SVM hardware virtualisation.
        case svm = "kvm_amd"
        /// arm64 KVM (built into the kernel).
        case arm64 = "kvm (arm64)"
        /// None of the above loaded.
        case unknown = "unknown"
    }

    package var kind: Kind
    /// `vendor_id` of /proc/cpuinfo (x86), empty where there is none.
    package var cpuVendor: String

    package init(kind: Kind, cpuVendor: String) {
        self.kind = kind
        self.cpuVendor = cpuVendor
    }

    /// Reads this host's flavour.
    package static func current(fileSystem: FileSystem = FileSystem()) -> KVMFlavour {
        let cpuinfo = (try? fileSystem.readText("/proc/cpuinfo")) ?? ""
        let vendor = Self.field("vendor_id", in: cpuinfo) ?? ""
        #if arch(arm64)
        return KVMFlavour(kind: .arm64, cpuVendor: vendor)
        #else
        for kind in [Kind.pvm, .vmx, .svm] where fileSystem.exists("/sys/module/" + kind.rawValue) {
            return KVMFlavour(kind: kind, cpuVendor: vendor)
        }
        return KVMFlavour(kind: .unknown, cpuVendor: vendor)
        #endif
    }

    /// The value of the first `name : value` line of a /proc/cpuinfo text.
    static func field(_ name: String, in cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, trimmed(parts[0]) == name else { continue }
            return trimmed(parts[1])
        }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String {
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// "kvm_pvm on AuthenticAMD".
    package var description: String {
        cpuVendor.isEmpty ? kind.rawValue : "\(kind.rawValue) on \(cpuVendor)"
    }
}
