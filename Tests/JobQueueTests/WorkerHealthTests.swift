import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

/// Faults that a worker must report or refuse instead of hiding: failing claims, a stalled step, an
/// impossible number of threads.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct WorkerHealthTests {
    @Test func healthTurns503WhenClaimsKeepFailingWhileTheDatabaseAnswers() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let port = try freeTCPPort()
        let child = try ChildProcess("viroscope-worker", [
            "run", "--database-url", database.url, "--lease", "1s", "--poll-interval", "100ms",
            "--metrics-host", "127.0.0.1", "--metrics-port", "\(port)",
        ])
        defer {
            child.signal(SIGKILL)
            _ = try? child.wait(timeout: .seconds(10))
        }
        #expect(try eventually { (try? httpGet(port: port, path: "/health").status) == 200 }, "stderr: \(child.stderr)")
        // Claims now fail (as with a revoked grant) while heartbeats on `workers` still succeed.
        try connection.execute("ALTER TABLE jobs RENAME TO jobs_elsewhere")
        var health = (status: 0, body: "")
        #expect(try eventually(timeout: .seconds(40)) {
            health = try httpGet(port: port, path: "/health")
            return health.status == 503
        }, "stderr: \(child.stderr.suffix(2000))")
        #expect(health.body.contains("claims have failed"), "health: \(health.body)")
        try connection.execute("ALTER TABLE jobs_elsewhere RENAME TO jobs")
        #expect(try eventually(timeout: .seconds(20)) { (try? httpGet(port: port, path: "/health").status) == 200 },
                "healthy again once claims work")
    }

    @Test func aStalledStepIsLeftForTheRescuerAndTheWorkerExitsToBeRestarted() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        let stuck = NewJob(kind: "probe", payload: #"{"sleep_ms": 60000, "step_deadline_ms": 500, "hang": true}"#)
        let id = try #require(try Enqueue.enqueue([stuck], on: connection).first)
        let child = try ChildProcess("viroscope-worker", ["run", "--database-url", database.url, "--lease", "1s",
                                                          "--poll-interval", "100ms"])
        let status = try child.wait(timeout: .seconds(30))
        #expect(status == 1, "stderr: \(child.stderr.suffix(2000))")
        #expect(child.stderr.contains("job \(id) stalled"), "stderr: \(child.stderr.suffix(2000))")
        // Not released (that would reset the attempt and hand the hang to the next worker): the lease runs
        // out and the rescue counts a death.
        let held = try connection.query("SELECT state, attempt FROM jobs WHERE id = $1", [id])[0]
        #expect(try held.string("state") == "running" && held.int("attempt") == 1)
        #expect(try eventually(timeout: .seconds(10)) {
            try Rescuer.rescue(policy: RetryPolicy(base: .zero, cap: .zero), on: connection).retried == [id]
        })
        #expect(try connection.query("SELECT rescues FROM jobs WHERE id = $1", [id])[0].int("rescues") == 1)
    }

    /// A process limit that refuses threads (here RLIMIT_NPROC for an unprivileged user) is reported and the
    /// worker exits non-zero, instead of running fewer threads and then waiting forever at shutdown.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root, prlimit and setpriv to run the worker as nobody under a thread limit"))
    func threadsTheSystemRefusesAreARuntimeErrorNotASilentlySmallerPool() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let worker = try BuiltExecutable.path("viroscope-worker")
        let run = try ChildProcess.run("/usr/bin/prlimit", [
            "--nproc=24:24", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", worker,
            "run", "--database-url", database.url, "--concurrency", "200", "--exit-when-idle",
        ], timeout: .seconds(60))
        #expect(run.status == 1, "stderr: \(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("cannot start thread claimer"), "stderr: \(run.stderr.suffix(2000))")
        let connection = try database.connect()
        #expect(try connection.query("SELECT bool_and(stopped_at IS NOT NULL) AS stopped FROM workers")[0].bool("stopped"))
    }

    @Test func anImpossibleConcurrencyIsAUsageErrorNotFewerThreads() throws {
        let run = try ChildProcess.run("viroscope-worker", ["run", "--concurrency", "100000", "--database-url",
                                                            "postgresql://nobody@127.0.0.1:1/none"])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("--concurrency must be within 1…256 threads, not 100000"), "stderr: \(run.stderr)")
    }
}
