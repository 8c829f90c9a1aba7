import ArgumentParser

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("'inspect' is not available in this build yet")
    }
}
