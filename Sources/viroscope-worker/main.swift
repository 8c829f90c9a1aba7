import ArgumentParser
import CommandLineSupport
import Foundation

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viroscope-worker",
        abstract: "Runs Viroscope jobs from the PostgreSQL queue.",
        subcommands: [RunCommand.self, BenchQueueCommand.self, BenchHistoryCommand.self],
        defaultSubcommand: RunCommand.self)
}

// Usage errors exit 2 (like most Unix tools), runtime errors 1.
UsageExit.main(WorkerCommand.self)
