import Foundation
@testable import JobQueue
import Postgres
import Testing
import TestSupport

/// No statement that workers run periodically may read the finished history: with many finished jobs, each
/// must walk an index that holds only live rows (or the counts log), never scan `jobs`.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct HistoryCostTests {
    @Test func periodicStatementsDoNotScanTheFinishedHistory() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("""
            INSERT INTO jobs (queue, kind, campaign_id, state, attempt, finished_at)
            SELECT 'default', 'noop', n % 100, 'succeeded', 1, now() - (n % 3600) * interval '1 second'
            FROM generate_series(1, 100000) AS n
            """)
        try Enqueue.enqueue(Array(repeating: NewJob(kind: "noop"), count: 20), on: connection)
        try connection.executeScript("VACUUM ANALYZE jobs")
        try connection.executeScript("SET enable_seqscan = on")

        func plan(_ sql: String, _ parameters: [(any PostgresValue)?]) throws -> String {
            try connection.query("EXPLAIN " + sql, parameters).map { try $0.string("QUERY PLAN") }.joined(separator: "\n")
        }
        func body(of function: String) throws -> String {
            try connection.query("SELECT prosrc FROM pg_proc WHERE proname = $1 AND pronamespace = current_schema()::regnamespace",
                                 [function])[0].string("prosrc")
        }
        let statements: [(String, String, [(any PostgresValue)?])] = [
            ("idle check", QueueSQL.idle, [["default"]]),
            // The worker's statements are function bodies (migration 0009): their plans are those of the bodies.
            ("claim", try body(of: "queue_claim"), [["default"], 10, 60.0, Int64(1)]),
            ("rescue", try body(of: "queue_rescue"), [1000, 3, 1.0, 600.0]),
            ("status counts", QueueSQL.countsByState, []),
            ("queue depth", QueueSQL.countsByQueueKindState, []),
            ("oldest waiting", QueueSQL.oldestAvailable, []),
            ("dead letters", QueueSQL.discarded, [10]),
            ("throughput", QueueSQL.throughputLastMinute, []),
        ]
        for (name, sql, parameters) in statements {
            let text = try plan(sql, parameters)
            #expect(!text.contains("Seq Scan on jobs"), "\(name) scans the history:\n\(text)")
        }
        // And the counts are right without reading the history.
        let status = try QueueStatus.fetch(on: connection)
        #expect(status.jobsByState["succeeded"] == 100_000 && status.jobsByState["available"] == 20)
        #expect(try JobCounts.compact(on: connection) >= 2)
        #expect(try QueueStatus.fetch(on: connection).jobsByState == status.jobsByState, "folding keeps the counts")
        #expect(try JobCounts.byQueueAndKind(on: connection)[.init(queue: "default", kind: "noop")]?["succeeded"] == 100_000)
    }
}
