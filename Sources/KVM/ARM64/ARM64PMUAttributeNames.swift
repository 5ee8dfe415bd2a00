/// The names a kernel's own uapi header gives the attributes of the VCPU PMU control
/// group (`arch/arm64/include/uapi/asm/kvm.h`, installed as `asm/kvm.h` by
/// `linux-libc-dev`): the indented `#define KVM_ARM_VCPU_PMU_V3_*` lines that follow
/// `#define KVM_ARM_VCPU_PMU_V3_CTRL 0`, up to the next group's unindented `#define`.
///
/// A report names a probed attribute number only from here: a number the headers do
/// not name is "unknown attribute N", whatever this library believes it means.
public struct ARM64PMUAttributeNames: Hashable, Sendable {
    /// Attribute number → `KVM_ARM_VCPU_PMU_V3_*` name, as the header defines it.
    package var names: [UInt64: String]
    /// Where the names came from (a path, a package), for reports.
    package var source: String

    package init(names: [UInt64: String], source: String) {
        self.names = names
        self.source = source
    }

    /// No header: every number is unknown.
    public static func none(_ why: String) -> ARM64PMUAttributeNames {
        ARM64PMUAttributeNames(names: [:], source: why)
    }

    /// The PMU control group's attributes in `header` (the text of an arm64 `asm/kvm.h`,
    /// or the lines the lab extracts from one).
    public init(header: String, source: String) {
        var names: [UInt64: String] = [:]
        var inGroup = false
        for line in header.split(separator: "\n", omittingEmptySubsequences: true) {
            guard line.hasPrefix("#define") else { continue }
            let rest = line.dropFirst("#define".count)
            // The group's attributes are indented: more than one blank after `#define`.
            let indented = rest.prefix { $0 == " " || $0 == "\t" }.count > 1
            let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2 else { continue }
            let name = String(words[0])
            if name == "KVM_ARM_VCPU_PMU_V3_CTRL" {
                inGroup = true
                continue
            }
            if !indented {
                inGroup = false
                continue
            }
            guard inGroup, name.hasPrefix("KVM_ARM_VCPU_PMU_V3_"), let number = Self.number(words[1]) else { continue }
            names[number] = name
        }
        self.init(names: names, source: source)
    }

    /// The header's name for `attribute`, nil when it names none.
    public func name(of attribute: UInt64) -> String? { names[attribute] }

    /// The header's name, or "unknown attribute N".
    package func label(of attribute: UInt64) -> String {
        names[attribute] ?? "unknown attribute \(attribute)"
    }

    /// The number the header gives `name`.
    public func number(named name: String) -> UInt64? {
        names.first { $0.value == name }?.key
    }

    /// A decimal or 0x-prefixed hexadecimal number (a `#define`'s value).
    static func number(_ word: Substring) -> UInt64? {
        if word.hasPrefix("0x") || word.hasPrefix("0X") { return UInt64(word.dropFirst(2), radix: 16) }
        return UInt64(word)
    }
}
