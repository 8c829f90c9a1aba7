import ArgumentParser
import Foundation

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope-worker",
        abstract: "Runs Viroscope jobs from the PostgreSQL queue.",
        subcommands: [RunCommand.self, BenchQueueCommand.self, BenchHistoryCommand.self],
        defaultSubcommand: RunCommand.self)
}

// Usage errors exit 2 (like most Unix tools), runtime errors 1.
do {
    var command = try WorkerCommand.parseAsRoot()
    try command.run()
} catch {
    let code = WorkerCommand.exitCode(for: error)
    if code == .validationFailure {
        FileHandle.standardError.write(Data((WorkerCommand.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    WorkerCommand.exit(withError: error)
}
