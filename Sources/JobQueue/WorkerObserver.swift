/// How one attempt at a job ended, as the worker pool recorded it.
public enum JobAttemptOutcome: String, Sendable, CaseIterable {
    /// Completed with its results (fenced completion committed).
    case succeeded
    /// Failed and put back with a backoff for another attempt.
    case retried
    /// Failed for good (permanent failure or last attempt) and dead-lettered.
    case discarded
    /// The lease had expired or moved on, so the completion or failure was not applied.
    case leaseLost
    /// Failed, but recording the failure failed too; the lease will expire and the job run again.
    case failedUnrecorded
    /// Handed back to the queue untouched because the worker is shutting down.
    case released
}

/// Hooks a `WorkerPool` calls as it works, so an executable can keep metrics or a health view without the
/// queue depending on a metrics library.
///
/// Calls come from the pool's claiming and maintenance threads, concurrently: implementations must be
/// thread-safe and fast (no I/O), since they run on the path of every job. Every method has a no-op default.
public protocol WorkerObserver: Sendable {
    /// A claiming thread took these jobs from the queue.
    func jobsClaimed(_ jobs: [ClaimedJob])
    /// One attempt ended; `duration` runs from the start of its execution to its outcome being recorded
    /// (nil for a job released before it started).
    func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: Duration?)
    /// A lost database connection was re-established.
    func databaseReconnected()
    /// A claim or heartbeat round trip to the database succeeded: the database is reachable from here.
    func databaseReachable()
    /// A claiming thread started (+1) or finished (-1) working on a batch of jobs.
    func busyThreadsChanged(by delta: Int)
    /// A claim round trip failed (a missing grant, a broken schema, an unreachable database): `/health`
    /// turns unhealthy when claims keep failing.
    func claimFailed(_ error: any Error)
    /// A claim round trip succeeded (whether or not it found jobs).
    func claimSucceeded()
    /// This worker became (true) or stopped being (false) the maintenance leader.
    func leadershipChanged(isLeader: Bool)
}

extension WorkerObserver {
    public func jobsClaimed(_ jobs: [ClaimedJob]) {}
    public func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: Duration?) {}
    public func databaseReconnected() {}
    public func databaseReachable() {}
    public func busyThreadsChanged(by delta: Int) {}
    public func claimFailed(_ error: any Error) {}
    public func claimSucceeded() {}
    public func leadershipChanged(isLeader: Bool) {}
}

/// Observes nothing: the default for pools that need no metrics (tests, `bench-queue`).
public struct NoWorkerObserver: WorkerObserver {
    public init() {}
}
