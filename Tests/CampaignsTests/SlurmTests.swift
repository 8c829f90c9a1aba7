@testable import Campaigns
import Foundation
import Postgres
import Testing
import TestSupport

/// The Slurm worker array: the launcher's sizing and sbatch line, and the sbatch script itself run with the
/// real worker against the real database (Slurm itself is not needed: the script is bash with SLURM_*
/// variables, which is how sbatch runs it on a compute node).
@Suite struct SlurmSubmissionTests {
    @Test func slurmTimeLimitsReadAsSbatchReadsThem() {
        #expect(SlurmSubmission.seconds(slurmTime: "90") == 5400)
        #expect(SlurmSubmission.seconds(slurmTime: "10:30") == 630)
        #expect(SlurmSubmission.seconds(slurmTime: "04:00:00") == 14400)
        #expect(SlurmSubmission.seconds(slurmTime: "2-12") == 2 * 86400 + 12 * 3600)
        #expect(SlurmSubmission.seconds(slurmTime: "1-00:30") == 86400 + 1800)
        #expect(SlurmSubmission.seconds(slurmTime: "1-00:00:10") == 86410)
        for bad in ["", "0", "1h", "-5", "1-2-3", "1:2:3:4", "12:", "abc", "１０", "99999999"] {
            #expect(SlurmSubmission.seconds(slurmTime: bad) == nil, "\(bad)")
        }
    }

    @Test func theArrayIsSizedFromTheRemainingJobs() {
        #expect(SlurmSubmission.arraySize(remainingJobs: 0, workers: 10, cpusPerTask: 4) == nil)
        #expect(SlurmSubmission.arraySize(remainingJobs: 9, workers: 10, cpusPerTask: 4) == 3)
        #expect(SlurmSubmission.arraySize(remainingJobs: 1000, workers: 10, cpusPerTask: 4) == 10)
        #expect(SlurmSubmission.arraySize(remainingJobs: 1, workers: 10, cpusPerTask: 1) == 1)
    }

    @Test func theSbatchLineSignalsBeforeTheLimitAndCarriesNoSecret() throws {
        let submission = try SlurmSubmission(campaign: "screen 7; rm", arrayTasks: 3, cpusPerTask: 8, timeLimit: "1-00:00",
                                             partition: "cpu", account: "lab", shutdownGraceSeconds: 540,
                                             script: "/opt/viroscope/viroscope-worker.sbatch")
        #expect(submission.arguments == [
            "sbatch", "--job-name=viroscope-screen_7__rm", "--array=1-3", "--ntasks=1", "--cpus-per-task=8",
            "--time=1-00:00", "--signal=B:TERM@600", "--partition=cpu", "--account=lab",
            "--export=ALL,VIROSCOPE_SHUTDOWN_GRACE=540s", "/opt/viroscope/viroscope-worker.sbatch",
        ])
        #expect(!submission.commandLine.contains("postgres"))
        #expect(SlurmSubmission.shellQuoted("it's") == #"'it'\''s'"#)

        #expect(throws: SlurmSubmission.Problem.workers(0)) {
            try SlurmSubmission(campaign: "c", arrayTasks: 0, cpusPerTask: 1, timeLimit: "60", script: "s")
        }
        #expect(throws: SlurmSubmission.Problem.timeShorterThanStop(limit: 300, lead: 600)) {
            try SlurmSubmission(campaign: "c", arrayTasks: 1, cpusPerTask: 1, timeLimit: "5", script: "s")
        }
        #expect(throws: SlurmSubmission.Problem.time("4h")) {
            try SlurmSubmission(campaign: "c", arrayTasks: 1, cpusPerTask: 1, timeLimit: "4h", script: "s")
        }
    }
}

@Suite struct SlurmScriptTests {
    static let script = RepositoryPaths.root.appendingPathComponent("ops/slurm/viroscope-worker.sbatch").path

