/// The `--svg` chart: per PMU, per metric, a p50 bar per implementation
/// (Swift next to C and the syscall floor) with p90 and p99 marks. One
/// self-contained SVG file: no scripts, no external fonts or styles.
public enum SVGRenderer {
    static let width = 1100
    static let labelWidth = 300
    static let plotWidth = 640
    static let barHeight = 14
    static let barGap = 3
    static let metricGap = 12

    static func color(_ implementation: Implementation) -> String {
        switch implementation {
        case .swift: return "#e8553f"
        case .c: return "#3f6fb5"
        case .syscallFloor: return "#9a9a9a"
        }
    }

    /// One bar of the chart.
    struct Bar {
        var implementation: Implementation
        var ns: LatencySummary
    }

    /// One metric: a label and its bars.
    struct Metric {
        var label: String
        var bars: [Bar]
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
            return result
        }
        var names: [String] = []
        for name in report.readLatency.map(\.pmu) + report.exitLatency.map(\.pmu) where !names.contains(name) {
            names.append(name)
        }
        for name in names { sections.append((name, metrics(for: name))) }

        var body = ""
        var y = 92
        for (pmu, metrics) in sections {
            body += text(x: 20, y: y, "PMU \(pmu)", size: 16, weight: "bold")
            y += 10
            let scaleMax = max(1, metrics.flatMap { $0.bars.map { $0.ns.p99 } }.max() ?? 1)
            body += axis(y: y, scaleMax: scaleMax)
            y += 22
            for metric in metrics {
                let height = metric.bars.count * (barHeight + barGap)
                body += text(x: labelWidth - 10, y: y + height / 2, metric.label, size: 12, anchor: "end")
                let p50 = { (implementation: Implementation) in
                    metric.bars.first { $0.implementation == implementation }?.ns.p50
                }
                if let swift = p50(.swift), let c = p50(.c), c > 0 {
                    body += text(x: labelWidth - 10, y: y + height / 2 + 14,
                                 "Swift/C \(format(Double(swift) / Double(c)))", size: 10, anchor: "end", fill: "#555")
                }
                for bar in metric.bars {
                    body += drawBar(bar, y: y, scaleMax: scaleMax)
                    y += barHeight + barGap
                }
                y += metricGap
            }
            y += 18
        }
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
        if sections.isEmpty {
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
                    "\(bar.implementation.rawValue) \(bar.ns.p50) (p90 \(bar.ns.p90), p99 \(bar.ns.p99))", size: 10)
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
