import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// A job whose worker died waits the normal backoff, and is discarded after a few such deaths.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct RescueTests {
    private func claimAndExpire(_ connection: Connection) throws -> ClaimedJob? {
        try connection.execute("UPDATE jobs SET run_at = now() WHERE state IN ('available', 'retryable')")
        guard let job = try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 7, on: connection).first
        else { return nil }
        try connection.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [job.id])
        return job
    }

    @Test func aRescuedJobWaitsTheBackoffAndIsDiscardedAfterNDeaths() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(maxAttempts: 10)], on: connection).first)
        let policy = RetryPolicy(base: .seconds(10), cap: .seconds(60))

        _ = try #require(try claimAndExpire(connection))
        #expect(try Rescuer.rescue(policy: policy, maxRescues: 3, on: connection).retried == [id])
        let waiting = try connection.query("""
            SELECT state, rescues, extract(epoch FROM run_at - now())::float8 AS wait FROM jobs WHERE id = $1
            """, [id])[0]
        #expect(try waiting.string("state") == "retryable" && waiting.int("rescues") == 1)
        // Half the base delay at least (the upper half is jitter): not claimable at once.
        let wait = try waiting.double("wait")
        #expect(wait >= 4.5 && wait <= 10.5, "\(wait)")
        #expect(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 8, on: connection).isEmpty)

        _ = try #require(try claimAndExpire(connection))
        #expect(try Rescuer.rescue(policy: policy, maxRescues: 3, on: connection).retried == [id])
        let second = try connection.query("SELECT extract(epoch FROM run_at - now())::float8 AS wait FROM jobs WHERE id = $1", [id])[0]
        #expect(try second.double("wait") >= 9.5, "the backoff doubles with the attempt")

        _ = try #require(try claimAndExpire(connection))
        #expect(try Rescuer.rescue(policy: policy, maxRescues: 3, on: connection).discarded == [id])
        let dead = try connection.query("SELECT state, rescues, last_error, finished_at IS NOT NULL AS finished FROM jobs WHERE id = $1", [id])[0]
        #expect(try dead.string("state") == "discarded" && dead.int("rescues") == 3 && dead.bool("finished"))
        #expect(try dead.string("last_error") == "worker died 3 times running this job")
        #expect(try QueueStatus.fetch(on: connection).recentDiscarded.first?.lastError == "worker died 3 times running this job")

        // An operator's retry gives it a fresh budget of attempts and rescues.
        #expect(try CampaignControl.retryDiscarded(on: connection) == 1)
        #expect(try connection.query("SELECT rescues FROM jobs WHERE id = $1", [id])[0].int("rescues") == 0)
    }
}
