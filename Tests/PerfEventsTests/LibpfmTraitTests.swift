import Testing
@testable import PerfEvents

/// The package's `Libpfm` trait: with it (the default) libpfm4 answers with its
/// own results and errors; without it every operation throws the one error that
/// says how to get libpfm4 support. The consumer package test
/// (.ci/consumer-package-test.sh) builds the library both ways.
@Suite(.timeLimit(.minutes(5))) struct LibpfmTraitTests {
    @Test func operationsFollowTheTrait() {
        #if Libpfm
        #expect(Libpfm.isBuiltIn)
        do {
            // Through the forced instance: the first initialization must carry LIBPFM_FORCE_PMU.
            _ = try forcedLibpfm.encode("no_such_pmu::NO_SUCH_EVENT")
            Issue.record("libpfm4 encoded an event of a PMU it does not have")
        } catch {
            #expect(!error.isNotBuiltIn, "\(error)")
        }
        #else
        #expect(!Libpfm.isBuiltIn)
        #expect(throws: LibpfmError.notBuiltIn(input: "")) { try Libpfm().initialize() }
        #expect(throws: LibpfmError.notBuiltIn(input: "a::B")) { try Libpfm().encode("a::B") }
        #expect(throws: LibpfmError.notBuiltIn(input: "")) { try Libpfm().presentPMUs() }
        #expect(throws: LibpfmError.notBuiltIn(input: "")) { try Libpfm().eventNames(pmu: "a") }
        #endif
    }

    @Test func notBuiltInSaysHowToGetLibpfm() {
        let advice = "libpfm4 support is not built in: build with the Libpfm trait (on by default) and install libpfm4-dev"
        #expect(LibpfmError.notBuiltIn(input: "").description == advice)
        let text = "amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"
        let error = ResolutionError.libpfm(input: text, .notBuiltIn(input: text))
        #expect(error.description == "event '\(text)': libpfm4 cannot encode '\(text)': \(advice)")
        #expect(LibpfmError.notBuiltIn(input: text).isNotBuiltIn)
        #expect(!LibpfmError(input: text, code: -4, message: "event not found").isNotBuiltIn)
        #expect(!LibpfmError(input: text, code: 0, message: "libpfm4 is disabled in this resolver").isNotBuiltIn)
    }
}
