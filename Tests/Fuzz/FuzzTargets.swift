// libFuzzer entry point for the parsers and decoders of PerfEvents.
//
// Built by .ci/fuzz.sh together with the PerfEvents sources (-sanitize=fuzzer,address),
// one binary for every target; FUZZ_TARGET picks the parser. Each target feeds the
// input to the real parser and checks the properties that must hold for any input:
// no crash, and where a value comes out, the invariants stated next to it.

import CPerfEvents

/// The fuzz targets, by name (the corpus folder under Tests/Fuzz/Corpus has the same name).
let fuzzTargets: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
    "term-list": fuzzTermList,
    "cpu-list": fuzzCPUList,
    "format-spec": fuzzFormatSpec,
    "event-string": fuzzEventString,
    "read-buffer": fuzzReadBuffer,
    "user-page": fuzzUserPage,
    "ring-records": fuzzRingRecords,
]

nonisolated(unsafe) var selectedTarget: ((UnsafeBufferPointer<UInt8>) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selectedTarget == nil {
        let name = cpe_getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = fuzzTargets[name] else {
            fatalError("FUZZ_TARGET must be one of: \(fuzzTargets.keys.sorted().joined(separator: ", "))")
        }
        selectedTarget = target
    }
    selectedTarget?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
}

func fuzzTermList(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let terms = try? TermList.parse(text(bytes)) else { return }
    for term in terms {
        precondition(TermList.isTermName(term.name), "parser accepted a bad term name")
    }
}

func fuzzCPUList(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let set = try? CPUSet(parsing: text(bytes)) else { return }
    // Round trip: the printed form parses back to the same set.
    guard let again = try? CPUSet(parsing: set.description), again == set else {
        fatalError("CPU list round trip failed for \(set.description)")
    }
    precondition(set.cpus.allSatisfy { $0 >= 0 && $0 <= CPUSet.maximumCPU })
    precondition(CPUSet(mask: set.mask) == set, "mask round trip failed")
}

func fuzzFormatSpec(_ bytes: UnsafeBufferPointer<UInt8>) {
    // The first 8 bytes (when present) are a value to pack; the rest is the spec text.
    var value: UInt64 = 0
    for byte in bytes.prefix(8) { value = value << 8 | UInt64(byte) }
    let spec = text(UnsafeBufferPointer(rebasing: bytes.dropFirst(min(8, bytes.count))))
    guard let field = try? FormatField(name: "fuzz", parsing: spec) else { return }
    precondition(field.width >= 1 && field.width <= 64, "width out of range")
    guard let packed = try? field.pack(value) else {
        precondition(value > field.maximumValue, "pack refused a value that fits")
        return
    }
    precondition(packed & ~field.mask == 0, "packed bits outside the field")
    precondition(field.unpack(packed) == value, "pack/unpack round trip failed")
}
