import Foundation
import Postgres
import Testing
import TestSupport

/// A session holding the migration lock (any login can) makes migrate give up after its timeout and name the
/// holder, instead of blocking silently forever (issue 13 item 8, the lock part).
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct AdvisoryLockTests {
    @Test func aHeldMigrationLockTimesOutNamingTheHolder() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let holder = try Connection.connect(url: database.url, settings: ["application_name": "forgotten-psql"])
        _ = try holder.query("SELECT pg_advisory_lock(hashtext('viroscope.migrate:' || current_schema()))")
        let holderPID = try holder.query("SELECT pg_backend_pid() AS pid")[0].int("pid")
        var migrator = Migrator(directory: RepositoryPaths.migrations.path)
        migrator.lockTimeout = .milliseconds(500)
        let started = ContinuousClock.now
        #expect { try migrator.migrate(on: try database.connect()) } throws: { error in
            let text = "\(error)"
            return error is AdvisoryLock.Timeout && text.contains("pid \(holderPID)") && text.contains("forgotten-psql")
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        // Released, the same migrator goes through, and lock_timeout is back to what it was.
        _ = try holder.query("SELECT pg_advisory_unlock(hashtext('viroscope.migrate:' || current_schema()))")
        let connection = try database.connect()
        #expect(try !migrator.migrate(on: connection).isEmpty)
        #expect(try connection.query("SELECT current_setting('lock_timeout') AS t")[0].string("t") == "0")
    }
}
