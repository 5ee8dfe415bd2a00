/// The `--svg` chart: per PMU, per metric, a p50 bar per implementation
/// (Swift next to C and the syscall floor) with p90 and p99 marks; then, where
/// there are several core PMUs, each method across them. Panels that are
/// compared share a scale (every read panel one, every exit panel another),
/// and the canvas is as wide as its longest label needs. One self-contained
/// SVG file: no scripts, no external fonts or styles.
public enum SVGRenderer {
    /// Left of the bars (grown to fit the longest metric label) and right of them (value labels).
    nonisolated(unsafe) static var labelWidth = 300
    static let plotWidth = 640
    static let valueLabelWidth = 300
    static var width: Int { labelWidth + plotWidth + valueLabelWidth }
    static let barHeight = 14
    static let barGap = 3
    static let metricGap = 12

    static func color(_ implementation: Implementation) -> String {
        switch implementation {
        case .swift: return "#e8553f"
        case .c: return "#3f6fb5"
        case .syscallFloor: return "#9a9a9a"
        case .peer: return "#5aa05a"
        }
    }

    /// One bar of the chart.
    struct Bar {
        var implementation: Implementation
        var ns: LatencySummary
        /// What the bar's label names (the implementation, or a PMU in the cluster panel).
        var caption: String? = nil
    }

    /// One metric: a label, its bars and the ratio line under the label.
    struct Metric {
        var label: String
        var bars: [Bar]
        var ratio: String? = nil
    }

    public static func render(_ report: BenchReport) -> String {
        var sections: [(String, [Metric])] = []
        func metrics(for pmu: String) -> [Metric] {
            var result: [Metric] = []
            func add(_ label: String, _ bar: Bar) {
                if let index = result.firstIndex(where: { $0.label == label }) {
                    result[index].bars.append(bar)
                } else {
                    result.append(Metric(label: label, bars: [bar]))
                }
            }
            for row in report.readLatency where row.pmu == pmu {
                add("\(row.event) · \(row.method)", Bar(implementation: row.implementation, ns: row.ns))
            }
            for row in report.exitLatency where row.pmu == pmu {
                add("exit \(row.kind) · cpus \(row.cpus)", Bar(implementation: row.implementation, ns: row.ns))
            }
            // The ratio under each label: the paired Swift/C estimate and its interval.
            for index in result.indices {
                let ratio = report.ratios.first { ratio in
                    ratio.pmu == pmu && (result[index].label == "\(ratio.subject) · \(ratio.method)"
                        || result[index].label == "exit \(ratio.method) · cpus \(ratio.subject)")
                }
                if let ratio, let paired = ratio.swiftOverCPaired {
                    result[index].ratio = "Swift/C \(format(paired.value)) [\(format(paired.low))-\(format(paired.high))]"
                } else if let p50 = ratio?.swiftOverCP50 {
                    result[index].ratio = "Swift/C \(format(p50))"
                }
            }
            return result
        }
        var names: [String] = []
        for name in report.readLatency.map(\.pmu) + report.exitLatency.map(\.pmu) where !names.contains(name) {
            names.append(name)
        }
        for name in names { sections.append((name, metrics(for: name))) }
        // Common scales: every read panel shares one, every exit panel another.
        let readScale = max(1, report.readLatency.map(\.ns.p99).max() ?? 1)
        let exitScale = max(1, report.exitLatency.map(\.ns.p99).max() ?? 1)
        let isExitSection = { (pmu: String) in !report.readLatency.contains { $0.pmu == pmu } }
        // Clusters side by side: each method's Swift bar per core PMU.
        let clusters = ClusterComparison.compute(report)
        var clusterMetrics: [Metric] = []
        for comparison in clusters {
            let label = (comparison.table == "exit" ? "exit " : "") + comparison.method
            var bars: [Bar] = []
            for cluster in comparison.clusters {
                let row = comparison.table == "read"
                    ? report.readLatency.first { $0.pmu == cluster.pmu && $0.method == comparison.method && $0.implementation == .swift }?.ns
                    : report.exitLatency.first { $0.pmu == cluster.pmu && $0.kind == comparison.method && $0.implementation == .swift }?.ns
                if let row { bars.append(Bar(implementation: .swift, ns: row, caption: cluster.pmu)) }
            }
            clusterMetrics.append(Metric(label: label, bars: bars))
        }
        let longest = (sections.flatMap { $0.1.map(\.label) } + clusterMetrics.map(\.label)).map(\.count).max() ?? 0
        labelWidth = max(300, longest * 7 + 30)

        var body = ""
        var y = 92
        for (pmu, metrics) in sections {
            body += text(x: 20, y: y, "PMU \(pmu)", size: 16, weight: "bold")
            y += 10
            let scaleMax = isExitSection(pmu) ? exitScale : readScale
            body += axis(y: y, scaleMax: scaleMax)
            y += 22
            for metric in metrics {
                let height = metric.bars.count * (barHeight + barGap)
                body += text(x: labelWidth - 10, y: y + height / 2, metric.label, size: 12, anchor: "end")
                if let ratio = metric.ratio {
                    body += text(x: labelWidth - 10, y: y + height / 2 + 14, ratio, size: 10, anchor: "end", fill: "#555")
                }
                for bar in metric.bars {
                    body += drawBar(bar, y: y, scaleMax: scaleMax)
                    y += barHeight + barGap
                }
                y += metricGap
            }
            y += 18
        }
        if !clusterMetrics.isEmpty {
            body += text(x: 20, y: y, "core PMUs side by side (Swift p50, one CPU each; read and exit scales as above)",
                         size: 16, weight: "bold")
            y += 10
            for (index, metric) in clusterMetrics.enumerated() {
                let scaleMax = clusters[index].table == "exit" ? exitScale : readScale
                if index == 0 || clusters[index].table != clusters[index - 1].table {
                    body += axis(y: y, scaleMax: scaleMax)
                    y += 22
                }
                let height = metric.bars.count * (barHeight + barGap)
                body += text(x: labelWidth - 10, y: y + height / 2, metric.label, size: 12, anchor: "end")
                if let last = clusters[index].clusters.last, let ratio = last.ratio, let first = clusters[index].clusters.first {
                    let interval = ratio.low == ratio.high ? "" : " [\(format(ratio.low))-\(format(ratio.high))]"
                    body += text(x: labelWidth - 10, y: y + height / 2 + 14,
                                 "\(last.pmu)/\(first.pmu) \(format(ratio.value))\(interval)", size: 10, anchor: "end", fill: "#555")
                }
                for bar in metric.bars {
                    body += drawBar(bar, y: y, scaleMax: scaleMax)
                    y += barHeight + barGap
                }
                y += metricGap + 8
            }
        }
        body += peerPanel(report.peers ?? [], y: &y)
        let height = y + 20
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\">\n"
        svg += "<title>pmu-bench: latency per PMU (ns)</title>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        let env = report.environment
        svg += text(x: 20, y: 24, "pmu-bench — p50 bars, p90 ┆ and p99 | marks, ns", size: 15, weight: "bold")
        svg += text(x: 20, y: 42, "kernel \(env.kernel) · \(env.cpuModel) · \(env.onlineCPUs) CPUs\(env.nested ? " · guest" : "")",
                    size: 11)
        svg += legend(y: 56)
        if sections.isEmpty && (report.peers ?? []).isEmpty {
            svg += text(x: 20, y: 90, "no latency rows in this report", size: 13)
        }
        svg += body
        svg += "</svg>\n"
        return svg
    }

