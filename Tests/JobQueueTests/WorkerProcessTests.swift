import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// The worker executable, as operators run it. Serialised: these tests time leases and signals.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct WorkerProcessTests {
    private func worker(_ url: String, _ extra: [String]) throws -> ChildProcess {
        try ChildProcess("viroscope-worker", ["run", "--database-url", url, "--poll-interval", "100ms", "--retry-base", "0s"] + extra)
    }

    @Test func twoWorkerProcessesDrainTheSameQueueExactlyOnce() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 2), count: 1_000), on: connection)
        let workers = try (0..<2).map { _ in
            try worker(database.url, ["--concurrency", "2", "--batch", "5", "--exit-when-idle", "--log-level", "warning"])
        }
        for child in workers {
            let status = try child.wait(timeout: .seconds(90))
            #expect(status == 0, "worker stderr: \(child.stderr.suffix(2000))")
        }
        #expect(try probeCounts(connection) == ProbeCounts(rows: 1_000, distinctJobs: 1_000))
        #expect(try count(connection, state: .succeeded) == 1_000)
        #expect(try connection.query("SELECT count(DISTINCT worker_id) AS n FROM job_probe_results")[0].int("n") == 2)
    }

    @Test func killedWorkersJobIsRescuedAfterItsLeaseAndCompletedOnceElsewhere() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 2_500)], on: connection).first)
        let doomed = try worker(database.url, ["--lease", "1s"])
        #expect(try eventually { try count(connection, state: .running) == 1 }, "stderr: \(doomed.stderr)")
        let doomedWorker = try connection.query("SELECT worker_id FROM jobs WHERE id = $1", [id])[0].int64("worker_id")
        doomed.signal(SIGKILL)
        #expect(try doomed.wait(timeout: .seconds(10)) == 128 + SIGKILL)

        let rescuer = try worker(database.url, ["--lease", "1s", "--exit-when-idle"])
        #expect(try rescuer.wait(timeout: .seconds(60)) == 0, "stderr: \(rescuer.stderr.suffix(2000))")
        #expect(try probeCounts(connection) == ProbeCounts(rows: 1, distinctJobs: 1))
        let job = try connection.query("SELECT state, attempt, worker_id, errors::text AS errors FROM jobs WHERE id = $1", [id])[0]
        #expect(try job.string("state") == "succeeded")
        #expect(try job.int("attempt") == 2)
        #expect(try job.int64("worker_id") != doomedWorker)
        #expect(try job.string("errors").contains("lease expired"))
        #expect(rescuer.stderr.contains("job \(id) kind=probe attempt=2/5: succeeded"))
    }

    @Test func sigtermExitsZeroWithNothingLeftRunning() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 400), count: 20), on: connection)
        let child = try worker(database.url, ["--concurrency", "2", "--batch", "4"])
        #expect(try eventually { try count(connection, state: .running) >= 2 }, "stderr: \(child.stderr)")
        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(20)) == 0, "stderr: \(child.stderr.suffix(2000))")
        #expect(try count(connection, state: .running) == 0)
        let succeeded = try count(connection, state: .succeeded)
        #expect(succeeded >= 1 && succeeded < 20)
        #expect(try count(connection, state: .available) == 20 - succeeded)
        #expect(try probeCounts(connection).rows == succeeded)
        #expect(try connection.query("SELECT bool_and(stopped_at IS NOT NULL) AS stopped FROM workers")[0].bool("stopped"))
        #expect(child.stderr.contains("stopping"))
    }

    @Test func jobsStillRunningAfterTheGracePeriodAreReleasedAndTheWorkerExitsZero() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let id = try #require(try Enqueue.enqueue([probe(sleepMs: 20_000)], on: connection).first)
        let child = try worker(database.url, ["--shutdown-grace", "500ms"])
        #expect(try eventually { try count(connection, state: .running) == 1 }, "stderr: \(child.stderr)")
        let start = ContinuousClock.now
        child.signal(SIGTERM)
        #expect(try child.wait(timeout: .seconds(10)) == 0, "stderr: \(child.stderr.suffix(2000))")
        #expect(ContinuousClock.now - start < .seconds(8))
        let job = try connection.query("SELECT state, attempt FROM jobs WHERE id = $1", [id])[0]
        #expect(try job.string("state") == "available" && job.int("attempt") == 0)
        #expect(try probeCounts(connection).rows == 0)
    }

    @Test func benchQueueCommandPrintsTheJSONTheBenchmarkWrapperReads() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let run = try ChildProcess.run("viroscope-worker", ["bench-queue", "--database-url", database.baseURL, "--jobs", "500",
                                                            "--workers", "2", "--json"],
                                       environment: ["VIROSCOPE_MIGRATIONS": RepositoryPaths.migrations.path])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["system"] as? String == "viroscope")
        #expect(object["jobs"] as? Int == 500 && object["workers"] as? Int == 2)
        #expect(object["exactly_once"] as? Bool == true)
        #expect((object["jobs_per_second"] as? Double ?? 0) > 0 && (object["seconds"] as? Double ?? 0) > 0)
    }

    @Test func workerSurvivesADatabaseRestartAndFinishes() throws {
        let cluster = try PrivateCluster()
        let connection = try Connection.connect(url: cluster.url)
        _ = try Migrator(directory: RepositoryPaths.migrations.path).migrate(on: connection)
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 10), count: 300), on: connection)
        let child = try worker(cluster.url, ["--concurrency", "2", "--lease", "10s", "--exit-when-idle"])
        #expect(try eventually { try probeCounts(connection).rows >= 20 }, "stderr: \(child.stderr)")
        try cluster.stop()
        Thread.sleep(forTimeInterval: 1)
        #expect(child.isRunning, "the worker must not die with the database: \(child.stderr.suffix(2000))")
        try cluster.start()
        #expect(try child.wait(timeout: .seconds(90)) == 0, "stderr: \(child.stderr.suffix(3000))")
        try connection.reconnect(retryFor: .seconds(10))
        #expect(try probeCounts(connection) == ProbeCounts(rows: 300, distinctJobs: 300))
        #expect(try count(connection, state: .succeeded) == 300)
        #expect(child.stderr.contains("reconnect"))
    }
}
