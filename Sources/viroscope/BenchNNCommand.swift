import ArgumentParser

struct BenchNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-nn", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("'bench-nn' is not available in this build yet")
    }
}
