import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// `viroscope-coordinator` as operators use it: output, exit codes, errors.
@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct CoordinatorTests {
    private func coordinator(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run("viroscope-coordinator", arguments, environment: environment)
    }

    @Test func migrateEnqueueStatusRetryPauseAndCancel() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let db = ["--database-url", database.url]
        let migrations = RepositoryPaths.migrations.path
        let first = try coordinator(["migrate"] + db + ["--migrations", migrations])
        #expect(first.status == 0 && first.stdout.contains("applied 0001_queue"), "\(first.stderr)")
        let second = try coordinator(["migrate"] + db, environment: ["VIROSCOPE_MIGRATIONS": migrations])
        #expect(second.status == 0 && second.stdout.contains("up to date"))

        let enqueued = try coordinator(["enqueue-probe", "--count", "3", "--campaign", "12"] + db)
        #expect(enqueued.status == 0 && enqueued.stdout.contains("enqueued 3 probe jobs"))
        let status = try coordinator(["status", "--json"] + db)
        #expect(status.status == 0)
        let decoded = try JSONDecoder().decode(QueueStatus.self, from: Data(status.stdout.utf8))
        #expect(decoded.jobsByState["available"] == 3)
        #expect(decoded.oldestAvailableSeconds != nil)

        #expect(try coordinator(["pause", "--queue", "default"] + db).status == 0)
        let paused = try coordinator(["status"] + db)
        #expect(paused.stdout.contains("paused     default"))
        #expect(try coordinator(["resume", "--queue", "default"] + db).status == 0)

        let cancelled = try coordinator(["cancel", "--campaign", "12"] + db)
        #expect(cancelled.stdout.contains("cancelled 3 jobs"))
        let retried = try coordinator(["retry", "--campaign", "12"] + db)
        #expect(retried.stdout.contains("requeued 3 jobs"))
        let connection = try database.connect()
        #expect(try count(connection, state: .available) == 3)
        try connection.execute("UPDATE jobs SET state = 'discarded', finished_at = now()")
        #expect(try coordinator(["retry", "--discarded"] + db).stdout.contains("requeued 3 jobs"))
        #expect(try coordinator(["rescue"] + db).status == 0)
    }

    @Test func usageErrorsExitTwoAndRuntimeErrorsExitOneNamingTheRedactedDatabase() throws {
        let usage = try coordinator(["retry"])
        #expect(usage.status == 2, "\(usage.stderr)")
        #expect(usage.stderr.contains("--campaign"))
        #expect(try coordinator(["no-such-command"]).status == 2)

        let down = try coordinator(["status", "--database-url", "postgresql://ops:topsecret@127.0.0.1:1/viroscope"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("postgresql://ops:***@127.0.0.1:1/viroscope"))
        #expect(!down.stderr.contains("topsecret"))
        #expect(down.stderr.split(separator: "\n").count == 1)

        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let missing = try coordinator(["migrate", "--database-url", database.url, "--migrations", "/nonexistent/dir"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/dir"))
    }

    @Test func workerRejectsUnknownKindsAndBadFlags() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue([NewJob(kind: "analyse-images"), NewJob(kind: "mystery")], on: connection)
        let run = try ChildProcess.run("viroscope-worker", ["run", "--database-url", database.url, "--exit-when-idle"])
        #expect(run.status == 0, "\(run.stderr)")
        let errors = try connection.query("SELECT kind, state, attempt, last_error FROM jobs ORDER BY id")
        #expect(try errors.map { try $0.string("state") } == ["discarded", "discarded"])
        #expect(try errors[0].string("last_error").contains("bad analyse-images payload"))
        #expect(try errors[1].string("last_error").contains("no executor for job kind \"mystery\""))
        #expect(try ChildProcess.run("viroscope-worker", ["run", "--concurrency", "0"]).status == 2)
    }
}
