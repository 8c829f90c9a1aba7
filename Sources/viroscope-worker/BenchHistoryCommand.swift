import ArgumentParser
import Campaigns
import Foundation
import Logging
import Postgres

struct BenchHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-history",
        abstract: "Time the queue's periodic and operator statements with an empty and a large finished history.",
        discussion: """
            In a throwaway schema: claim, complete, idle check, queue depth, the leader's rescue and retention \\
            passes, status, status --campaign and the report query, each timed --samples times, then again after \\
            --history finished jobs were added. Prints p50/p99 in milliseconds and the growth of the median.
            """)

    @Option(help: "PostgreSQL URL; default $VIROSCOPE_DATABASE_URL, then libpq's PG* variables.")
    var databaseURL: String?

    @Option(help: "Finished jobs to add between the two measurements.")
    var history = 2_000_000

    @Option(help: "Timings per operation and history size.")
    var samples = 200

    @Option(help: "Migrations directory (default: $VIROSCOPE_MIGRATIONS, then migrations/ near the executable).")
    var migrations: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard history >= 1, samples >= 10 else { throw ValidationError("--history must be positive and --samples at least 10") }
    }

    func run() throws {
        let logger = bootstrapLogging(level: .warning)
        do {
            let result = try HistoryBenchmark.run(
                databaseURL: resolveDatabaseURL(databaseURL), migrationsDirectory: Migrator.locateDirectory(explicit: migrations),
                history: history, samples: samples, logger: logger)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print(String(format: "viroscope bench-history: %d finished jobs added in %.1f s; %d samples each (ms)",
                         result.history, result.fillSeconds, samples))
            print("| operation | p50 empty | p99 empty | p50 \(result.history) | p99 \(result.history) | p50 growth |")
            print("| --- | --- | --- | --- | --- | --- |")
            for m in result.measurements {
                print(String(format: "| %@ | %.3f | %.3f | %.3f | %.3f | %.2f× |", m.operation, m.p50Empty, m.p99Empty,
                             m.p50Full, m.p99Full, m.growth))
            }
        } catch {
            FileHandle.standardError.write(Data("viroscope-worker bench-history: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
