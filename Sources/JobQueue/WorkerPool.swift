import Foundation
import Logging
import Postgres
import Synchronization

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
    /// What a stop request does to the job in hand: finish it within the grace period, or release it
    /// untouched at its next step boundary. Either way it is no failure: no attempt is burned.
    public var shutdownMode: ShutdownMode = .finish
    /// Rescues (expired leases) before a job is discarded with "worker died N times running this job".
    public var maxRescues = Rescuer.defaultMaxRescues
    /// The leader deletes finished jobs older than this (never those of unfinished campaigns); nil keeps them.
    public var retention: Duration? = Cleaner.defaultRetention
    /// The leader deletes the rows of workers stopped or silent for longer than this.
    public var workerRetention: Duration = .seconds(7 * 86_400)
    /// How often the leader applies the retention policy and prunes worker rows.
    public var cleanInterval: Duration = .seconds(300)
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
    /// The leader renews every heartbeat (a third of this); a successor waits at most this long.
    var leaderTTL: Duration { max(lease, .seconds(1)) }
}

/// What a worker does with the job in hand when asked to stop.
public enum ShutdownMode: String, Sendable, CaseIterable {
    /// Finish it (within the grace period), then exit. Jobs claimed but not started are released.
    case finish
    /// Stop at its next step boundary and give it back untouched (attempt not counted, no error).
    case release
}

/// Why a worker pool could not run, or stopped on its own.
public enum WorkerPoolError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The operating system refused a thread (process or memory limit).
    case threadStartFailed(name: String, started: Int, requested: Int, errno: Int32)
    /// A job's step outlived its deadline: its lease is left to expire so another worker rescues it, and the
    /// process should exit to be restarted (the stuck thread cannot be freed).
    case stalled(jobID: Int64, deadline: Duration)

    public var description: String {
        switch self {
        case let .threadStartFailed(name, started, requested, code):
            return "cannot start thread \(name) (\(started) of \(requested) claiming threads started): "
                + "\(String(cString: strerror(code))); lower --concurrency or raise the process limit"
        case let .stalled(jobID, deadline):
            return "job \(jobID) stalled: a step ran longer than its \(String(format: "%.1f", deadline.seconds)) s "
                + "deadline (a blocked read?); its lease is left to expire so another worker rescues it, and this "
                + "worker exits to be restarted"
        }
    }
}

/// What a `WorkerPool.run` did.
public struct WorkerSummary: Sendable, Equatable {
    public var workerID: Int64?
    public var succeeded = 0
    public var retried = 0
    public var discarded = 0
    public var leasesLost = 0
    public var released = 0
    /// Times this worker became the maintenance leader.
    public var leaderships = 0
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
    private let stalledJob = Mutex<(id: Int64, deadline: Duration)?>(nil)
    private let leading = Atomic<Bool>(false)

