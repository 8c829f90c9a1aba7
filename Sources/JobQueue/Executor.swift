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

/// What an executor can know about the run it is part of.
public struct JobContext: Sendable {
    public let workerID: Int64?
    public let logger: Logger
    let stop: StopSignal

    /// True once the worker was asked to shut down; long jobs may check it and give up early by throwing.
    public var isStopping: Bool { stop.isStopping }

    public init(workerID: Int64?, logger: Logger, stop: StopSignal) {
        self.workerID = workerID
        self.logger = logger
        self.stop = stop
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