    @Test func scriptParsesAndKeepsItsStopSignalAheadOfTheGrace() throws {
        let syntax = try ChildProcess.run("/bin/bash", ["-n", Self.script])
        #expect(syntax.status == 0, "\(syntax.stderr)")
        let text = try String(contentsOfFile: Self.script, encoding: .utf8)
        #expect(text.contains("#SBATCH --signal=B:TERM@600"))
        #expect(text.contains("--exit-when-idle"))
        #expect(text.contains("--shutdown-grace \"${VIROSCOPE_SHUTDOWN_GRACE:-540s}\""))
    }

    /// Runs the script as sbatch would on a node: bash, the SLURM_* variables, the submitter's environment.
    static func run(_ environment: [String: String], timeout: Duration = .seconds(60)) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        var env = ["SLURM_JOB_ID": "41", "SLURM_ARRAY_TASK_ID": "1", "SLURM_NTASKS": "1", "SLURM_CPUS_PER_TASK": "2",
                   "VIROSCOPE_DATABASE_URL": "", "VIROSCOPE_IMAGE_ROOT": NSTemporaryDirectory(),
                   "VIROSCOPE_WORKER": try BuiltExecutable.path("viroscope-worker")]
        env.merge(environment) { $1 }
        return try ChildProcess.run("/bin/bash", [script], environment: env, timeout: timeout)
    }

    @Test func scriptRefusesAURLFileOthersCanReadAndMissingSettings() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("database-url")
        try "postgresql://viroscope:s3cret@db/viroscope\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)

        let open = try Self.run(["VIROSCOPE_DATABASE_URL_FILE": file.path])
        #expect(open.status == 1)
        #expect(open.stderr.contains("is mode 644: others could read the database URL; chmod 600 it"), "\(open.stderr)")
        #expect(!(open.stdout + open.stderr).contains("s3cret"))

        let missing = try Self.run(["VIROSCOPE_DATABASE_URL_FILE": directory.appendingPathComponent("none").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no database: set VIROSCOPE_DATABASE_URL or write the URL to"))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let noImages = try Self.run(["VIROSCOPE_DATABASE_URL_FILE": file.path, "VIROSCOPE_IMAGE_ROOT": "/nonexistent/screens"])
        #expect(noImages.status == 1)
        #expect(noImages.stderr.contains("/nonexistent/screens is not a readable directory"), "\(noImages.stderr)")

        let cpus = try Self.run(["VIROSCOPE_DATABASE_URL": "postgresql:///x", "SLURM_CPUS_PER_TASK": "two"])
        #expect(cpus.status == 1)
        #expect(cpus.stderr.contains("SLURM_CPUS_PER_TASK must be a number of CPUs"))

        let tasks = try Self.run(["VIROSCOPE_DATABASE_URL": "postgresql:///x", "SLURM_NTASKS": "4"])
        #expect(tasks.status == 1)
        #expect(tasks.stderr.contains("one worker per array task"))
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct SlurmWorkerTests {
    /// The array task's worker drains the queue with SLURM_CPUS_PER_TASK threads and exits 0, and a SIGTERM
    /// to the batch shell (Slurm's --signal=B:TERM, or scancel --batch --signal=TERM) reaches the worker
    /// once: the job in hand is finished, not released or failed, and no attempt is burned.
    @Test func scriptDrainsTheQueueAndForwardsTheStopSignalOnce() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let coordinator = try BuiltExecutable.path("viroscope-coordinator")
        let enqueue = try ChildProcess.run(coordinator, ["enqueue-probe", "--count", "4", "--sleep-ms", "100"],
                                           environment: ["VIROSCOPE_DATABASE_URL": database.url])
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        let drained = try SlurmScriptTests.run(["VIROSCOPE_DATABASE_URL": database.url])
        #expect(drained.status == 0, "\(drained.stdout)\n\(drained.stderr)")
        #expect(drained.stdout.contains("job 41 task 1 on"))
        let connection = try database.connect()
        #expect(try connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'succeeded'")[0].int("n") == 4)
        #expect(try connection.query("SELECT max(concurrency) AS n FROM workers")[0].int("n") == 2)

        // One long job; stop the array task while it runs.
        let long = try ChildProcess.run(coordinator, ["enqueue-probe", "--count", "1", "--sleep-ms", "3000"],
                                        environment: ["VIROSCOPE_DATABASE_URL": database.url])
        #expect(long.status == 0)
        var env = ["SLURM_JOB_ID": "42", "SLURM_ARRAY_TASK_ID": "1", "SLURM_NTASKS": "1", "SLURM_CPUS_PER_TASK": "1",
                   "VIROSCOPE_DATABASE_URL": database.url, "VIROSCOPE_IMAGE_ROOT": NSTemporaryDirectory()]
        env["VIROSCOPE_WORKER"] = try BuiltExecutable.path("viroscope-worker")
        let task = try ChildProcess("/bin/bash", [SlurmScriptTests.script], environment: env)
        let deadline = ContinuousClock.now + .seconds(30)
        while try connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'running'")[0].int("n") == 0 {
            #expect(ContinuousClock.now < deadline, "the worker never claimed the job")
            if ContinuousClock.now >= deadline { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let stopped = ContinuousClock.now
        task.signal(SIGTERM)
        let status = try task.wait(timeout: .seconds(30))
        #expect(status == 0, "\(task.stdout)\n\(task.stderr)")
        #expect(ContinuousClock.now - stopped < .seconds(20))
        #expect(task.stderr.contains("stop requested"))
        let row = try connection.query("SELECT state, attempt FROM jobs ORDER BY id DESC LIMIT 1")[0]
        #expect(try row.string("state") == "succeeded")
        #expect(try row.int("attempt") == 1)
    }

    /// The launcher's dry run sizes the array from the campaign's unfinished jobs and prints the sbatch line.
    @Test func launcherDryRunSizesTheArrayFromTheRemainingJobs() throws {
        let fixture = try CampaignFixture(wells: 6, imageSize: 128)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let jobs = try fixture.scalar("SELECT count(*) FROM jobs")
        #expect(jobs >= 2)
        let script = SlurmScriptTests.script
        let run = try fixture.coordinator(["slurm-submit", "--campaign", "c1", "--workers", "50", "--cpus-per-task", "1",
                                           "--partition", "short", "--time", "30", "--shutdown-grace-seconds", "60",
                                           "--script", script, "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(jobs) unfinished jobs -> \(jobs) workers x 1 CPUs (capped from 50"), "\(run.stdout)")
        #expect(run.stdout.contains("sbatch --job-name=viroscope-c1 --array=1-\(jobs) --ntasks=1 --cpus-per-task=1 --time=30 --signal=B:TERM@120 --partition=short --export=ALL,VIROSCOPE_SHUTDOWN_GRACE=60s \(script)"), "\(run.stdout)")
        #expect(!run.stdout.contains(fixture.database.url))

        let capped = try fixture.coordinator(["slurm-submit", "--campaign", "c1", "--workers", "1", "--script", script, "--dry-run"])
        #expect(capped.stdout.contains("--array=1-1 "), "\(capped.stdout)")

        // Usage errors exit 2 before any connection; an unknown campaign is a runtime error, exit 1.
        let zero = try fixture.coordinator(["slurm-submit", "--campaign", "c1", "--workers", "0", "--script", script, "--dry-run"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--workers must be at least 1"), "\(zero.stderr)")
        let short = try fixture.coordinator(["slurm-submit", "--campaign", "c1", "--workers", "2", "--time", "5",
                                             "--script", script, "--dry-run"])
        #expect(short.status == 2)
        #expect(short.stderr.contains("leaves no work time"), "\(short.stderr)")
        let unknown = try fixture.coordinator(["slurm-submit", "--campaign", "nope", "--workers", "2", "--script", script,
                                               "--dry-run"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no campaign named 'nope'"), "\(unknown.stderr)")

        // A drained campaign needs no workers.
        #expect(try fixture.drain().status == 0)
        let done = try fixture.coordinator(["slurm-submit", "--campaign", "c1", "--workers", "2", "--script", script, "--dry-run"])
        #expect(done.status == 0)
        #expect(done.stdout.contains("has no unfinished jobs; nothing to submit"), "\(done.stdout)")
    }
}
