import Foundation
import Logging
import Postgres

/// How a worker process runs.
public struct WorkerConfiguration: Sendable {
    /// URL or conninfo; nil lets libpq read `PG*` variables and `~/.pgpass`.
    public var databaseURL: String?
    /// Session settings applied on every connection (e.g. `search_path`).
    public var connectionSettings: [String: String] = [:]
    /// Claiming threads, each with its own connection.
    public var concurrency = 1
    public var queues = ["default"]
    public var lease: Duration = .seconds(60)
    /// Fallback poll when no NOTIFY arrives.
    public var pollInterval: Duration = .seconds(1)
    /// Jobs claimed per round trip by each thread.
    public var batchSize = 1
    /// Stop when nothing is available, retryable or running in the (unpaused) queues.
    public var exitWhenIdle = false
    public var retryPolicy = RetryPolicy()
    /// After a stop request, how long held jobs may run before they are released back to the queue.
    public var shutdownGrace: Duration = .seconds(30)
    /// How long the first connection may keep failing before `run` gives up. Later outages are waited out.
    public var startupPatience: Duration = .seconds(30)
    public var version = "dev"
    public var host = ProcessInfo.processInfo.hostName
    public var pid = ProcessInfo.processInfo.processIdentifier

    public init(databaseURL: String? = nil) {
        self.databaseURL = databaseURL
    }

    var heartbeatInterval: Duration { max(lease / 3, .milliseconds(100)) }
    var rescueInterval: Duration { min(max(lease / 2, .milliseconds(500)), .seconds(30)) }
}

/// What a `WorkerPool.run` did.
public struct WorkerSummary: Sendable, Equatable {
    public var workerID: Int64?
    public var succeeded = 0
    public var retried = 0
    public var discarded = 0
    public var leasesLost = 0
    public var released = 0
}

/// A worker process's engine: K claiming threads (one connection each), plus one maintenance thread that
/// heartbeats the worker row and held leases, rescues expired leases and turns `NOTIFY viroscope_jobs` into
/// wake-ups. Survives database restarts by reconnecting with backoff.
public final class WorkerPool: Sendable {
    public let configuration: WorkerConfiguration
    public let stop: StopSignal
    private let registry: ExecutorRegistry
    private let logger: Logger
    private let observer: any WorkerObserver
    private let held = HeldJobs()
    private let stats = Stats()

