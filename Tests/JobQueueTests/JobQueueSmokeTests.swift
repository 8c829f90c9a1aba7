import Testing
@testable import JobQueue

@Test func moduleLinks() {
    #expect(Bool(true))
}
