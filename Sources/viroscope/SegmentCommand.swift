import ArgumentParser

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "segment", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("'segment' is not available in this build yet")
    }
}
