import Testing
@testable import PerfEvents

@Suite(.timeLimit(.minutes(5))) struct CPUSetTests {
    @Test func listWithRangesAndSingles() throws {
        let set = try CPUSet(parsing: "0-3,8,10-11")
        #expect(set.cpus == [0, 1, 2, 3, 8, 10, 11])
        #expect(set.count == 7)
        #expect(set.description == "0-3,8,10-11")
        #expect(set.contains(8) && !set.contains(9))
    }

    @Test func sysfsFormsParse() throws {
        #expect(try CPUSet(parsing: "0-3\n").cpus == [0, 1, 2, 3])
        #expect(try CPUSet(parsing: "16-23\r\n").description == "16-23")
        #expect(try CPUSet(parsing: "0,28").cpus == [0, 28])
        #expect(try CPUSet(parsing: "5").cpus == [5])
    }

    @Test func emptyIsTheEmptySet() throws {
        #expect(try CPUSet(parsing: "").isEmpty)
        #expect(try CPUSet(parsing: "\n").isEmpty)
        #expect(CPUSet([]).description == "")
        #expect(CPUSet([]).mask == [0])
    }

    @Test func duplicatesAndOrderNormalize() throws {
        let set = try CPUSet(parsing: "3,1-2,2,0")
        #expect(set.cpus == [0, 1, 2, 3])
        #expect(set.description == "0-3")
        #expect(set == CPUSet([3, 2, 1, 0]))
    }

    private func problem(_ text: String) -> CPUListError? {
        do {
            _ = try CPUSet(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsNameThePart() {
        #expect(problem("4-2")?.part == "4-2")
        #expect(problem("4-2")?.problem.contains("backwards") == true)
        #expect(problem("0-")?.problem == "missing CPU number")
        #expect(problem("0-3,,5")?.problem.contains("empty element") == true)
        #expect(problem(",1")?.part == "")
        #expect(problem("a")?.part == "a")
        #expect(problem("1-2-3")?.part == "1-2-3")
        #expect(problem("-1")?.problem == "missing CPU number")
        #expect(problem("0-99999")?.problem.contains("beyond the largest possible CPU") == true)
        #expect(problem("99999999999999999999999")?.part == "99999999999999999999999")
        #expect(problem("4-2")?.description.contains("'4-2'") == true)
    }

    @Test func largestCPUIsAccepted() throws {
        #expect(try CPUSet(parsing: "8191").cpus == [CPUSet.maximumCPU])
        #expect(problem("8192") != nil)
    }

    @Test func maskRoundTrip() throws {
        let set = try CPUSet(parsing: "0,63-65,127")
        #expect(set.mask == [0x8000_0000_0000_0001, 0x8000_0000_0000_0003])
        #expect(CPUSet(mask: set.mask) == set)
    }

    @Test func setAlgebra() throws {
        let little = try CPUSet(parsing: "0-3")
        let big = try CPUSet(parsing: "4-5")
        let all = little.union(big)
        #expect(all.description == "0-5")
        #expect(all.isSuperset(of: big))
        #expect(!little.isSuperset(of: all))
        #expect(all.intersection(try CPUSet(parsing: "3-4")).description == "3-4")
        #expect(little.intersection(big).isEmpty)
    }
}

@Suite(.timeLimit(.minutes(5))) struct TrimmingTests {
    @Test func trimsCRLFAndWhiteSpaceOnly() {
        #expect(trimmed("4\r\n") == "4")
        #expect(trimmed("\r\n") == "")
        #expect(trimmed(" \t0-3\n") == "0-3")
        #expect(trimmed("a b") == "a b")
        #expect(trimmed("") == "")
        #expect(trimmed("é\r\n") == "é")
    }
}
