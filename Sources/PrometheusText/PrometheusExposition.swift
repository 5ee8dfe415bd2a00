/// Metrics in Prometheus' text exposition format (version 0.0.4), the format that
/// node_exporter's textfile collector reads and a Pushgateway accepts: `# HELP` and
/// `# TYPE` once per family, then one `name{label="value",...} value` line per series.
///
/// Pure text, no I/O: `pmu stat --prometheus` and `pmu-bench --prometheus` build one
/// of these and write ``text`` (with ``AtomicTextFile``). Names follow Prometheus'
/// conventions, which the callers choose: a unit suffix in base units (`_seconds`,
/// `_ratio`), `_total` on counters; names and label names outside
/// `[a-zA-Z_:][a-zA-Z0-9_:]*` are made legal by ``metricName(_:)`` and ``labelName(_:)``.
public struct PrometheusExposition: Sendable {
    public enum MetricType: String, Sendable {
        case counter, gauge, summary, untyped
    }

    /// A sample's value: counts stay exact integers (a Double loses them past 2^53).
    public enum Value: Sendable, Equatable {
        case integer(UInt64)
        case real(Double)
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    struct Sample: Sendable {
        /// `""`, or `_sum`/`_count` of a summary.
        var suffix: String
        var labels: [Label]
        var value: Value
    }

    struct Family: Sendable {
        var name: String
        var type: MetricType
        var help: String
        var samples: [Sample]
    }

    /// Labels every series carries (host, kernel, ...), before its own.
    public var commonLabels: [Label]
    private var families: [Family] = []
    private var familyIndex: [String: Int] = [:]
    private var seriesSeen: Set<String> = []
    /// Series given twice (same name and labels): the first is kept, since a scraper
    /// rejects the whole file over a repeated series; the callers report these.
    public private(set) var duplicates: [String] = []

    public init(commonLabels: [Label] = []) {
        self.commonLabels = commonLabels.filter { !$0.value.isEmpty }
    }

    public var isEmpty: Bool { families.isEmpty }

    /// Adds one series to family `name` (created with this type and help on first use).
    /// A label with an empty value is left out: Prometheus treats it as absent anyway.
    public mutating func add(_ name: String, type: MetricType, help: String, labels: [Label] = [],
                             value: Value, suffix: String = "") {
        let name = Self.metricName(name)
        let index: Int
        if let existing = familyIndex[name] {
            index = existing
            precondition(families[index].type == type, "metric \(name) added as \(type) and \(families[index].type)")
        } else {
            index = families.count
            families.append(Family(name: name, type: type, help: help, samples: []))
            familyIndex[name] = index
        }
        let all = (commonLabels + labels).filter { !$0.value.isEmpty }
            .map { Label(Self.labelName($0.name), $0.value) }
        let sample = Sample(suffix: suffix, labels: all, value: value)
        let key = Self.seriesLine(name: name + suffix, labels: all)
        guard seriesSeen.insert(key).inserted else {
            duplicates.append(key)
            return
        }
        families[index].samples.append(sample)
    }

    /// A summary: its quantiles (`quantile` label), `_sum` and `_count`.
    public mutating func addSummary(_ name: String, help: String, labels: [Label] = [],
                                    quantiles: [(quantile: Double, value: Double)], sum: Double, count: UInt64) {
        for (quantile, value) in quantiles {
            add(name, type: .summary, help: help, labels: labels + [Label("quantile", Self.format(.real(quantile)))],
                value: .real(value))
        }
        add(name, type: .summary, help: help, labels: labels, value: .real(sum), suffix: "_sum")
        add(name, type: .summary, help: help, labels: labels, value: .integer(count), suffix: "_count")
    }

    /// The exposition: families in the order first added, each with its HELP and TYPE
    /// lines; ends with a newline, as the format requires.
    public var text: String {
        var out = ""
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for sample in family.samples {
                out += Self.seriesLine(name: family.name + sample.suffix, labels: sample.labels)
                out += " " + Self.format(sample.value) + "\n"
            }
        }
        return out
    }

    // MARK: the format's rules

    /// `name{a="x",b="y"}` (just `name` without labels).
    static func seriesLine(name: String, labels: [Label]) -> String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
    }

    /// A legal metric name: every character outside `[a-zA-Z0-9_:]` becomes `_`, and a
    /// leading digit gets a `_` before it (`cpu-clock` → `cpu_clock`).
    public static func metricName(_ raw: String) -> String {
        legalName(raw, extra: ":")
    }

    /// A legal label name: `[a-zA-Z_][a-zA-Z0-9_]*` (no colon); names starting with `__`
    /// are reserved for Prometheus itself, so one more `_` is not enough: they get `x`.
    public static func labelName(_ raw: String) -> String {
        let name = legalName(raw, extra: "")
        return name.hasPrefix("__") ? "x" + name : name
    }

    private static func legalName(_ raw: String, extra: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            let legal = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || extra.unicodeScalars.contains(scalar)
            out.unicodeScalars.append(legal ? scalar : "_")
        }
        if let first = out.unicodeScalars.first, first >= "0" && first <= "9" { out = "_" + out }
        return out.isEmpty ? "_" : out
    }

    /// A label value inside double quotes: backslash, double quote and line feed escaped.
    public static func escapeLabelValue(_ value: String) -> String {
        escape(value, quote: true)
    }

    /// HELP text: backslash and line feed escaped (a double quote stays as it is).
    public static func escapeHelp(_ help: String) -> String {
        escape(help, quote: false)
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A value as the format writes it: integers exactly, `+Inf`, `-Inf` and `NaN` by those names.
    public static func format(_ value: Value) -> String {
        switch value {
        case .integer(let count): return String(count)
        case .real(let number):
            if number.isNaN { return "NaN" }
            if number.isInfinite { return number > 0 ? "+Inf" : "-Inf" }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        }
    }
}
