import Foundation
import JobQueue
import Postgres
import Synchronization
import Testing
import TestSupport

/// When a running job's lease is gone (cancelled, rescued), the heartbeat tells its executor, which stops at
/// its next step instead of finishing work whose results would be refused.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct LeaseLossTests {
    @Test func cancellingACampaignStopsItsRunningJobWithinAHeartbeat() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 30_000, campaign: 3)], on: connection).first)
        var config = testWorkerConfiguration(database)
        config.lease = .seconds(1)
        let pool = WorkerPool(configuration: config, logger: quietLogger)
        let finished = DispatchSemaphore(value: 0)
        let summary = Mutex<WorkerSummary?>(nil)
        Thread.detachNewThread {
            let result = try? pool.run()
            summary.withLock { $0 = result }
            finished.signal()
        }
        #expect(try eventually { try count(connection, state: .running) == 1 })
        let cancelledAt = ContinuousClock.now
        #expect(try CampaignControl.cancel(campaignID: 3, on: connection) == 1)
        // The probe would sleep 30 s; a heartbeat comes every lease/3.
        #expect(finished.wait(timeout: .now() + 15) == .success, "the running job did not hear about its cancellation")
        #expect(ContinuousClock.now - cancelledAt < .seconds(15))
        #expect(summary.withLock { $0?.leasesLost } == 1)
        #expect(try connection.query("SELECT state FROM jobs WHERE id = $1", [id])[0].string("state") == "cancelled")
        #expect(try probeCounts(connection).rows == 0)
    }

    @Test func aHeartbeatSkippingARowLockedByItsOwnCompletionIsNotALostLease() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let other = try database.connect()
        try Enqueue.enqueue([probe()], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 1, on: connection).first)
        try other.executeScript("BEGIN")
        try other.execute("SELECT id FROM jobs WHERE id = $1 FOR UPDATE", [job.id])
        let kept = try Heartbeat.extendLeases([job], lease: .seconds(60), on: connection)
        #expect(kept.isEmpty, "SKIP LOCKED passes over the locked row")
        #expect(try Heartbeat.lostLeases([job], kept: kept, on: connection).isEmpty)
        try other.executeScript("ROLLBACK")
        try connection.execute("UPDATE jobs SET state = 'cancelled', lease_token = NULL, lease_expires_at = NULL WHERE id = $1", [job.id])
        #expect(try Heartbeat.lostLeases([job], kept: [], on: connection) == [job.id])
    }
}
