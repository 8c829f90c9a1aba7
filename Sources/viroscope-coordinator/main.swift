import ArgumentParser
import Foundation

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope-coordinator",
        abstract: "Operates the Viroscope job queue: migrations, status and operator actions.",
        subcommands: [MigrateCommand.self, SubmitCommand.self, StatusCommand.self, RetryCommand.self, CancelCommand.self,
                      PauseCommand.self, ResumeCommand.self, RescueCommand.self, CleanCommand.self,
                      EnqueueProbeCommand.self, SlurmSubmitCommand.self])
}

// Usage errors exit 2 (like most Unix tools), runtime errors 1.
do {
    var command = try CoordinatorCommand.parseAsRoot()
    try command.run()
} catch {
    let code = CoordinatorCommand.exitCode(for: error)
    if code == .validationFailure {
        FileHandle.standardError.write(Data((CoordinatorCommand.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    CoordinatorCommand.exit(withError: error)
}
