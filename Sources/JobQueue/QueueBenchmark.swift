import Foundation
import Logging
import Postgres

/// Measures the queue end to end on the caller's database: a private schema, N `noop` jobs bulk-enqueued,
/// drained by K claiming threads through the real claim / batch-complete path, then verified and dropped.
public enum QueueBenchmark {
    /// The JSON shape `ops/bench-queue` reads; keep the keys stable.
    public struct Result: Sendable, Codable, Equatable {
        public let system: String
        public let jobs: Int
        public let workers: Int
        public let seconds: Double
        public let jobsPerSecond: Double
        public let exactlyOnce: Bool

        enum CodingKeys: String, CodingKey {
            case system, jobs, workers, seconds
            case jobsPerSecond = "jobs_per_second"
            case exactlyOnce = "exactly_once"
        }
    }

    public enum BenchmarkError: Error, CustomStringConvertible {
        case notExactlyOnce(String)
        public var description: String {
            switch self {
            case .notExactlyOnce(let detail): return "bench-queue: jobs were not completed exactly once: \(detail)"
            }
        }
    }

    static let verify = """
        SELECT count(*) AS total,
               count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE attempt <> 1) AS rerun
        FROM jobs
        """

    /// Runs the benchmark. The schema is dropped even if draining fails.
    ///
    /// - Throws: `PostgresError`, `MigrationError`, or `BenchmarkError.notExactlyOnce`.
    public static func run(databaseURL: String?, migrationsDirectory: String, jobs: Int, workers: Int, batch: Int,
                           logger: Logger) throws -> Result {
        let admin = try Connection.connect(url: databaseURL, logger: logger)
        let schema = "viroscope_bench_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
        try admin.executeScript("CREATE SCHEMA " + Connection.quoteIdentifier(schema))
        defer { try? admin.executeScript("DROP SCHEMA " + Connection.quoteIdentifier(schema) + " CASCADE") }
        let settings = ["search_path": schema]
        let connection = try Connection.connect(url: databaseURL, settings: settings, logger: logger)
        _ = try Migrator(directory: migrationsDirectory, logger: logger).migrate(on: connection)

        // Timed like the peer (ops/peers/procrastinate_bench.py): bulk enqueue plus drain.
        let started = ContinuousClock.now
        try connection.transaction { conn in
            var remaining = jobs
            while remaining > 0 {
                let chunk = min(remaining, 20_000)
                try Enqueue.enqueue(Array(repeating: NewJob(kind: "noop"), count: chunk), on: conn)
                remaining -= chunk
            }
        }
        try connection.executeScript("ANALYZE jobs")

        var config = WorkerConfiguration(databaseURL: databaseURL)
        config.connectionSettings = settings
        config.concurrency = workers
        config.batchSize = batch
        config.exitWhenIdle = true
        config.pollInterval = .milliseconds(20)
        config.version = "bench-queue"
        let pool = WorkerPool(configuration: config, logger: logger)
        let summary = try pool.run()
        let seconds = (ContinuousClock.now - started).seconds

        let row = try connection.query(verify)[0]
        let total = try row.int("total"), succeeded = try row.int("succeeded"), rerun = try row.int("rerun")
        let exactlyOnce = total == jobs && succeeded == jobs && rerun == 0 && summary.succeeded == jobs
        guard exactlyOnce else {
            throw BenchmarkError.notExactlyOnce("\(total) jobs, \(succeeded) succeeded, \(rerun) claimed more than once, "
                                                + "\(summary.succeeded) completions counted by the workers, expected \(jobs)")
        }
        return Result(system: "viroscope", jobs: jobs, workers: workers, seconds: seconds,
                      jobsPerSecond: Double(jobs) / seconds, exactlyOnce: exactlyOnce)
    }
}
