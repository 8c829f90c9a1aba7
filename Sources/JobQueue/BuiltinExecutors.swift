import Foundation
import Postgres

/// Does nothing: measures the queue itself (`bench-queue`).
public struct NoopExecutor: JobExecutor {
    public init() {}
    public func execute(_ job: ClaimedJob, context: JobContext) throws -> JobOutcome { .succeeded }
}

/// A diagnostic job that proves effects are exactly once: payload `{"sleep_ms": S, "fail_times": F}` sleeps
/// S ms, fails while `attempt <= F`, and on success writes a `job_probe_results` row inside the fenced
/// completion transaction.
public struct ProbeExecutor: JobExecutor {
    public init() {}

    public struct ProbeFailure: Error, CustomStringConvertible {
        public let jobID: Int64
        public let attempt: Int
        public let failTimes: Int
        public var description: String { "probe job \(jobID) failing on purpose (attempt \(attempt) of \(failTimes) to fail)" }
    }

    public func execute(_ job: ClaimedJob, context: JobContext) throws -> JobOutcome {
        let payload = try job.payloadObject()
        let sleepMilliseconds = (payload["sleep_ms"] as? NSNumber)?.intValue ?? 0
        let failTimes = (payload["fail_times"] as? NSNumber)?.intValue ?? 0
        if sleepMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(sleepMilliseconds) / 1000) }
        if job.attempt <= failTimes {
            throw ProbeFailure(jobID: job.id, attempt: job.attempt, failTimes: failTimes)
        }
        let workerID = context.workerID
        return .succeededWithResults { connection in
            try connection.execute(ProbeSQL.insert, [job.id, job.attempt, workerID])
        }
    }
}

enum ProbeSQL {
    static let insert = "INSERT INTO job_probe_results (job_id, attempt, worker_id) VALUES ($1, $2, $3)"
}