    /// True while this worker is the maintenance leader.
    public var isLeader: Bool { leading.load(ordering: .relaxed) }

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
    /// After `stop.requestStop()` threads claim nothing more and release jobs they had not started; the job
    /// in hand is finished (`.finish`) or released at its next step (`.release`). `stop.requestAbandon()` (a
    /// second signal) or the end of `shutdownGrace` releases whatever is left, and `run` returns without
    /// waiting for jobs that do not stop.
    ///
    /// - Throws: `PostgresError` if the database cannot be reached within `startupPatience`;
    ///   `WorkerPoolError.threadStartFailed` if a thread cannot be created; `WorkerPoolError.stalled` when the
    ///   watchdog found a step past its deadline (the process should exit so it can be restarted).
    public func run() throws -> WorkerSummary {
        let config = configuration
        let control = try Connection.connect(url: config.databaseURL, settings: config.connectionSettings,
                                             retryFor: config.startupPatience, logger: logger)
        let workerID = try WorkerRegistry.register(host: config.host, pid: config.pid, version: config.version,
                                                   concurrency: config.concurrency, queues: config.queues, on: control)
        logger.info("worker \(workerID) started: \(config.concurrency) threads on queues \(config.queues.joined(separator: ",")) at \(control.target)")
        let claimers = DispatchGroup()
        let requested = max(config.concurrency, 1)
        for index in 0..<requested {
            claimers.enter()
            let code = ThreadLauncher.start(name: "vs-claimer-\(index)") { [self] in
                defer { claimers.leave() }
                claimLoop(thread: index, workerID: workerID)
            }
            if code != 0 {
                claimers.leave()
                // Threads already started must not be left running: stop them, then give up.
                stop.requestStop()
                claimers.wait()
                try? WorkerRegistry.markStopped(workerID: workerID, on: control)
                throw WorkerPoolError.threadStartFailed(name: "claimer \(index)", started: index, requested: requested,
                                                        errno: code)
            }
        }
        let maintenanceStop = StopSignal()
        let maintenanceDone = DispatchSemaphore(value: 0)
        let code = ThreadLauncher.start(name: "vs-maintenance") { [self] in
            maintenanceLoop(workerID: workerID, until: maintenanceStop)
            maintenanceDone.signal()
        }
        if code != 0 {
            stop.requestStop()
            claimers.wait()
            try? WorkerRegistry.markStopped(workerID: workerID, on: control)
            throw WorkerPoolError.threadStartFailed(name: "maintenance", started: requested, requested: requested,
                                                    errno: code)
        }

        // The watchdog runs here, on the thread that owns nothing else, so neither a stuck job nor a blocked
        // database call can silence it.
        var abandoned = false
        var abandonedAt: ContinuousClock.Instant?
        while claimers.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            for (job, deadline) in held.newlyStalled(at: .now) {
                logger.error("job \(job.id) kind=\(job.kind): a step has run past its \(String(format: "%.1f", deadline.seconds)) s deadline; no longer heartbeating its lease so it is rescued elsewhere; releasing the other jobs and exiting")
                stalledJob.withLock { if $0 == nil { $0 = (job.id, deadline) } }
                stop.requestAbandon()
            }
            if stalledJob.withLock({ $0 }) != nil { abandoned = true; break }
            if stop.isAbandoning {
                // Give the executors a moment to stop at a step boundary and release their own jobs.
                let since = abandonedAt ?? .now
                abandonedAt = since
                if ContinuousClock.now - since > .seconds(2) { abandoned = true; break }
            } else if let requested = stop.requestedAt, ContinuousClock.now - requested > config.shutdownGrace {
                logger.warning("shutdown grace period (\(String(format: "%.0f", config.shutdownGrace.seconds)) s) is over: releasing the jobs still running")
                stop.requestAbandon()
            }
        }
        maintenanceStop.requestStop()
        maintenanceDone.wait()
        try withDatabase(control, patience: .seconds(30)) {
            if abandoned {
                let leftovers = held.releasable
                let released = try Failure.release(leftovers, on: control)
                stats.add(released: released.count)
                for job in leftovers { held.remove(job.id) }
                if !released.isEmpty {
                    logger.warning("released \(released.count) jobs still running at shutdown")
                }
            }
            try WorkerRegistry.markStopped(workerID: workerID, on: control)
        }
        var summary = stats.snapshot
        summary.workerID = workerID
        logger.info("worker \(workerID) stopped: \(summary.succeeded) succeeded, \(summary.retried) retried, \(summary.discarded) discarded, \(summary.leasesLost) leases lost, \(summary.released) released")
        if let stalled = stalledJob.withLock({ $0 }) {
            throw WorkerPoolError.stalled(jobID: stalled.id, deadline: stalled.deadline)
        }
        return summary
    }

    // MARK: Claiming threads

    private func claimLoop(thread: Int, workerID: Int64) {
        let config = configuration
        guard let connection = connectPatiently() else { return }
        while !stop.isStopping {
            let jobs: [ClaimedJob]
            do {
                jobs = try withDatabase(connection) {
                    try Claim.claim(limit: config.batchSize, queues: config.queues, lease: config.lease,
                                    workerID: workerID, on: connection)
                }
                observer.databaseReachable()
                observer.claimSucceeded()
            } catch {
                observer.claimFailed(error)
                logger.error("claimer \(thread): claim failed: \(error)")
                stop.sleep(timeout: config.pollInterval)
                continue
            }
            do {
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
        for (position, job) in jobs.enumerated() {
            // The first job of a claimed batch is in hand from the moment it is claimed: a stop that lands
            // between the claim and its start must not turn "finish the job in hand" into a release.
            if stop.isAbandoning || (stop.isStopping && (position > 0 || configuration.shutdownMode == .release)) {
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
            let watch = held.watch(job.id) ?? JobWatch()
            let context = JobContext(workerID: workerID, logger: logger, stop: stop, watch: watch,
                                     releaseOnStop: configuration.shutdownMode == .release)
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
            case .failure(let error) where error is JobAbandoned || watch.isStalled:
                abandoned(job, watch: watch, started: started, on: connection)
            case .failure(let error):
                recordFailure(job, error: error, started: started, on: connection)
            }
        }
    }

    /// A job that stopped early on request is no failure: it goes back untouched, unless its lease is gone
    /// (then there is nothing to give back) or it stalled (then it is left for the rescuer, so that its
    /// rescues are counted and a job that hangs every worker is eventually discarded).
    private func abandoned(_ job: ClaimedJob, watch: JobWatch, started: ContinuousClock.Instant, on connection: Connection) {
        defer { held.remove(job.id) }
        if watch.isStalled {
            finished(job, .leaseLost, "stalled past its step deadline; left for the rescuer", since: started)
            return
        }
        if watch.isLeaseLost {
            stats.add(leasesLost: 1)
            finished(job, .leaseLost, "stopped early: its lease is gone (cancelled or rescued)", since: started)
            return
        }
        do {
            let released = try withDatabase(connection) { try Failure.release([job], on: connection) }
            if released.contains(job.id) {
                stats.add(released: 1)
                finished(job, .released, "released untouched (worker stopping)", since: started)
            } else {
                stats.add(leasesLost: 1)
                finished(job, .leaseLost, "stopped early; its lease was already gone", since: started)
            }
        } catch {
            finished(job, .failedUnrecorded, "stopped early; releasing it failed, its lease will expire: \(error)",
                     since: started)
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

    /// Every worker heartbeats its row and the leases it holds, tells executors about leases that are gone,
    /// turns NOTIFY into wake-ups and competes for the leadership; only the leader runs the queue-wide
    /// maintenance (rescue, retention, worker pruning, folding of job counts).
    private func maintenanceLoop(workerID: Int64, until done: StopSignal) {
        let config = configuration
        guard let connection = connectPatiently(until: done) else { return }
        var nextHeartbeat = ContinuousClock.now
        var nextRescue = ContinuousClock.now
        var nextClean = ContinuousClock.now
        var listening = false
        defer {
            if isLeader {
                try? LeaderElection.resign(workerID: workerID, on: connection)
                setLeader(false)
            }
        }
        while !done.isStopping {
            do {
                if !listening {
                    try connection.listen(Enqueue.channel)
                    listening = true
                }
                let now = ContinuousClock.now
                if now >= nextHeartbeat {
                    try WorkerRegistry.heartbeat(workerID: workerID, on: connection)
                    let holding = held.leased
                    let kept = try Heartbeat.extendLeases(holding, lease: config.lease, on: connection)
                    observer.databaseReachable()
                    if kept.count < holding.count {
                        // A job this worker completed between the snapshot and these queries is no longer
                        // running but was not lost: only jobs still in hand are reported and stopped.
                        let lost = try Heartbeat.lostLeases(holding, kept: kept, on: connection)
                            .intersection(held.leased.map(\.id))
                        if !lost.isEmpty {
                            logger.warning("jobs \(lost.sorted()) lost their lease (cancelled or rescued): stopping them")
                            held.markLeaseLost(lost)
                        }
                    }
                    setLeader(try LeaderElection.attempt(workerID: workerID, ttl: config.leaderTTL, on: connection))
                    nextHeartbeat = now + config.heartbeatInterval
                }
                if isLeader, now >= nextRescue {
                    let report = try Rescuer.rescue(policy: config.retryPolicy, maxRescues: config.maxRescues,
                                                    on: connection)
                    if !report.retried.isEmpty || !report.discarded.isEmpty {
                        logger.warning("rescued expired leases: retry \(report.retried), discarded \(report.discarded)")
                        stop.wake()
                    }
                    try JobCounts.compact(on: connection)
                    nextRescue = now + config.rescueInterval
                }
                if isLeader, now >= nextClean {
                    if let retention = config.retention {
                        let deleted = try Cleaner.clean(olderThan: retention, batch: 1_000, on: connection)
                        if deleted > 0 { logger.info("retention: deleted \(deleted) finished jobs") }
                    }
                    let pruned = try Cleaner.pruneWorkers(olderThan: config.workerRetention, on: connection)
                    if pruned > 0 { logger.info("pruned \(pruned) dead worker rows") }
                    nextClean = now + config.cleanInterval
                }
                // Short waits so a finished pool is not kept waiting for the maintenance thread.
                if try connection.waitForNotification(timeout: .milliseconds(50)) != nil {
                    while try connection.waitForNotification(timeout: .zero) != nil {}
                    stop.wake()
                }
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("maintenance: \(error); reconnecting")
                listening = false
                if (try? reconnect(connection, until: done)) == nil { return }
                stop.wake()
            } catch {
                logger.error("maintenance: \(error)")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func setLeader(_ now: Bool) {
        let before = leading.exchange(now, ordering: .relaxed)
        guard before != now else { return }
        if now {
            stats.add(leaderships: 1)
            logger.info("this worker is now the maintenance leader")
        }
        observer.leadershipChanged(isLeader: now)
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

    func add(succeeded: Int = 0, retried: Int = 0, discarded: Int = 0, leasesLost: Int = 0, released: Int = 0,
             leaderships: Int = 0) {
        lock.lock()
        summary.leaderships += leaderships
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
