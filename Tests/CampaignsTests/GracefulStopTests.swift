import Foundation
import Testing
import Campaigns
import Postgres
import TestSupport

/// SIGTERM in the middle of an `analyse-images` batch (a deploy, `systemctl stop`) is a stop, not a failure.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct GracefulStopTests {
    private func submit(_ fixture: CampaignFixture, _ name: String) throws {
        let run = try fixture.coordinator(["submit", "--name", name, "--images", fixture.images, "--plate-map",
                                           fixture.plateMap, "--model", fixture.model, "--batch-size", "12"])
        try #require(run.status == 0, "\(run.stderr)")
    }

    private func startWorker(_ fixture: CampaignFixture, _ extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(try BuiltExecutable.path("viroscope-worker"),
                         ["run", "--concurrency", "1", "--poll-interval", "100ms"] + extra, environment: fixture.environment)
    }

    private func job(_ fixture: CampaignFixture, _ name: String) throws -> (state: String, attempt: Int, errors: String, results: Int) {
        let connection = try fixture.database.connect()
        let row = try connection.query("""
            SELECT j.state, j.attempt, j.errors::text AS errors,
                   (SELECT count(*) FROM image_results r WHERE r.job_id = j.id)::int AS results
            FROM jobs j JOIN campaigns c ON c.id = j.campaign_id WHERE c.name = $1
            """, [name])[0]
        return (try row.string("state"), try row.int("attempt"), try row.string("errors"), try row.int("results"))
    }

    private func waitUntilRunning(_ fixture: CampaignFixture, _ child: ChildProcess) throws {
        let connection = try fixture.database.connect()
        let running = try eventuallyTrue(timeout: .seconds(60)) {
            try connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'running'")[0].int("n") == 1
        }
        try #require(running, "stderr: \(child.stderr.suffix(2000))")
    }

    @Test func aStopFinishesOrReleasesTheBatchWithoutBurningAnAttempt() throws {
        // One job of 12 image sets of 1024×1024: long enough to be stopped in the middle.
        let fixture = try CampaignFixture(wells: 12, imageSize: 1024)
        defer { fixture.tearDown() }

        // Default (finish): the batch in hand completes within the grace period.
        try submit(fixture, "finish")
        let finisher = try startWorker(fixture)
        try waitUntilRunning(fixture, finisher)
        finisher.signal(SIGTERM)
        #expect(try finisher.wait(timeout: .seconds(120)) == 0, "stderr: \(finisher.stderr.suffix(2000))")
        let finished = try job(fixture, "finish")
        #expect(finished.state == "succeeded" && finished.attempt == 1 && finished.errors == "[]"
                && finished.results == 12, "\(finished)\n\(finisher.stderr.suffix(2000))")

        // Release mode: given back untouched at the next image set.
        try submit(fixture, "release")
        let releaser = try startWorker(fixture, ["--shutdown-mode", "release"])
        try waitUntilRunning(fixture, releaser)
        releaser.signal(SIGTERM)
        #expect(try releaser.wait(timeout: .seconds(60)) == 0, "stderr: \(releaser.stderr.suffix(2000))")
        let released = try job(fixture, "release")
        #expect(released.state == "available" && released.attempt == 0 && released.errors == "[]"
                && released.results == 0, "\(released)\n\(releaser.stderr.suffix(2000))")

        // A second signal releases what the first was finishing.
        try submit(fixture, "twice")
        let connection = try fixture.database.connect()
        try connection.execute("UPDATE jobs SET run_at = now() + interval '1 hour' WHERE state = 'available'")
        try connection.execute("""
            UPDATE jobs SET run_at = now() WHERE campaign_id = (SELECT id FROM campaigns WHERE name = 'twice')
            """)
        let twice = try startWorker(fixture)
        try waitUntilRunning(fixture, twice)
        twice.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.2)
        twice.signal(SIGTERM)
        #expect(try twice.wait(timeout: .seconds(60)) == 0, "stderr: \(twice.stderr.suffix(2000))")
        let again = try job(fixture, "twice")
        #expect(again.state == "available" && again.attempt == 0 && again.errors == "[]" && again.results == 0,
                "\(again)\n\(twice.stderr.suffix(2000))")

        // Nothing was lost: both released batches run to completion afterwards.
        try connection.execute("UPDATE jobs SET run_at = now() WHERE state = 'available'")
        #expect(try fixture.drain(concurrency: 2).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 36)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE attempt <> 1 OR errors <> '[]'::jsonb") == 0)
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventuallyTrue(timeout: Duration, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
