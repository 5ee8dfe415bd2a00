import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct FormatFieldParsingTests {
    @Test func contiguousRange() throws {
        let field = try FormatField(name: "event", parsing: "config:0-7\n")
        #expect(field.word == .config)
        #expect(field.ranges == [0...7])
        #expect(field.width == 8)
        #expect(field.mask == 0xff)
        #expect(field.spec == "config:0-7")
    }

    @Test func scatteredBits() throws {
        let field = try FormatField(name: "krava11", parsing: "config1:0,2,4,6,8,20-28")
        #expect(field.word == .config1)
        #expect(field.ranges == [0...0, 2...2, 4...4, 6...6, 8...8, 20...28])
        #expect(field.width == 14)
        #expect(field.spec == "config1:0,2,4,6,8,20-28")
    }

    @Test func splitRangeAtBothEnds() throws {
        let field = try FormatField(name: "krava01", parsing: "config:0-1,62-63")
        #expect(field.ranges == [0...1, 62...63])
        #expect(field.mask == 0xc000_0000_0000_0003)
    }

    @Test func singleBitAndEveryWord() throws {
        #expect(try FormatField(name: "edge", parsing: "config:18").mask == 1 << 18)
        #expect(try FormatField(name: "a", parsing: "config2:8,18,48,58").word == .config2)
        #expect(try FormatField(name: "b", parsing: "config3:0-63").word == .config3)
        #expect(try FormatField(name: "b", parsing: "config3:0-63").maximumValue == UInt64.max)
    }

    @Test func rangesAreSortedAndCRLFTrimmed() throws {
        let field = try FormatField(name: "x", parsing: "config:62-63,0-1\r\n")
        #expect(field.ranges == [0...1, 62...63])
        // Packing follows ascending bit order whatever the file's order, as perf does.
        #expect(try field.pack(0b0111) == 0x4000_0000_0000_0003)
    }

    private func failure(_ spec: String) -> FormatSpecError? {
        do {
            _ = try FormatField(name: "event", parsing: spec)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownWord() {
        let error = failure("config9:0")
        #expect(error?.problem == .unknownWord("config9"))
        #expect(error?.part == "config9")
        #expect(error?.description.contains("'config9' is not a config word") == true)
        #expect(error?.description.contains("term 'event'") == true)
    }

    @Test func bitBeyond63() {
        let error = failure("config:70")
        #expect(error?.problem == .bitOutOfRange("70"))
        #expect(error?.description.contains("bit 70 is beyond 63") == true)
        #expect(failure("config:0-64")?.problem == .bitOutOfRange("64"))
        #expect(failure("config:99999999999999999999999")?.problem == .bitOutOfRange("99999999999999999999999"))
    }

    @Test func backwardsRange() {
        let error = failure("config:5-3")
        #expect(error?.problem == .backwardsRange(low: 5, high: 3))
        #expect(error?.part == "5-3")
        #expect(error?.description.contains("'config:5-3'") == true)
    }

    @Test func emptyAndGarbage() {
        #expect(failure("")?.problem == .empty)
        #expect(failure("  \n")?.problem == .empty)
        #expect(failure("bits 0 to 7")?.problem == .missingColon)
        #expect(failure("config:")?.problem == .noBits)
        #expect(failure("config:0,,3")?.problem == .emptyElement)
        #expect(failure("config:0,")?.problem == .emptyElement)
        #expect(failure("config:a-b")?.problem == .notABit("a"))
        #expect(failure("config:0-")?.problem == .notABit(""))
        #expect(failure("config:1-2-3")?.problem == .notABit("1-2-3"))
        #expect(failure("config:-1")?.problem == .notABit(""))
        #expect(failure("config :0")?.problem == .unknownWord("config "))
        #expect(failure("config:0-7 config1:0")?.problem != nil)
    }

    @Test func overlappingRangesInOneField() {
        #expect(failure("config:0-7,4-9")?.problem == .overlappingRanges("0-7", "4-9"))
        #expect(failure("config:3,3")?.problem == .overlappingRanges("3", "3"))
        #expect(failure("config:10-12,0-10")?.problem == .overlappingRanges("0-10", "10-12"))
    }
}

@Suite(.timeLimit(.minutes(5))) struct FormatFieldPackingTests {
    /// perf's own vectors (tools/perf/tests/pmu.c, "Parsing with PMU format
    /// directory"): nine fields over config, config1, config2, the values
    /// krava01=15,krava02=170,krava03=1,krava11=27,krava12=1,krava13=2,
    /// krava21=119,krava22=11,krava23=2, and the words perf expects.
    @Test func perfFormatVectors() throws {
        let formats: [(String, String, UInt64)] = [
            ("krava01", "config:0-1,62-63", 15),
            ("krava02", "config:10-17", 170),
            ("krava03", "config:5", 1),
            ("krava11", "config1:0,2,4,6,8,20-28", 27),
            ("krava12", "config1:63", 1),
            ("krava13", "config1:45-47", 2),
            ("krava21", "config2:0-3,10-13,20-23,30-33,40-43,50-53,60-63", 119),
            ("krava22", "config2:8,18,48,58", 11),
            ("krava23", "config2:28-29,38", 2),
        ]
        var attributes = EventAttributes(type: 9999)
        for (name, spec, value) in formats {
            let field = try FormatField(name: name, parsing: spec)
            attributes[field.word] |= try field.pack(value)
            #expect(field.unpack(try field.pack(value)) == value, "round trip of \(name)")
        }
        #expect(attributes.config == 0xc000_0000_0002_a823)
        #expect(attributes.config1 == 0x8000_4000_0000_0145)
        #expect(attributes.config2 == 0x0400_0000_2004_1d07)
    }

    /// Alder Lake `cpu_core`: event=0xc0,umask=0x1,cmask=2.
    @Test func alderLakeInstructionsWithCmask() throws {
        let event = try FormatField(name: "event", parsing: "config:0-7")
        let umask = try FormatField(name: "umask", parsing: "config:8-15")
        let cmask = try FormatField(name: "cmask", parsing: "config:24-31")
        let config = try event.pack(0xc0) | umask.pack(0x1) | cmask.pack(2)
        #expect(config == 0x200_01c0)
    }

    @Test func tooWideValueIsAnError() throws {
        let umask = try FormatField(name: "umask", parsing: "config:8-15")
        #expect(throws: FormatValueError(term: "umask", value: 0x100, width: 8)) { try umask.pack(0x100) }
        #expect(try umask.pack(0xff) == 0xff00)
        do {
            _ = try umask.pack(0x1ff)
            Issue.record("0x1ff packed into 8 bits")
        } catch {
            #expect(error.description.contains("'umask'"))
            #expect(error.description.contains("0x1ff"))
            #expect(error.description.contains("8 bits"))
            #expect(error.description.contains("0xff"))
        }
        let edge = try FormatField(name: "edge", parsing: "config:18")
        #expect(try edge.pack(1) == 1 << 18)
        #expect(throws: FormatValueError.self) { try edge.pack(2) }
    }

    @Test func fullWidthFieldTakesAnyValue() throws {
        let field = try FormatField(name: "event", parsing: "config:0-63")
        #expect(try field.pack(UInt64.max) == UInt64.max)
        #expect(try field.pack(0x1234) == 0x1234)
        let upper = try FormatField(name: "ref_ctr_offset", parsing: "config:32-63")
        #expect(try upper.pack(0xffff_ffff) == 0xffff_ffff_0000_0000)
        #expect(throws: FormatValueError.self) { try upper.pack(0x1_0000_0000) }
    }

    @Test func overlapBetweenFieldsIsDetectedNotRejected() throws {
        let ldlat = try FormatField(name: "ldlat", parsing: "config1:0-15")
        let frontend = try FormatField(name: "frontend", parsing: "config1:0-23")
        let event = try FormatField(name: "event", parsing: "config:0-7")
        #expect(ldlat.overlaps(frontend))
        #expect(!ldlat.overlaps(event))  // same bits, different word
        let pmu = PMU(name: "cpu", type: 4, kind: .core, formats: [event, frontend, ldlat])
        let pairs = pmu.overlappingFormats.map { "\($0.0.name)+\($0.1.name)" }
        #expect(pairs == ["frontend+ldlat"])
    }
}
