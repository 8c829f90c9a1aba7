import Foundation
import JobQueue
import Logging
import Postgres

/// Measures whether the statements run periodically, or by operators, cost more as finished history piles up:
/// each is timed in a private schema with an empty history and again with `history` finished jobs (filled
/// with one `INSERT … SELECT generate_series`), and the p50/p99 of both are reported side by side.
///
/// Timed: claim and complete of one job, the `--exit-when-idle` check, the queue-depth sample (leader), the
/// leader's rescue and retention passes, `status`, `status --campaign` and the report's query.
public enum HistoryBenchmark {
    public struct Measurement: Sendable, Codable, Equatable {
        public let operation: String
        public let samples: Int
        /// Milliseconds at the empty history and at the full one.
        public let p50Empty: Double
        public let p99Empty: Double
        public let p50Full: Double
        public let p99Full: Double

        /// How many times slower the median got; flat is about 1.
        public var growth: Double { p50Full / max(p50Empty, 0.001) }

        enum CodingKeys: String, CodingKey {
            case operation, samples
            case p50Empty = "p50_empty_ms", p99Empty = "p99_empty_ms", p50Full = "p50_full_ms", p99Full = "p99_full_ms"
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        public let history: Int
        public let fillSeconds: Double
        public let measurements: [Measurement]

        enum CodingKeys: String, CodingKey {
            case history, measurements
            case fillSeconds = "fill_seconds"
        }
    }

    static let campaignName = "bench-history"
    static let queue = "bench"

    /// Runs the benchmark on `databaseURL` in a private schema that is dropped afterwards.
    public static func run(databaseURL: String?, migrationsDirectory: String, history: Int, samples: Int,
                           logger: Logger) throws -> Result {
        let admin = try Connection.connect(url: databaseURL, logger: logger)
        let schema = "viroscope_history_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
        try admin.executeScript("CREATE SCHEMA " + Connection.quoteIdentifier(schema))
        defer { try? admin.executeScript("DROP SCHEMA " + Connection.quoteIdentifier(schema) + " CASCADE") }
        let connection = try Connection.connect(url: databaseURL, settings: ["search_path": schema], logger: logger)
        _ = try Migrator(directory: migrationsDirectory, logger: logger).migrate(on: connection)
        try connection.executeScript(BenchSQL.campaign)

        let empty = try measure(samples: samples, on: connection)
        let fillStarted = ContinuousClock.now
        try connection.execute(BenchSQL.fillHistory, [history])
        let fillSeconds = (ContinuousClock.now - fillStarted).seconds
        try connection.executeScript("VACUUM ANALYZE jobs")
        try JobCounts.compact(on: connection)
        let full = try measure(samples: samples, on: connection)

        let measurements = empty.keys.sorted { order($0) < order($1) }.map { name in
            let before = empty[name] ?? [], after = full[name] ?? []
            return Measurement(operation: name, samples: min(before.count, after.count),
                               p50Empty: percentile(before, 0.5), p99Empty: percentile(before, 0.99),
                               p50Full: percentile(after, 0.5), p99Full: percentile(after, 0.99))
        }
        return Result(history: history, fillSeconds: fillSeconds, measurements: measurements)
    }

    static let operations = ["claim", "complete", "idle check", "queue depth", "rescue pass", "retention pass",
                             "status", "status --campaign", "report query"]
    static func order(_ name: String) -> Int { operations.firstIndex(of: name) ?? operations.count }

    /// Times each operation `samples` times (milliseconds), on fresh live jobs so claims always find one.
    static func measure(samples: Int, on connection: Connection) throws -> [String: [Double]] {
        try Enqueue.enqueue(Array(repeating: NewJob(kind: "noop", queue: queue), count: samples), on: connection)
        try connection.executeScript("ANALYZE jobs")
        var times: [String: [Double]] = [:]
        func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let started = ContinuousClock.now
            let value = try body()
            times[name, default: []].append((ContinuousClock.now - started).seconds * 1000)
            return value
        }
        for _ in 0..<samples {
            let claimed = try time("claim") {
                try Claim.claim(limit: 1, queues: [queue], lease: .seconds(60), workerID: nil, on: connection)
            }
            try time("complete") { _ = try Completion.completeBatch(claimed, on: connection) }
            _ = try time("idle check") { try Claim.isIdle(queues: [queue], on: connection) }
            _ = try time("queue depth") { try JobCounts.byQueueAndKind(on: connection) }
            _ = try time("rescue pass") { try Rescuer.rescue(on: connection) }
            _ = try time("retention pass") { try Cleaner.clean(olderThan: Cleaner.defaultRetention, batch: 1_000, on: connection) }
            _ = try time("status") { try QueueStatus.fetch(on: connection) }
            _ = try time("status --campaign") { try CampaignProgress.load(campaign: campaignName, on: connection) }
            _ = try time("report query") { try ReportData.load(campaign: campaignName, on: connection) }
        }
        return times
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }
}

enum BenchSQL {
    /// One 96-well plate of one site each, half analysed: what `status --campaign` and the report read.
    static let campaign = """
        INSERT INTO models (name, sha256, architecture, weights) VALUES ('bench', repeat('a', 64), '{}', ''::bytea);
        INSERT INTO campaigns (name, model_id, image_root, nuclear_channel, settings, fingerprint)
        SELECT 'bench-history', id, '/bench', 'w1', '{}', 'bench' FROM models;
        INSERT INTO plates (campaign_id, barcode, format) SELECT id, 'P1', 96 FROM campaigns;
        INSERT INTO wells (plate_id, position, control)
        SELECT p.id, chr(65 + (n / 12)) || lpad((n % 12 + 1)::text, 2, '0'),
               CASE WHEN n % 12 = 0 THEN 'negative' WHEN n % 12 = 11 THEN 'positive' END
        FROM plates p, generate_series(0, 95) AS n;
        INSERT INTO image_sets (well_id, site) SELECT id, 1 FROM wells;
        INSERT INTO images (image_set_id, channel, path) SELECT id, 'w1', 'P1/' || id || '.tif' FROM image_sets;
        INSERT INTO image_results (image_set_id, job_id, model_sha256, nuclei, infected, software_version, duration_ms)
        SELECT id, 0, repeat('a', 64), 100, id % 50, 'bench', 1 FROM image_sets WHERE id % 2 = 0;
        """

    /// $1 finished jobs spread over 2,000 past campaigns, finished between 10 minutes and 6 days ago: inside the
    /// retention (nothing is deleted while measuring) and outside "succeeded in the last minute", whose cost
    /// follows the recent throughput, not the history.
    static let fillHistory = """
        INSERT INTO jobs (queue, kind, campaign_id, state, attempt, run_at, created_at, updated_at, finished_at)
        SELECT 'default', 'analyse-images', 1000 + n % 2000, 'succeeded', 1, t, t, t, t
        FROM generate_series(1, $1::integer) AS n,
             LATERAL (SELECT now() - interval '10 minutes' - (n % 500000) * interval '1 second' AS t) AS at
        """
}
