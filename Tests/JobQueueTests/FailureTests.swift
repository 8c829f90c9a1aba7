import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct FailureTests {
    @Test func backoffGrowsExponentiallyWithJitterUpToTheCap() {
        let policy = RetryPolicy(base: .seconds(2), cap: .seconds(60))
        #expect(policy.delay(afterAttempt: 1, random: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1, random: 0.999) <= .seconds(2))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .seconds(4))
        #expect(policy.delay(afterAttempt: 30, random: 0) == .seconds(30))
        #expect(policy.delay(afterAttempt: 30, random: 0.999) <= .seconds(60))
        let spread = Set((0..<20).map { _ in policy.delay(afterAttempt: 4) })
        #expect(spread.count > 1)
    }

    @Test func failureSchedulesARetryOnTheDatabaseClock() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([probe(maxAttempts: 3)], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).first)
        let outcome = try Failure.fail(job, error: "disk on fire", policy: RetryPolicy(base: .seconds(100), cap: .seconds(100)), on: connection)
        guard case .retryScheduled(let after) = outcome else {
            Issue.record("expected a retry, got \(outcome)")
            return
        }
        #expect(after >= .seconds(49) && after <= .seconds(100))
        let row = try connection.query("SELECT state, last_error, jsonb_array_length(errors) AS n, run_at > now() + interval '40 seconds' AS later FROM jobs")[0]
        #expect(try row.string("state") == "retryable")
        #expect(try row.string("last_error") == "disk on fire")
        #expect(try row.int("n") == 1)
        #expect(try row.bool("later"))
        #expect(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).isEmpty)
    }

    @Test func permanentFailureDiscardsAtOnce() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "analyse-images", maxAttempts: 5)], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).first)
        #expect(try Failure.fail(job, error: "not implemented", permanent: true, policy: RetryPolicy(), on: connection) == .discarded)
    }

    @Test func retriesUntilMaxAttemptsThenDiscardsKeepingErrorsThenRetryRequeues() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([probe(failTimes: 10, maxAttempts: 3, campaign: 4), probe(failTimes: 1, maxAttempts: 3)], on: connection)
        let summary = try WorkerPool(configuration: testWorkerConfiguration(database), logger: quietLogger).run()
        #expect(summary.succeeded == 1 && summary.discarded == 1 && summary.retried == 3)
        let dead = try connection.query("""
            SELECT id, attempt, last_error, errors::text AS errors,
                   (SELECT array_agg((e->>'attempt')::int ORDER BY (e->>'attempt')::int) FROM jsonb_array_elements(errors) e)::text AS attempts
            FROM jobs WHERE state = 'discarded'
            """)
        try #require(dead.count == 1)
        #expect(try dead[0].int("attempt") == 3)
        #expect(try dead[0].string("attempts") == "{1,2,3}")
        #expect(try dead[0].string("last_error").contains("failing on purpose (attempt 3"))
        #expect(try probeCounts(connection) == ProbeCounts(rows: 1, distinctJobs: 1))

        let status = try QueueStatus.fetch(on: connection)
        #expect(status.jobsByState["discarded"] == 1 && status.jobsByState["succeeded"] == 1)
        #expect(status.recentDiscarded.first?.lastError?.contains("failing on purpose") == true)

        #expect(try CampaignControl.retryDiscarded(on: connection) == 1)
        let requeued = try connection.query("SELECT state, attempt, jsonb_array_length(errors) AS n FROM jobs WHERE id = $1",
                                            [try dead[0].int64("id")])[0]
        #expect(try requeued.string("state") == "available" && requeued.int("attempt") == 0 && requeued.int("n") == 3)
    }

    @Test func rescuerRequeuesExpiredLeasesAndDiscardsWhenAttemptsAreUsedUp() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let ids = try Enqueue.enqueue([probe(maxAttempts: 1), probe(maxAttempts: 3), probe(maxAttempts: 3)], on: connection)
        let jobs = try Claim.claim(limit: 3, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection)
        try #require(jobs.count == 3)
        try connection.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])", [[ids[0], ids[1]]])
        let report = try Rescuer.rescue(on: connection)
        #expect(report.discarded == [ids[0]])
        #expect(report.retried == [ids[1]])
        let rows = try connection.query("SELECT id, state, attempt, last_error FROM jobs ORDER BY id")
        #expect(try rows.map { try $0.string("state") } == ["discarded", "retryable", "running"])
        #expect(try rows[0].string("last_error") == "lease expired")
        #expect(try rows[1].int("attempt") == 1)
        let again = try Rescuer.rescue(on: connection)
        #expect(again.retried.isEmpty && again.discarded.isEmpty)
    }

    @Test func cleanerDeletesOnlyOldFinishedJobs() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let ids = try Enqueue.enqueue((0..<4).map { _ in NewJob(kind: "noop") }, on: connection)
        try connection.execute("UPDATE jobs SET state = 'succeeded', finished_at = now() - interval '2 days' WHERE id = $1", [ids[0]])
        try connection.execute("UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE id = $1", [ids[1]])
        try connection.execute("UPDATE jobs SET state = 'discarded', finished_at = now() - interval '2 days' WHERE id = $1", [ids[2]])
        #expect(try Cleaner.clean(olderThan: .seconds(86_400), batch: 1, on: connection) == 1)
        #expect(try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.int64("id") } == Array(ids[1...]))
    }
}