    /// - Parameter observer: told about claims, outcomes, reconnects and database round trips (for metrics
    ///   and health); called from the pool's threads, so it must be thread-safe and quick.
    public init(configuration: WorkerConfiguration, registry: ExecutorRegistry = .builtin,
                logger: Logger = Logger(label: "viroscope.worker"), stop: StopSignal = StopSignal(),
                observer: any WorkerObserver = NoWorkerObserver()) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.stop = stop
        self.observer = observer
    }

    /// Registers the worker, runs until stopped (or idle with `exitWhenIdle`), marks the worker stopped.
    ///
    /// After `stop.requestStop()` threads claim nothing more and release jobs they had not started; jobs
    /// still running after `shutdownGrace` are released too, and `run` returns without waiting for them.
    ///
    /// - Throws: `PostgresError` if the database cannot be reached within `startupPatience`.
    public func run() throws -> WorkerSummary {
        let config = configuration
        let control = try Connection.connect(url: config.databaseURL, settings: config.connectionSettings,
                                             retryFor: config.startupPatience, logger: logger)
        let workerID = try WorkerRegistry.register(host: config.host, pid: config.pid, version: config.version,
                                                   concurrency: config.concurrency, queues: config.queues, on: control)
        logger.info("worker \(workerID) started: \(config.concurrency) threads on queues \(config.queues.joined(separator: ",")) at \(control.target)")
        let claimers = DispatchGroup()
        for index in 0..<max(config.concurrency, 1) {
            claimers.enter()
            let thread = Thread { [self] in
                defer { claimers.leave() }
                claimLoop(thread: index, workerID: workerID)
            }
            thread.name = "viroscope-claimer-\(index)"
            thread.start()
        }
        let maintenanceStop = StopSignal()
        let maintenanceDone = DispatchSemaphore(value: 0)
        let maintenance = Thread { [self] in
            maintenanceLoop(workerID: workerID, until: maintenanceStop)
            maintenanceDone.signal()
        }
        maintenance.name = "viroscope-maintenance"
        maintenance.start()

        var abandoned = false
        while claimers.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if let requested = stop.requestedAt, ContinuousClock.now - requested > config.shutdownGrace {
                abandoned = true
                break
            }
        }
        maintenanceStop.requestStop()
        maintenanceDone.wait()
        try withDatabase(control, patience: .seconds(30)) {
            if abandoned {
                let leftovers = held.all
                let released = try Failure.release(leftovers, on: control)
                stats.add(released: released.count)
                logger.warning("released \(released.count) jobs still running after the shutdown grace period")
            }
            try WorkerRegistry.markStopped(workerID: workerID, on: control)
        }
        var summary = stats.snapshot
        summary.workerID = workerID
        logger.info("worker \(workerID) stopped: \(summary.succeeded) succeeded, \(summary.retried) retried, \(summary.discarded) discarded, \(summary.leasesLost) leases lost, \(summary.released) released")
        return summary
    }

    // MARK: Claiming threads

    private func claimLoop(thread: Int, workerID: Int64) {
        let config = configuration
        guard let connection = connectPatiently() else { return }
        while !stop.isStopping {
            do {
                let jobs = try withDatabase(connection) {
                    try Claim.claim(limit: config.batchSize, queues: config.queues, lease: config.lease,
                                    workerID: workerID, on: connection)
                }
                observer.databaseReachable()
                if jobs.isEmpty {
                    if config.exitWhenIdle,
                       try withDatabase(connection, { try Claim.isIdle(queues: config.queues, on: connection) }) {
                        return
                    }
                    stop.sleep(timeout: config.pollInterval)
                    continue
                }
                held.add(jobs)
                observer.jobsClaimed(jobs)
                observer.busyThreadsChanged(by: 1)
                defer { observer.busyThreadsChanged(by: -1) }
                try process(jobs, on: connection, workerID: workerID)
            } catch {
                logger.error("claimer \(thread): \(error)")
                stop.sleep(timeout: config.pollInterval)
            }
        }
    }

    private func process(_ jobs: [ClaimedJob], on connection: Connection, workerID: Int64) throws {
        var noResults: [(job: ClaimedJob, started: ContinuousClock.Instant)] = []
        defer { flush(noResults, on: connection) }
        let context = JobContext(workerID: workerID, logger: logger, stop: stop)
        for (position, job) in jobs.enumerated() {
            if stop.isStopping {
                let rest = Array(jobs[position...])
                let released = try withDatabase(connection) { try Failure.release(rest, on: connection) }
                for job in rest {
                    held.remove(job.id)
                    if released.contains(job.id) {
                        finished(job, .released, "released", since: nil)
                    } else {
                        finished(job, .leaseLost, "lease lost", since: nil)
                    }
                }
                stats.add(released: released.count)
                return
            }
            let started = ContinuousClock.now
            let outcome: Result<JobOutcome, any Error>
            if let executor = registry.executor(for: job.kind) {
                outcome = Result { try executor.execute(job, context: context) }
            } else {
                outcome = .failure(PermanentJobFailure("no executor for job kind \"\(job.kind)\" in this worker"))
            }
            switch outcome {
            case .success(.succeeded):
                noResults.append((job, started))
            case .success(.succeededWithResults(let write)):
                do {
                    try withDatabase(connection) { try Completion.complete(job, on: connection, writeResults: write) }
                    stats.add(succeeded: 1)
                    finished(job, .succeeded, "succeeded", since: started)
                    held.remove(job.id)
                } catch JobQueueError.leaseLost {
                    stats.add(leasesLost: 1)
                    finished(job, .leaseLost, "lease lost, results rolled back", since: started)
                    held.remove(job.id)
                } catch {
                    recordFailure(job, error: error, started: started, on: connection)
                }
            case .failure(let error):
                recordFailure(job, error: error, started: started, on: connection)
            }
        }
    }

    private func recordFailure(_ job: ClaimedJob, error: any Error, started: ContinuousClock.Instant,
                               on connection: Connection) {
        defer { held.remove(job.id) }
        do {
            let outcome = try withDatabase(connection) {
                try Failure.fail(job, error: "\(error)", permanent: error is PermanentJobFailure,
                                 policy: configuration.retryPolicy, on: connection)
            }
            switch outcome {
            case .retryScheduled(let after):
                stats.add(retried: 1)
                finished(job, .retried, "failed, retry in \(String(format: "%.1f", after.seconds)) s: \(error)", since: started)
            case .discarded:
                stats.add(discarded: 1)
                finished(job, .discarded, "discarded: \(error)", since: started)
            }
        } catch JobQueueError.leaseLost {
            stats.add(leasesLost: 1)
            finished(job, .leaseLost, "failed after its lease was lost: \(error)", since: started)
        } catch let recordError {
            finished(job, .failedUnrecorded, "failed (\(error)); recording the failure failed too: \(recordError)",
                     since: started)
        }
    }

    private func flush(_ done: [(job: ClaimedJob, started: ContinuousClock.Instant)], on connection: Connection) {
        guard !done.isEmpty else { return }
        do {
            let completed = try withDatabase(connection) { try Completion.completeBatch(done.map(\.job), on: connection) }
            stats.add(succeeded: completed.count, leasesLost: done.count - completed.count)
            for (job, started) in done {
                if completed.contains(job.id) {
                    finished(job, .succeeded, "succeeded", since: started)
                } else {
                    finished(job, .leaseLost, "lease lost", since: started)
                }
            }
        } catch {
            logger.error("completing \(done.count) jobs failed, their leases will expire and they will rerun: \(error)")
            for (job, started) in done {
                observer.jobFinished(job, outcome: .failedUnrecorded, duration: ContinuousClock.now - started)
            }
        }
        for (job, _) in done { held.remove(job.id) }
    }

    /// Logs one job's outcome line and tells the observer.
    private func finished(_ job: ClaimedJob, _ outcome: JobAttemptOutcome, _ text: String,
                          since started: ContinuousClock.Instant?) {
        let elapsed = started.map { ContinuousClock.now - $0 }
        observer.jobFinished(job, outcome: outcome, duration: elapsed)
        guard logger.logLevel <= .info else { return }
        let duration = elapsed.map { String(format: " in %.1f ms", $0.seconds * 1000) } ?? ""
        logger.info("job \(job.id) kind=\(job.kind) attempt=\(job.attempt)/\(job.maxAttempts): \(text)\(duration)")
    }

    // MARK: Maintenance thread

    private func maintenanceLoop(workerID: Int64, until done: StopSignal) {
        let config = configuration
        guard let connection = connectPatiently(until: done) else { return }
        var nextHeartbeat = ContinuousClock.now
        var nextRescue = ContinuousClock.now
        var listening = false
        while !done.isStopping {
            do {
                if !listening {
                    try connection.listen(Enqueue.channel)
                    listening = true
                }
                let now = ContinuousClock.now
                if now >= nextHeartbeat {
                    try WorkerRegistry.heartbeat(workerID: workerID, on: connection)
                    let holding = held.all
                    let kept = try Heartbeat.extendLeases(holding, lease: config.lease, on: connection)
                    observer.databaseReachable()
                    if kept.count < holding.count {
                        logger.debug("\(holding.count - kept.count) held jobs no longer leased (finished or rescued)")
                    }
                    nextHeartbeat = now + config.heartbeatInterval
                }
                if now >= nextRescue {
                    let report = try Rescuer.rescue(on: connection)
                    if !report.retried.isEmpty || !report.discarded.isEmpty {
                        logger.warning("rescued expired leases: retry \(report.retried), discarded \(report.discarded)")
                        stop.wake()
                    }
                    nextRescue = now + config.rescueInterval
                }
                // Short waits so a finished pool is not kept waiting for the maintenance thread.
                if try connection.waitForNotification(timeout: .milliseconds(50)) != nil {
                    while try connection.waitForNotification(timeout: .zero) != nil {}
                    stop.wake()
                }
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("maintenance: \(error); reconnecting")
                if (try? reconnect(connection, until: done)) == nil { return }
                stop.wake()
            } catch {
                logger.error("maintenance: \(error)")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    // MARK: Connections

    /// Connects, waiting out an unreachable database until `signal` (default: the stop signal) fires.
    private func connectPatiently(until signal: StopSignal? = nil) -> Connection? {
        let signal = signal ?? stop
        var reported = false
        while !signal.isStopping {
            do {
                return try Connection.connect(url: configuration.databaseURL, settings: configuration.connectionSettings,
                                              retryFor: .seconds(5), logger: logger)
            } catch {
                if !reported { logger.warning("cannot connect yet: \(error)") }
                reported = true
            }
        }
        return nil
    }

    /// Runs `body`, reconnecting and running it again when the connection was lost, and retrying a few
    /// times on deadlock or serialization failure. The queue's statements are fenced by lease tokens, so
    /// repeating one whose commit was in flight cannot apply it twice.
    private func withDatabase<T>(_ connection: Connection, patience: Duration? = nil, _ body: () throws -> T) throws -> T {
        var transientFailures = 0
        while true {
            do {
                return try body()
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("\(error); reconnecting")
                try reconnect(connection, until: nil, patience: patience)
            } catch let error as PostgresError where error.sqlState == "40P01" || error.sqlState == "40001" {
                transientFailures += 1
                if transientFailures > 5 { throw error }
                logger.debug("\(error); retrying")
                Thread.sleep(forTimeInterval: 0.01 * Double(transientFailures))
            }
        }
    }

    /// Reconnects with capped backoff until it works, `signal` fires, the shutdown grace period is over or
    /// `patience` runs out.
    private func reconnect(_ connection: Connection, until signal: StopSignal?, patience: Duration? = nil) throws {
        let started = ContinuousClock.now
        while true {
            do {
                try connection.reconnect(retryFor: .seconds(2))
                observer.databaseReconnected()
                logger.info("reconnected to \(connection.target)")
                return
            } catch let error as PostgresError where error.isConnectionProblem {
                if signal?.isStopping == true { throw error }
                if let patience, ContinuousClock.now - started > patience { throw error }
                if let requested = stop.requestedAt, ContinuousClock.now - requested > configuration.shutdownGrace {
                    throw error
                }
            }
        }
    }
}

/// Counters shared by the threads; `@unchecked Sendable` because `lock` guards `summary`.
private final class Stats: @unchecked Sendable {
    private let lock = NSLock()
    private var summary = WorkerSummary()

    func add(succeeded: Int = 0, retried: Int = 0, discarded: Int = 0, leasesLost: Int = 0, released: Int = 0) {
        lock.lock()
        summary.succeeded += succeeded
        summary.retried += retried
        summary.discarded += discarded
        summary.leasesLost += leasesLost
        summary.released += released
        lock.unlock()
    }

    var snapshot: WorkerSummary {
        lock.lock()
        defer { lock.unlock() }
        return summary
    }
}
