import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct CompletionTests {
    private func insertProbe(_ job: ClaimedJob) -> (Connection) throws -> Void {
        { conn in try conn.execute("INSERT INTO job_probe_results (job_id, attempt) VALUES ($1, $2)", [job.id, job.attempt]) }
    }

    @Test func lateCompletionAfterLeaseLostIsRejectedAndItsResultsRolledBack() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([probe()], on: connection)
        let slow = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 1, on: connection).first)
        try connection.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [slow.id])
        #expect(try Rescuer.rescue(policy: RetryPolicy(base: .zero, cap: .zero), on: connection).retried == [slow.id])
        let other = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: 2, on: connection).first)
        #expect(other.id == slow.id && other.attempt == 2 && other.leaseToken != slow.leaseToken)

        #expect(throws: JobQueueError.leaseLost(jobID: slow.id)) {
            try Completion.complete(slow, on: connection, writeResults: insertProbe(slow))
        }
        #expect(try probeCounts(connection) == ProbeCounts(rows: 0, distinctJobs: 0))
        #expect(throws: JobQueueError.leaseLost(jobID: slow.id)) {
            try Failure.fail(slow, error: "late", policy: RetryPolicy(), on: connection)
        }
        try Completion.complete(other, on: connection, writeResults: insertProbe(other))
        #expect(try probeCounts(connection) == ProbeCounts(rows: 1, distinctJobs: 1))
        let row = try connection.query("SELECT state, lease_token, finished_at FROM jobs WHERE id = $1", [slow.id])[0]
        #expect(try row.string("state") == "succeeded")
        #expect(try row.optionalUUID("lease_token") == nil)
        #expect(try row.optionalDate("finished_at") != nil)
        // Completing twice is also a lost lease.
        #expect(throws: JobQueueError.self) { try Completion.complete(other, on: connection) }
    }

    @Test func resultsThatFailToWriteRollBackTheCompletion() throws {
        struct WriteFailed: Error {}
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([probe()], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).first)
        #expect(throws: WriteFailed.self) {
            try Completion.complete(job, on: connection) { conn in
                try self.insertProbe(job)(conn)
                throw WriteFailed()
            }
        }
        #expect(try probeCounts(connection).rows == 0)
        #expect(try count(connection, state: .running) == 1)
    }

    @Test func batchCompletionSkipsJobsWhoseLeaseWasLost() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue((0..<5).map { _ in NewJob(kind: "noop") }, on: connection)
        let jobs = try Claim.claim(limit: 5, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection)
        try connection.execute("UPDATE jobs SET state = 'cancelled', lease_token = NULL WHERE id = $1", [jobs[2].id])
        let done = try Completion.completeBatch(jobs, on: connection)
        #expect(done == Set(jobs.map(\.id)).subtracting([jobs[2].id]))
        #expect(try count(connection, state: .succeeded) == 4)
    }

    @Test func releaseReturnsJobsWithoutCountingTheAttempt() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "noop")], on: connection)
        let jobs = try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection)
        #expect(try Failure.release(jobs, on: connection) == [jobs[0].id])
        let row = try connection.query("SELECT state, attempt FROM jobs")[0]
        #expect(try row.string("state") == "available" && row.int("attempt") == 0)
    }
}
