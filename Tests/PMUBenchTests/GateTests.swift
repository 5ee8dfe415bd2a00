import Testing
@testable import PMUBenchCore

@Test(.timeLimit(.minutes(5))) func aRunWithinTheRulesPasses() {
    #expect(Gate().failures(in: ReportFixtures.report()) == [])
}

@Test(.timeLimit(.minutes(5))) func aSwiftOverCRatioAbove110Fails() {
    let failures = Gate().failures(in: ReportFixtures.report(swiftP50: 560, cP50: 500))
    #expect(failures.count == 1)
    #expect(failures.first?.contains("Swift/C p50 ratio 1.12 exceeds 1.10") == true)
    #expect(failures.first?.contains("task-clock read-single") == true)
}

@Test(.timeLimit(.minutes(5))) func aRatioOfExactly110Passes() {
    #expect(Gate().failures(in: ReportFixtures.report(swiftP50: 550, cP50: 500)) == [])
}

@Test(.timeLimit(.minutes(5))) func anExitCountThatDisagreesWithItsTracepointFails() {
    let failures = Gate().failures(in: ReportFixtures.report(exits: 1000, exitsByTracepoint: 998))
    // Both the swift and the c row disagree.
    #expect(failures.count == 2)
    #expect(failures.allSatisfy { $0.contains("1000 exits but tracepoint kvm:kvm_pio counted 998") })
}

@Test(.timeLimit(.minutes(5))) func anUncheckedExitCountNeedsAReason() {
    let silent = Gate().failures(in: ReportFixtures.report(exitsByTracepoint: nil))
    #expect(silent.count == 2)
    #expect(silent.allSatisfy { $0.contains("not checked against a tracepoint") })
    let explained = Gate().failures(in: ReportFixtures.report(
        exitsByTracepoint: nil,
        unavailable: [UnavailableRow(pmu: "cpu_core", what: "exit tracepoint kvm:kvm_pio", reason: "no tracefs",
                                     condition: .tracefsMissing)]))
    #expect(explained == [])
}

@Test(.timeLimit(.minutes(5))) func aSilentlyEmptyPMUFails() {
    let failures = Gate().failures(in: ReportFixtures.report(readPMUs: ["software", "msr"]))
    #expect(failures == ["read msr: no rows and no reason in unavailable (silently empty)"])
    let explained = ReportFixtures.report(
        readPMUs: ["software", "msr"],
        unavailable: [UnavailableRow(pmu: "msr", what: "counter reads", reason: "EACCES", condition: .perfEventParanoid)])
    #expect(Gate().failures(in: explained) == [])
}

@Test(.timeLimit(.minutes(5))) func anExitPMUWithoutRowsOrReasonFails() {
    var report = ReportFixtures.report()
    report.settings.exitPMUs.append("cpu_atom")
    #expect(Gate().failures(in: report) == ["exit cpu_atom: no rows and no reason in unavailable (silently empty)"])
}

@Test(.timeLimit(.minutes(5))) func aRowWithoutSamplesFails() {
    var report = ReportFixtures.report()
    report.readLatency[1].samples = 0
    #expect(Gate().failures(in: report) == ["read software task-clock read-single c: no samples"])
}

@Test(.timeLimit(.minutes(5))) func ratiosAreTakenAtP50() {
    let ratios = ReportFixtures.report(swiftP50: 515, cP50: 500, floorP50: 100).ratios
    let read = ratios.first { $0.table == "read" }
    #expect(read?.swiftOverC == 1.03)
    #expect(read?.swiftOverFloor == 5.15)
    let exit = ratios.first { $0.table == "exit" }
    #expect(exit?.swiftOverC == 2000.0 / 1980.0)
    #expect(exit?.swiftOverFloor == nil)
}

@Test(.timeLimit(.minutes(5))) func ratiosFormatWithTwoDecimals() {
    #expect(format(1.0) == "1.00")
    #expect(format(1.096) == "1.10")
    #expect(format(12.345) == "12.35")
    #expect(format(0.05) == "0.05")
}

@Test(.timeLimit(.minutes(5))) func ratiosAndPercentagesKeepTheirSign() {
    #expect(format(-0.32) == "-0.32")
    #expect(format(-1.04) == "-1.04")
    #expect(format(1.005) == "1.01" || format(1.005) == "1.00")
    #expect(format(0) == "0.00")
    #expect(format(-0.001) == "0.00")
    #expect(format(12.5) == "12.50")
}
