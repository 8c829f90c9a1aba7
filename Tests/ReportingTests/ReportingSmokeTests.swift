import Testing
@testable import Reporting

@Test func moduleLinks() {
    #expect(Bool(true))
}
