import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// SIGTERM is a stop, not a failure: no attempt burned, no error recorded, whatever the shutdown mode.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct ShutdownTests {
    private func worker(_ url: String, _ extra: [String]) throws -> ChildProcess {
        try ChildProcess("viroscope-worker", ["run", "--database-url", url, "--poll-interval", "100ms"] + extra)
    }

    private func job(_ connection: Connection, _ id: Int64) throws -> (state: String, attempt: Int, errors: String) {
        let row = try connection.query("SELECT state, attempt, errors::text AS errors FROM jobs WHERE id = $1", [id])[0]
        return (try row.string("state"), try row.int("attempt"), try row.string("errors"))
    }

    @Test func finishModeCompletesTheJobInHandWithinTheGracePeriod() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 1_500)], on: connection).first)
        let child = try worker(database.url, [])
        #expect(try eventually { try count(connection, state: .running) == 1 }, "stderr: \(child.stderr)")
        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(30)) == 0, "stderr: \(child.stderr.suffix(2000))")
        let after = try job(connection, id)
        #expect(after.state == "succeeded" && after.attempt == 1 && after.errors == "[]", "\(after)")
        #expect(try probeCounts(connection).rows == 1)
    }

    @Test func releaseModeGivesTheJobBackUntouchedAtItsNextStep() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 30_000)], on: connection).first)
        let child = try worker(database.url, ["--shutdown-mode", "release"])
        #expect(try eventually { try count(connection, state: .running) == 1 }, "stderr: \(child.stderr)")
        let start = ContinuousClock.now
        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(20)) == 0, "stderr: \(child.stderr.suffix(2000))")
        #expect(ContinuousClock.now - start < .seconds(15), "released at the next step, not after the sleep")
        let after = try job(connection, id)
        #expect(after.state == "available" && after.attempt == 0 && after.errors == "[]", "\(after)")
        #expect(try probeCounts(connection).rows == 0)
        #expect(child.stderr.contains("released untouched"), "stderr: \(child.stderr.suffix(2000))")
    }

    @Test func aSecondSignalReleasesWhatTheFirstWasFinishing() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 30_000)], on: connection).first)
        let child = try worker(database.url, [])
        #expect(try eventually { try count(connection, state: .running) == 1 }, "stderr: \(child.stderr)")
        child.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(child.isRunning, "the first signal finishes the job in hand")
        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(20)) == 0, "stderr: \(child.stderr.suffix(2000))")
        let after = try job(connection, id)
        #expect(after.state == "available" && after.attempt == 0 && after.errors == "[]", "\(after)")
        #expect(child.stderr.contains("again"), "stderr: \(child.stderr.suffix(2000))")
    }
}
