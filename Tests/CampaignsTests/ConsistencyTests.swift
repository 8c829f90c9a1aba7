import Foundation
import Testing
import Campaigns
import Postgres
import TestSupport

/// A job marked succeeded without its results (issue 13, item 8: before migration 0009 any worker login could
/// do it) left the campaign short forever while `status` showed nothing wrong. `status --campaign` now says
/// so, and `repair --campaign` analyses those image sets again.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct ConsistencyTests {
    @Test func statusReportsSucceededJobsWithoutResultsAndRepairCompletesTheCampaign() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let connection = try fixture.database.connect()
        // Marked succeeded from outside its fenced completion (the schema owner stands in for the forger).
        try connection.execute("""
            UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE id = (SELECT max(id) FROM jobs)
            """)
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 3)

        let status = try fixture.coordinator(["status", "--campaign", "c1"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("INCONSISTENT: 1 succeeded jobs have no results for 3 image sets"),
                "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("repair --campaign 'c1'"))
        let json = try fixture.coordinator(["status", "--campaign", "c1", "--json"])
        #expect(json.stderr.contains("INCONSISTENT") && !json.stdout.contains("INCONSISTENT"))

        let dry = try fixture.coordinator(["repair", "--campaign", "c1", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("1 succeeded jobs without results for 3 image sets"),
                "\(dry.stdout)\(dry.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 2)
        let repaired = try fixture.coordinator(["repair", "--campaign", "c1"])
        #expect(repaired.status == 0 && repaired.stdout.contains("enqueued 1 jobs for 3 image sets"),
                "\(repaired.stdout)\(repaired.stderr)")
        // Twice is harmless: the image sets are in a waiting job now, and status no longer flags them.
        #expect(try fixture.coordinator(["repair", "--campaign", "c1"]).stdout.contains("enqueued 0 jobs for 0 image sets"))
        #expect(!(try fixture.coordinator(["status", "--campaign", "c1"]).stdout.contains("INCONSISTENT")))

        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 6)
        let progress = try CampaignProgress.load(campaign: "c1", on: connection)
        #expect(progress.imageSetsDone == 6)
        #expect(try CampaignConsistency.check(campaignID: progress.campaignID, on: connection).isConsistent)

        let unknown = try fixture.coordinator(["repair", "--campaign", "nosuch"])
        #expect(unknown.status == 1 && unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
        #expect(try fixture.coordinator(["repair", "--campaign", "c1", "--batch-size", "0"]).status == 2)
    }
}
