import Foundation
import Postgres
import Testing
import TestSupport

/// A session holding a campaign's submit lock makes submit give up after --lock-timeout and name the holder.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct SubmitLockTests {
    @Test func aHeldSubmitLockTimesOutNamingTheHolder() throws {
        let fixture = try CampaignFixture(wells: 2)
        defer { fixture.tearDown() }
        let holder = try Connection.connect(url: fixture.database.url, settings: ["application_name": "stuck-report"])
        _ = try holder.query("SELECT pg_advisory_lock(hashtextextended('viroscope.campaign:' || 'c1', 0))")
        let pid = try holder.query("SELECT pg_backend_pid() AS pid")[0].int("pid")
        let started = ContinuousClock.now
        let result = try fixture.submit(extra: ["--no-reporter", "--lock-timeout", "1s"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("held by pid \(pid)") && result.stderr.contains("stuck-report"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(try fixture.scalar("SELECT count(*) FROM campaigns") == 0)
        _ = try holder.query("SELECT pg_advisory_unlock(hashtextextended('viroscope.campaign:' || 'c1', 0))")
        #expect(try fixture.submit(extra: ["--no-reporter", "--lock-timeout", "1s"]).status == 0)
    }
}
