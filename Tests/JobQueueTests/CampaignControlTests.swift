import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct CampaignControlTests {
    @Test func cancelStopsTheCampaignIncludingRunningJobsAndRetryBringsItBack() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([probe(campaign: 1), probe(campaign: 1), probe(campaign: 1), probe(campaign: 2)], on: connection)
        let running = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).first)
        #expect(running.campaignID == 1)
        #expect(try CampaignControl.cancel(campaignID: 1, on: connection) == 3)
        #expect(throws: JobQueueError.leaseLost(jobID: running.id)) {
            try Completion.complete(running, on: connection) { conn in
                try conn.execute("INSERT INTO job_probe_results (job_id, attempt) VALUES ($1, 1)", [running.id])
            }
        }
        #expect(try probeCounts(connection).rows == 0)
        let left = try Claim.claim(limit: 10, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection)
        #expect(left.map(\.campaignID) == [2])
        #expect(try CampaignControl.retry(campaignID: 1, on: connection) == 3)
        #expect(try CampaignControl.retry(campaignID: 1, on: connection) == 0)
        let back = try Claim.claim(limit: 10, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection)
        #expect(back.count == 3 && back.allSatisfy { $0.campaignID == 1 && $0.attempt == 1 })
    }
}
