/// One `term` or `term=value` of perf's event syntax, as found in a sysfs
/// `events/<alias>` file or between the slashes of `pmu/…/`.
package struct EventTerm: Hashable, Sendable {
    /// A term's value.
    package enum Value: Hashable, Sendable {
        /// `term=0x11` or `term=17`.
        case number(UInt64)
        /// `term` alone, which means 1 (or, for a name that is no format term, an alias).
        case implicit
        /// `term=?`: a parameter the user must supply (sysfs aliases of some PMUs).
        case parameter
        /// `term=text` where the value is a name, such as `name=foo`.
        case text(String)
    }
    package var name: String
    package var value: Value

    package init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// A named event published by a PMU in sysfs `events/<name>`, with the
/// optional sibling files `<name>.scale`, `.unit`, `.per-pkg`, `.snapshot`.
public struct EventAlias: Hashable, Sendable {
    /// The alias's name: its file's name in the PMU's `events/` directory (`cpu-cycles`, `inst_retired`).
    public var name: String
    /// The terms the alias stands for, such as `event=0x3c` or `event=0x11,umask=0x1`.
    package var terms: [EventTerm]
    /// `<name>.scale`, kept as text (for example `2.3283064365386962890625e-10`).
    public var scale: String?
    /// `<name>.unit`, such as `Joules` or `MiB`.
    public var unit: String?
    /// `<name>.per-pkg` is 1: count once per package, not per CPU.
    public var perPackage: Bool
    /// `<name>.snapshot` is 1: the value is a snapshot, not a running count.
    public var snapshot: Bool

    package init(
        name: String, terms: [EventTerm], scale: String? = nil, unit: String? = nil,
        perPackage: Bool = false, snapshot: Bool = false
    ) {
        self.name = name
        self.terms = terms
        self.scale = scale
        self.unit = unit
        self.perPackage = perPackage
        self.snapshot = snapshot
    }
}
