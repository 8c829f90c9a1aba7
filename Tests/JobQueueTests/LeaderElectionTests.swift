import Foundation
import JobQueue
import Postgres
import Synchronization
import Testing
import TestSupport

/// One maintenance leader: the lease row, takeover after expiry, and the leader's retention and pruning.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct LeaderElectionTests {
    @Test func oneLeaderAtATimeTakeoverAfterExpiryOrResignation() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        #expect(try LeaderElection.leader(on: connection) == nil)
        #expect(try LeaderElection.attempt(workerID: 1, ttl: .milliseconds(400), on: connection))
        #expect(try !LeaderElection.attempt(workerID: 2, ttl: .milliseconds(400), on: connection))
        #expect(try LeaderElection.attempt(workerID: 1, ttl: .milliseconds(400), on: connection), "the leader renews")
        #expect(try LeaderElection.leader(on: connection) == 1)
        Thread.sleep(forTimeInterval: 0.6)
        #expect(try LeaderElection.leader(on: connection) == nil)
        #expect(try LeaderElection.attempt(workerID: 2, ttl: .seconds(60), on: connection), "an expired lease is taken over")
        #expect(try !LeaderElection.attempt(workerID: 1, ttl: .seconds(60), on: connection))
        try LeaderElection.resign(workerID: 2, on: connection)
        #expect(try LeaderElection.attempt(workerID: 1, ttl: .seconds(60), on: connection), "a resignation frees it at once")
    }

    @Test func theCleanerNeverDeletesJobsOfACampaignThatIsNotAllSucceeded() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        // Campaign 5: one job cancelled (recoverable); campaign 6: all succeeded; plus a job of no campaign.
        let ids = try Enqueue.enqueue([NewJob(kind: "noop", campaignID: 5), NewJob(kind: "noop", campaignID: 5),
                                       NewJob(kind: "noop", campaignID: 6), NewJob(kind: "noop")], on: connection)
        try connection.execute("UPDATE jobs SET state = 'succeeded', finished_at = now() - interval '8 days'")
        try connection.execute("UPDATE jobs SET state = 'cancelled' WHERE id = $1", [ids[1]])
        #expect(try Cleaner.clean(olderThan: .seconds(86_400), on: connection) == 2)
        #expect(try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.int64("id") } == [ids[0], ids[1]])
        // Once the campaign is all succeeded, its history may go too.
        try connection.execute("UPDATE jobs SET state = 'succeeded' WHERE id = $1", [ids[1]])
        #expect(try Cleaner.clean(olderThan: .seconds(86_400), on: connection) == 2)
    }

    @Test func theWorkersLeaderAppliesRetentionAndPrunesDeadWorkers() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let ids = try Enqueue.enqueue([NewJob(kind: "noop", campaignID: 5), NewJob(kind: "noop", campaignID: 5),
                                       NewJob(kind: "noop")], on: connection)
        try connection.execute("UPDATE jobs SET state = 'succeeded', finished_at = now() - interval '8 days'")
        try connection.execute("UPDATE jobs SET state = 'discarded' WHERE id = $1", [ids[1]])
        try connection.execute("""
            INSERT INTO workers (host, pid, version, concurrency, heartbeat_at, stopped_at)
            VALUES ('gone', 1, 'old', 1, now() - interval '9 days', now() - interval '9 days'),
                   ('lost', 2, 'old', 1, now() - interval '9 days', NULL)
            """)
        var config = testWorkerConfiguration(database)
        config.exitWhenIdle = false
        config.lease = .seconds(1)
        config.retention = .seconds(7 * 86_400)
        let pool = WorkerPool(configuration: config, logger: quietLogger)
        let finished = DispatchSemaphore(value: 0)
        let summary = Mutex<WorkerSummary?>(nil)
        Thread.detachNewThread {
            let result = try? pool.run()
            summary.withLock { $0 = result }
            finished.signal()
        }
        let cleaned = try eventually(timeout: .seconds(30)) {
            try connection.query("SELECT count(*) AS n FROM jobs WHERE campaign_id IS NULL")[0].int("n") == 0
                && connection.query("SELECT count(*) AS n FROM workers WHERE host IN ('gone', 'lost')")[0].int("n") == 0
        }
        #expect(cleaned)
        #expect(pool.isLeader)
        #expect(try connection.query("SELECT worker_id FROM queue_leader")[0].int64("worker_id")
                    == connection.query("SELECT max(id) AS id FROM workers")[0].int64("id"))
        pool.stop.requestStop()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(summary.withLock { $0?.leaderships } == 1)
        // The campaign with a discarded job keeps its history; the leader resigned on the way out.
        #expect(try connection.query("SELECT count(*) AS n FROM jobs WHERE campaign_id = 5")[0].int("n") == 2)
        #expect(try connection.query("SELECT count(*) AS n FROM queue_leader")[0].int("n") == 0)
    }
}
