import Foundation
import JobQueue
import Logging
import Postgres
import TestSupport

let databaseRequired = "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"

/// Quiet logs for in-process workers: failures still show.
let quietLogger: Logger = {
    var logger = Logger(label: "viroscope.test")
    logger.logLevel = .warning
    return logger
}()

func probe(sleepMs: Int = 0, failTimes: Int = 0, maxAttempts: Int = 5, campaign: Int64? = nil, queue: String = "default") -> NewJob {
    NewJob(kind: "probe", payload: "{\"sleep_ms\": \(sleepMs), \"fail_times\": \(failTimes)}", queue: queue,
           campaignID: campaign, maxAttempts: maxAttempts)
}

struct ProbeCounts: Equatable {
    let rows: Int
    let distinctJobs: Int
}

func probeCounts(_ connection: Connection) throws -> ProbeCounts {
    let row = try connection.query("SELECT count(*) AS n, count(DISTINCT job_id) AS d FROM job_probe_results")[0]
    return ProbeCounts(rows: try row.int("n"), distinctJobs: try row.int("d"))
}

func count(_ connection: Connection, state: JobState) throws -> Int {
    try connection.query("SELECT count(*) AS n FROM jobs WHERE state = $1", [state.rawValue])[0].int("n")
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

func testWorkerConfiguration(_ database: TestDatabase, concurrency: Int = 1, batch: Int = 1) -> WorkerConfiguration {
    var config = WorkerConfiguration(databaseURL: database.url)
    config.concurrency = concurrency
    config.batchSize = batch
    config.exitWhenIdle = true
    config.pollInterval = .milliseconds(50)
    config.retryPolicy = RetryPolicy(base: .zero, cap: .zero)
    return config
}
