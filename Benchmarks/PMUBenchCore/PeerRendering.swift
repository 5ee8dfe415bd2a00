/// The peer rows (``PeerRow``) in the table and the SVG: per row our median, the
/// peer's, ours/peer with its interval, the goal and what this run says of it.
extension TableRenderer {
    static func renderPeers(_ peers: [PeerRow]) -> String {
        var out = "\n== against the tools users would pick instead (same run, interleaved; ours/peer: median of paired ratios [bootstrap 95% CI]) ==\n"
        out += "  a measurement, not a gate (--check ignores it); goal: the interval's upper end at most the goal\n"
        var rows = [["table", "subject", "metric", "ours", "peer", "ours median", "peer median", "ours/peer [95% CI]", "goal", "verdict"]]
        var unavailable: [String] = []
        var notes: [String] = []
        for row in peers {
            if let why = row.unavailable {
                unavailable.append("  unavailable: \(row.table) \(row.subject) \(row.metric) (\(row.ours) vs \(row.peer)): \(why)\n")
                continue
            }
            let ratio = row.oursOverPeer.map { "\(format($0.value)) [\(format($0.low))-\(format($0.high))]" } ?? "n/a"
            rows.append([row.table, row.subject, row.metric, row.ours, row.peer,
                         row.oursMedian.map { quantity($0, row.unit) } ?? "n/a",
                         row.peerMedian.map { quantity($0, row.unit) } ?? "n/a",
                         ratio, row.goal.map { "<= " + format($0) } ?? "-", row.verdict?.rawValue ?? "-"])
            if let note = row.note, !notes.contains(note) { notes.append(note) }
        }
        if rows.count > 1 { out += alignLeft(rows) }
        for line in unavailable { out += line }
        for note in notes { out += "  note: \(note)\n" }
        return out
    }

    /// The floor shares (``FloorShare``): the kernel's part of each read and what is left to win.
    static func renderFloorShares(_ shares: [FloorShare]) -> String {
        var out = "\n== how far from the floor: the kernel's read() in each Swift read (p50, ns) ==\n"
        out += "  kernel share between (C - floor)/Swift and C/Swift; left to win: Swift - C, all a user-space change could remove\n"
        var rows = [["pmu", "event", "method", "swift", "c", "floor", "kernel share", "left to win"]]
        for share in shares {
            rows.append([share.pmu, share.event, share.method, "\(share.swiftP50)", "\(share.cP50)", "\(share.floorP50)",
                         "\(percent(share.kernelShareLow))-\(percent(share.kernelShareHigh))", "\(share.leftToWinNs) ns"])
        }
        return out + alignLeft(rows)
    }

    static func quantity(_ value: Double, _ unit: String) -> String {
        // Slowdowns are kept in thousandths, as integers the paired ratio takes.
        unit == "x1000" ? format(value / 1000) + "x" : "\(Int(value.rounded())) \(unit)"
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}

extension SVGRenderer {
    /// One bar per measured peer row: ours/peer on a shared ratio scale, its interval
    /// as a whisker, the goal as a dashed mark and 1.0 as a solid one. Advances `y`.
    static func peerPanel(_ peers: [PeerRow], y: inout Int) -> String {
        let measured = peers.filter { $0.oursOverPeer != nil && $0.unavailable == nil }
        let missing = peers.filter { $0.unavailable != nil }
        guard !measured.isEmpty || !missing.isEmpty else { return "" }
        var out = text(x: 20, y: y, "against the tools users would pick instead: ours/peer [95% CI], goal dashed",
                       size: 16, weight: "bold")
        y += 10
        let scaleMax = max(2.0, measured.compactMap { $0.oursOverPeer?.high }.max() ?? 2.0)
        let position = { (value: Double) in labelWidth + Int((min(value, scaleMax) / scaleMax * Double(plotWidth)).rounded()) }
        out += "<line x1=\"\(labelWidth)\" y1=\"\(y + 8)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(y + 8)\" stroke=\"#bbb\"/>\n"
        for step in 0...4 {
            let value = scaleMax * Double(step) / 4
            out += text(x: position(value), y: y + 2, format(value), size: 9, anchor: "middle", fill: "#666")
        }
        y += 22
        for row in measured {
            guard let ratio = row.oursOverPeer else { continue }
            let label = "\(row.table) · \(row.subject) · \(row.metric)"
            out += text(x: labelWidth - 10, y: y + barHeight - 3, label, size: 12, anchor: "end")
            let end = position(ratio.value)
            let fill = row.verdict == .missed ? "#e8553f" : row.verdict == .met ? "#5aa05a" : "#d9a23a"
            out += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(max(1, end - labelWidth))\" height=\"\(barHeight)\" "
            out += "fill=\"\(fill)\"><title>\(escape("\(row.ours) / \(row.peer)")): \(format(ratio.value))</title></rect>\n"
            let low = position(ratio.low)
            let high = position(ratio.high)
            let middle = y + barHeight / 2
            out += "<line x1=\"\(low)\" y1=\"\(middle)\" x2=\"\(high)\" y2=\"\(middle)\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"
            let one = position(1)
            out += "<line x1=\"\(one)\" y1=\"\(y - 1)\" x2=\"\(one)\" y2=\"\(y + barHeight + 1)\" stroke=\"#222\"/>\n"
            if let goal = row.goal {
                let mark = position(goal)
                out += "<line x1=\"\(mark)\" y1=\"\(y - 2)\" x2=\"\(mark)\" y2=\"\(y + barHeight + 2)\" stroke=\"#222\" "
                out += "stroke-width=\"2\" stroke-dasharray=\"3,2\"/>\n"
            }
            let values = [row.oursMedian, row.peerMedian].map { $0.map { TableRenderer.quantity($0, row.unit) } ?? "n/a" }
            out += text(x: max(end, high) + 6, y: y + barHeight - 3,
                        "\(format(ratio.value)) [\(format(ratio.low))-\(format(ratio.high))] · \(values[0]) vs \(values[1])"
                            + (row.verdict.map { " · \($0.rawValue)" } ?? ""), size: 10)
            y += barHeight + barGap + 6
        }
        for row in missing {
            out += text(x: 20, y: y + 10, "unavailable: \(row.table) \(row.subject) \(row.metric): \(row.unavailable?.description ?? "")",
                        size: 10, fill: "#555")
            y += 16
        }
        y += 18
        return out
    }
}
