import Testing
@testable import Screening

@Test func moduleLinks() {
    #expect(Bool(true))
}
