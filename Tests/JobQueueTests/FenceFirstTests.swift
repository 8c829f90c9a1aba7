import Foundation
import Testing
import JobQueue
import Postgres
import TestSupport

/// A worker whose lease was taken over must fail at the fence, before it writes a single result row.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test")) struct FenceFirstTests {
    @Test func resultsAreNotEvenAttemptedAfterTheLeaseWasLost() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "probe")], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil,
                                              on: connection).first)
        // Another worker takes the job over (as the rescuer and a second claim would).
        try connection.execute("UPDATE jobs SET lease_token = gen_random_uuid() WHERE id = $1", [job.id])

        var attempted = false
        #expect(throws: JobQueueError.leaseLost(jobID: job.id)) {
            try Completion.complete(job, on: connection) { _ in attempted = true }
        }
        #expect(!attempted)
        #expect(try connection.query("SELECT state FROM jobs WHERE id = $1", [job.id]).first?.string("state") == "running")
    }

    @Test func aFailureWhileWritingResultsRollsBackTheCompletion() throws {
        struct WriteFailed: Error {}
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "probe")], on: connection)
        let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil,
                                              on: connection).first)
        #expect(throws: WriteFailed.self) {
            try Completion.complete(job, on: connection) { conn in
                try conn.execute("INSERT INTO job_probe_results (job_id, attempt) VALUES ($1, 1)", [job.id])
                throw WriteFailed()
            }
        }
        #expect(try connection.query("SELECT state FROM jobs WHERE id = $1", [job.id]).first?.string("state") == "running")
        #expect(try connection.query("SELECT count(*) AS n FROM job_probe_results").first?.int("n") == 0)
    }
}
