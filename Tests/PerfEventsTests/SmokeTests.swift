import Testing
@testable import PerfEvents
@Test func placeholder() {}
