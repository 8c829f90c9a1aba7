import ArgumentParser
import CommandLineSupport
import Foundation
import JobQueue
import Logging
import Postgres

struct BenchQueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-queue",
        abstract: "Measure queue throughput: N noop jobs drained by K threads in a throwaway schema.")

    @Option(help: "PostgreSQL URL; default $VIROSCOPE_DATABASE_URL, then libpq's PG* variables.")
    var databaseURL: String?

    @Option(help: "Jobs to enqueue and drain.")
    var jobs = 10_000

    @Option(help: "Claiming threads, each with its own connection.")
    var workers = 4

    @Option(help: "Jobs claimed per round trip.")
    var batch = 100

    @Option(help: "Migrations directory (default: $VIROSCOPE_MIGRATIONS, then migrations/ near the executable).")
    var migrations: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try NumericFlag.check(jobs, "--jobs", in: 1...10_000_000)
        try NumericFlag.check(workers, "--workers", in: 1...1024)
        try NumericFlag.check(batch, "--batch", in: 1...10_000)
    }

    func run() throws {
        let logger = bootstrapLogging(level: .warning)
        do {
            let result = try QueueBenchmark.run(
                databaseURL: resolveDatabaseURL(databaseURL), migrationsDirectory: Migrator.locateDirectory(explicit: migrations),
                jobs: jobs, workers: workers, batch: batch, logger: logger)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(String(format: "viroscope bench-queue: %d jobs, %d workers, batch %d: %.3f s, %.0f jobs/s, exactly once: %@",
                             result.jobs, result.workers, batch, result.seconds, result.jobsPerSecond,
                             result.exactlyOnce ? "yes" : "no"))
            }
        } catch {
            FileHandle.standardError.write(Data("viroscope-worker bench-queue: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
