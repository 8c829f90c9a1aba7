import Testing
@testable import Telemetry

@Test func moduleLinks() {
    #expect(Bool(true))
}
