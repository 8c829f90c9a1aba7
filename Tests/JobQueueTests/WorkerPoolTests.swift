import Foundation
import JobQueue
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct WorkerPoolTests {
    @Test func tenThousandProbesDrainedByFourThreadsRunExactlyOnce() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.transaction { conn in
            try Enqueue.enqueue(Array(repeating: probe(), count: 10_000), on: conn)
        }
        let summary = try WorkerPool(configuration: testWorkerConfiguration(database, concurrency: 4, batch: 25),
                                     logger: quietLogger).run()
        #expect(summary.succeeded == 10_000)
        #expect(summary.leasesLost == 0 && summary.retried == 0)
        #expect(try probeCounts(connection) == ProbeCounts(rows: 10_000, distinctJobs: 10_000))
        #expect(try count(connection, state: .succeeded) == 10_000)
        #expect(try connection.query("SELECT count(*) AS n FROM jobs WHERE attempt <> 1")[0].int("n") == 0)
        // Four threads shared the work.
        #expect(try connection.query("SELECT stopped_at IS NOT NULL AS stopped FROM workers")[0].bool("stopped"))
    }

    @Test func stopRequestReleasesUnstartedJobsAndFinishesTheRunningOne() throws {
        let database = try TestDatabase.create()
        defer { database.drop() }
        let connection = try database.connect()
        try Enqueue.enqueue(Array(repeating: probe(sleepMs: 300), count: 5), on: connection)
        var config = testWorkerConfiguration(database, concurrency: 1, batch: 5)
        config.exitWhenIdle = false
        let pool = WorkerPool(configuration: config, logger: quietLogger)
        let finished = DispatchSemaphore(value: 0)
        let result = ThreadBox<WorkerSummary>()
        Thread {
            result.set(try? pool.run())
            finished.signal()
        }.start()
        #expect(try eventually { try count(connection, state: .running) == 5 })
        Thread.sleep(forTimeInterval: 0.1)
        pool.stop.requestStop()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        let summary = try #require(result.value)
        #expect(summary.succeeded == 1 && summary.released == 4)
        #expect(try count(connection, state: .running) == 0)
        #expect(try count(connection, state: .available) == 4)
        #expect(try probeCounts(connection).rows == 1)
    }

    @Test func benchQueueDrainsExactlyOnceAndDropsItsSchema() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        let result = try QueueBenchmark.run(databaseURL: database.baseURL, migrationsDirectory: RepositoryPaths.migrations.path,
                                            jobs: 2_000, workers: 2, batch: 50, logger: quietLogger)
        #expect(result.exactlyOnce && result.jobs == 2_000 && result.workers == 2 && result.system == "viroscope")
        #expect(result.jobsPerSecond > 0)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        for key in ["\"system\"", "\"jobs\"", "\"workers\"", "\"seconds\"", "\"jobs_per_second\"", "\"exactly_once\""] {
            #expect(json.contains(key))
        }
        let leftovers = try database.connect().query("SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'viroscope_bench_' || $1 || '_%'",
                                                     [String(ProcessInfo.processInfo.processIdentifier)])
        #expect(try leftovers[0].int("n") == 0)
    }
}

final class ThreadBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    func set(_ value: T?) { lock.lock(); stored = value; lock.unlock() }
    var value: T? { lock.lock(); defer { lock.unlock() }; return stored }
}