    static func x(_ value: UInt64, _ scaleMax: UInt64) -> Int {
        labelWidth + Int((Double(min(value, scaleMax)) / Double(scaleMax) * Double(plotWidth)).rounded())
    }

    static func drawBar(_ bar: Bar, y: Int, scaleMax: UInt64) -> String {
        let end = x(bar.ns.p50, scaleMax)
        let p90 = x(bar.ns.p90, scaleMax)
        let p99 = x(bar.ns.p99, scaleMax)
        var out = "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(max(1, end - labelWidth))\" height=\"\(barHeight)\" "
        out += "fill=\"\(color(bar.implementation))\"><title>\(escape(bar.implementation.rawValue)): "
        out += "p50 \(bar.ns.p50) ns, p90 \(bar.ns.p90) ns, p99 \(bar.ns.p99) ns</title></rect>\n"
        out += "<line x1=\"\(p90)\" y1=\"\(y)\" x2=\"\(p90)\" y2=\"\(y + barHeight)\" stroke=\"#222\" "
        out += "stroke-width=\"1.5\" stroke-dasharray=\"3,2\"/>\n"
        out += "<line x1=\"\(p99)\" y1=\"\(y - 1)\" x2=\"\(p99)\" y2=\"\(y + barHeight + 1)\" stroke=\"#222\" stroke-width=\"2\"/>\n"
        out += text(x: max(end, p99) + 6, y: y + barHeight - 3,
                    "\(bar.caption ?? bar.implementation.rawValue) \(bar.ns.p50) (p90 \(bar.ns.p90), p99 \(bar.ns.p99))", size: 10)
        return out
    }

    static func axis(y: Int, scaleMax: UInt64) -> String {
        var out = "<line x1=\"\(labelWidth)\" y1=\"\(y + 8)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(y + 8)\" stroke=\"#bbb\"/>\n"
        for step in 0...4 {
            let value = scaleMax * UInt64(step) / 4
            let position = x(value, scaleMax)
            out += "<line x1=\"\(position)\" y1=\"\(y + 4)\" x2=\"\(position)\" y2=\"\(y + 12)\" stroke=\"#bbb\"/>\n"
            out += text(x: position, y: y + 2, "\(value)", size: 9, anchor: "middle", fill: "#666")
        }
        return out
    }

    static func legend(y: Int) -> String {
        var out = ""
        var x = 20
        for implementation in Implementation.allCases {
            out += "<rect x=\"\(x)\" y=\"\(y - 9)\" width=\"12\" height=\"10\" fill=\"\(color(implementation))\"/>\n"
            out += text(x: x + 16, y: y, implementation.rawValue, size: 11)
            x += 120
        }
        return out
    }

    static func text(x: Int, y: Int, _ content: String, size: Int, weight: String = "normal",
                     anchor: String = "start", fill: String = "#111") -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" font-weight=\"\(weight)\" text-anchor=\"\(anchor)\" "
            + "fill=\"\(fill)\">\(escape(content))</text>\n"
    }

    /// Text safe inside an XML element or attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
