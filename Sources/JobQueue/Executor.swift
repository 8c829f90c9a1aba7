import Logging
import Postgres

/// What a successful run produced.
public enum JobOutcome {
    /// Nothing to write: the worker completes such jobs in batches (one statement per claimed batch).
    case succeeded
    /// Results to write in the job's fenced completion transaction; called again if a connection failure
    /// forces the completion to be retried, so it must only write through the given connection.
    case succeededWithResults((Connection) throws -> Void)
}

/// What an executor can know about the run it is part of, and how it hears that it should stop.
public struct JobContext: Sendable {
    public let workerID: Int64?
    public let logger: Logger
    let stop: StopSignal
    let watch: JobWatch
    let releaseOnStop: Bool

    /// True once the worker was asked to shut down. With the default shutdown mode the job in hand is still
    /// finished; check `shouldAbandon` to know whether to stop.
    public var isStopping: Bool { stop.isStopping }

    /// True when the job's lease is gone (cancelled or rescued): results would be refused.
    public var isLeaseLost: Bool { watch.isLeaseLost }

    /// True when the executor should stop at the next step boundary and throw `JobAbandoned`: the lease is
    /// gone, or the worker is releasing its jobs (shutdown in release mode, a second signal, the end of the
    /// grace period).
    public var shouldAbandon: Bool { watch.isLeaseLost || stop.isAbandoning || (releaseOnStop && stop.isStopping) }

    /// Throws `JobAbandoned` for `job` when `shouldAbandon` is true; call it between steps.
    public func checkpoint(_ job: ClaimedJob) throws {
        if shouldAbandon { throw JobAbandoned(jobID: job.id) }
    }

    /// Starts a step (one image set) that must end within `deadline`. If it does not, the watchdog stops
    /// heartbeating the job's lease, so it is rescued elsewhere, and the worker exits to be restarted: a read
    /// that blocks forever (a hung network mount) must not hold a job, nor a worker, hostage.
    public func beginStep(deadline: Duration) { watch.beginStep(limit: deadline) }

    /// Ends the step begun by `beginStep`.
    public func endStep() { watch.endStep() }

    public init(workerID: Int64?, logger: Logger, stop: StopSignal, watch: JobWatch = JobWatch(),
                releaseOnStop: Bool = false) {
        self.workerID = workerID
        self.logger = logger
        self.stop = stop
        self.watch = watch
        self.releaseOnStop = releaseOnStop
    }
}

/// Runs one kind of job. Shared by all worker threads, hence `Sendable`. Throwing schedules a retry (or
/// discards, for `PermanentJobFailure` or when attempts are used up); the error's description is kept.
public protocol JobExecutor: Sendable {
    func execute(_ job: ClaimedJob, context: JobContext) throws -> JobOutcome
}

/// Executors by job kind. The worker executable starts from `ExecutorRegistry.builtin` and registers the
/// kinds it supports (`analyse-images`).
public struct ExecutorRegistry: Sendable {
    private var executors: [String: any JobExecutor] = [:]

    public init() {}

    /// `noop` and `probe`.
    public static var builtin: ExecutorRegistry {
        var registry = ExecutorRegistry()
        registry.register("noop", NoopExecutor())
        registry.register("probe", ProbeExecutor())
        return registry
    }

    public mutating func register(_ kind: String, _ executor: any JobExecutor) {
        executors[kind] = executor
    }

    public func executor(for kind: String) -> (any JobExecutor)? { executors[kind] }

    public var kinds: [String] { executors.keys.sorted() }
}
