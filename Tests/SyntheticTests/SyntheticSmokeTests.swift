import Testing
@testable import Synthetic

@Test func moduleLinks() {
    #expect(Bool(true))
}
