import Foundation
import Testing
import Campaigns
import JobQueue
import Postgres
import TestSupport

/// Cancelled and failed campaigns stay recoverable: clean keeps their jobs, `retry --campaign` works from the
/// image sets that are missing, and resubmitting the same campaign offers the same.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct RecoveryTests {
    @Test func cancelCleanRetryFinishesTheCampaign() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        #expect(try fixture.coordinator(["cancel", "--campaign", "c1"]).status == 0)
        let connection = try fixture.database.connect()
        try connection.execute("UPDATE jobs SET finished_at = now() - interval '30 days'")
        let cleaned = try fixture.coordinator(["clean", "--older-than", "0"])
        #expect(cleaned.status == 0 && cleaned.stdout.contains("deleted 0 finished jobs"), "\(cleaned.stdout)\(cleaned.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 2)

        let retried = try fixture.coordinator(["retry", "--campaign", "c1"])
        #expect(retried.status == 0 && retried.stdout.contains("requeued 2 jobs; enqueued 0 new jobs"), "\(retried.stdout)\(retried.stderr)")
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 6)
        // Complete now: its history may be cleaned.
        try connection.execute("UPDATE jobs SET finished_at = now() - interval '30 days'")
        #expect(try fixture.coordinator(["clean", "--older-than", "0"]).stdout.contains("deleted 2 finished jobs"))
    }

    @Test func retryAndResubmissionEnqueueWhatIsMissingWhenTheJobsAreGone() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let connection = try fixture.database.connect()
        // One job's worth of results exists; every job is gone (an older cleaner, a manual purge).
        try connection.execute("UPDATE jobs SET run_at = now() + interval '1 hour' WHERE id = (SELECT max(id) FROM jobs)")
        try connection.execute("UPDATE jobs SET state = 'cancelled', finished_at = now() WHERE id = (SELECT max(id) FROM jobs)")
        #expect(try fixture.drain(concurrency: 1).status == 0)
        try connection.execute("DELETE FROM jobs")
        let progress = try CampaignProgress.load(campaign: "c1", on: connection)
        #expect(progress.imageSetsDone == 3 && progress.imageSets == 6)

        // Resubmission of the identical campaign offers what retry would.
        let again = try fixture.submit()
        #expect(again.status == 0 && again.stdout.contains("already submitted"), "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("enqueued 1 new jobs for 3 image sets without results"), "\(again.stdout)")
        // Nothing twice: a retry now finds every image set covered by a waiting job.
        let retried = try fixture.coordinator(["retry", "--campaign", "c1"])
        #expect(retried.stdout.contains("requeued 0 jobs; enqueued 0 new jobs"), "\(retried.stdout)\(retried.stderr)")
        #expect(try fixture.drain(concurrency: 2).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 6)
    }

    @Test func retryWithErrorsAnalysesAgainTheImageSetsThatFailed() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        let file = fixture.path("PLATE01/PLATE01_A02_s1_w1.tif")
        let good = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(try fixture.submit().status == 0)
        try Data("not a tiff".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NOT NULL") == 1)

        try good.write(to: URL(fileURLWithPath: file))
        let plain = try fixture.coordinator(["retry", "--campaign", "c1"])
        #expect(plain.stdout.contains("enqueued 0 new jobs"), "an error is a result unless --errors: \(plain.stdout)")
        let retried = try fixture.coordinator(["retry", "--campaign", "c1", "--errors", "--batch-size", "2"])
        #expect(retried.status == 0 && retried.stdout.contains("enqueued 1 new jobs for 1 image sets")
                && retried.stdout.contains("cleared 1 error results"), "\(retried.stdout)\(retried.stderr)")
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 3)
    }

    @Test func statusShowsWhyTheImageSetsOfADiscardedJobHaveNoResult() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let connection = try fixture.database.connect()
        for _ in 0..<2 {
            try connection.execute("UPDATE jobs SET run_at = now() WHERE state IN ('available', 'retryable')")
            let job = try #require(try Claim.claim(limit: 1, queues: ["default"], lease: .seconds(60), workerID: nil, on: connection).first)
            try connection.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [job.id])
            _ = try Rescuer.rescue(maxRescues: 2, on: connection)
        }
        let progress = try CampaignProgress.load(campaign: "c1", on: connection)
        #expect(progress.discardedImageSets.count == 3)
        #expect(progress.discardedImageSets.allSatisfy { $0.error.hasSuffix("worker died 2 times running this job") },
                "\(progress.discardedImageSets)")
        let status = try fixture.coordinator(["status", "--campaign", "c1"])
        #expect(status.stdout.contains("A02 s1: job") && status.stdout.contains("worker died 2 times"), "\(status.stdout)")
    }
}
