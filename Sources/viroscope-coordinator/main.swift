import ArgumentParser
import CommandLineSupport
import Foundation

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope-coordinator",
        abstract: "Operates the Viroscope job queue: migrations, status and operator actions.",
        subcommands: [MigrateCommand.self, SubmitCommand.self, StatusCommand.self, RetryCommand.self, CancelCommand.self,
                      PauseCommand.self, ResumeCommand.self, RescueCommand.self, CleanCommand.self,
                      EnqueueProbeCommand.self, RepairCommand.self, SlurmSubmitCommand.self])
}

// Usage errors exit 2 (like most Unix tools), runtime errors 1.
UsageExit.main(CoordinatorCommand.self)
