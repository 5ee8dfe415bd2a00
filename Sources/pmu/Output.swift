// FoundationEssentials (JSONEncoder) rather than all of Foundation: the full
// framework brings ICU, which alone would make `pmu list` heavier than `perf list`.
import FoundationEssentials
import Glibc

/// Writes a line to standard error.
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let result = bytes[written...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if result < 0 && errno == EINTR { continue }
        if result <= 0 { return }
        written += result
    }
}

/// `value` with exactly `digits` decimals (what `%.Nf` prints), without Foundation's formatter.
func fixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return String(describing: value) }
    var scale: Double = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return String(describing: value) }
    let whole = UInt64(scaled)
    let divisor = UInt64(scale)
    let integer = whole / divisor
    var fraction = String(whole % divisor)
    while fraction.count < digits { fraction = "0" + fraction }
    let sign = value < 0 && whole != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(integer)" : "\(sign)\(integer).\(fraction)"
}

/// Prints an Encodable value as pretty JSON with sorted keys on standard output.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Lays out rows as left-aligned columns separated by two spaces.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: header.count)
    for row in all {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// `0x…` hexadecimal, as perf prints configs.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// An optional that JSON shows as `null` rather than leaving the key out, for
/// fields a consumer should always find (`"cpus": null` for a PMU without a CPU list).
@propertyWrapper
struct ExplicitNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
