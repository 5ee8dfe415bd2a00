import Foundation
import Testing
@testable import PerfEvents

/// libpfm4 with its AMD Zen3 tables forced on, whatever CPU the tests run on.
///
/// libpfm4 picks its tables from the CPU it runs on, and 4.13 has none for some
/// current ones (AMD family 0x1a, for one), so tests that named the detected tables
/// would depend on the host. `LIBPFM_FORCE_PMU` loads the Zen3 tables on any x86
/// host; it must be set before the process first initializes libpfm: every test
/// that initializes it goes through this value (LibpfmTraitTests too), so no
/// suite running in parallel can initialize it first without the setting.
let forcedLibpfm: Libpfm = {
    setenv("LIBPFM_FORCE_PMU", "amd64_fam19h_zen3", 1)
    return Libpfm()
}()

@Suite(.serialized, .timeLimit(.minutes(5)),
       .enabled(if: LiveHost.isX86_64, "libpfm4's amd64 tables exist only in its x86 builds"))
struct LibpfmTests {
    @Test func zen3TablesArePresent() throws {
        let pmus = try forcedLibpfm.presentPMUs()
        #expect(pmus.contains { $0.name == "amd64_fam19h_zen3" }, "\(pmus.map { $0.name })")
        let names = try forcedLibpfm.eventNames(pmu: "amd64_fam19h_zen3")
        #expect(names.contains("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"))
        #expect(names.count == pmus.first { $0.name == "amd64_fam19h_zen3" }?.eventCount)
    }

    @Test func encodesRetiredInstructions() throws {
        let encoding = try forcedLibpfm.encode("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS")
        #expect(encoding.attributes.type == 4)  // PERF_TYPE_RAW
        #expect(encoding.attributes.config == 0xc0)
        #expect(encoding.pmu == "amd64_fam19h_zen3")
        #expect(!encoding.attributes.excludeUser && !encoding.attributes.excludeKernel && encoding.attributes.excludeHypervisor)
        #expect(encoding.qualifiedName.hasPrefix("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS:"))
        let user = try forcedLibpfm.encode("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS:u")
        #expect(!user.attributes.excludeUser && user.attributes.excludeKernel)
    }

    /// The amd-epyc-pvm recording has no core PMU: libpfm's PERF_TYPE_RAW is kept, with a note.
    @Test func keepsTheRawTypeWithoutACorePMU() throws {
        let resolver = Resolver(pmus: try RecordedMachines.amdEpycPVM(), tracefs: Tracefs(), libpfm: forcedLibpfm)
        let groups = try resolver.resolve("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS")
        let event = try #require(groups.first?.events.first)
        #expect(event.attributes.type == 4)
        #expect(event.attributes.config == 0xc0)
        #expect(event.pmu == .noCorePMU)
        #expect(event.note?.contains("PERF_TYPE_RAW") == true)
        guard case .libpfm(let qualified) = event.source else { Issue.record("\(event.source)"); return }
        #expect(qualified.contains("RETIRED_INSTRUCTIONS"))
    }

    @Test func takesTheCorePMUsTypeWhenThereIsOne() throws {
        let core = PMU(name: "cpu", type: 42, kind: .core)
        let resolver = try Resolver(pmus: [core] + RecordedMachines.amdEpycPVM(), libpfm: forcedLibpfm)
        let event = try #require(try resolver.resolve("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS:k").first?.events.first)
        #expect(event.attributes.type == 42)
        #expect(event.pmu.name == "cpu")
        #expect(event.attributes.excludeUser && !event.attributes.excludeKernel)
    }

    @Test func unknownEventCarriesLibpfmsMessage() throws {
        let resolver = Resolver(pmus: try RecordedMachines.amdEpycPVM(), libpfm: forcedLibpfm)
        #expect {
            _ = try resolver.resolve("amd64_fam19h_zen3::NO_SUCH_EVENT")
        } throws: { error in
            guard let error = error as? ResolutionError, case .libpfm(let input, let libpfm) = error else { return false }
            return input == "amd64_fam19h_zen3::NO_SUCH_EVENT" && libpfm.message == "event not found"
                && error.description.contains("LIBPFM_FORCE_PMU")
        }
    }
}
