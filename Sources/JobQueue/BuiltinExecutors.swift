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
///
/// The sleep is one step: it ends early (`JobAbandoned`) when the worker releases its jobs or the lease is
/// lost. With `"step_deadline_ms": D` the step declares a watchdog deadline of D ms, and with `"hang": true`
/// it ignores every stop request, like a read blocked on a hung mount.
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
        let deadline = (payload["step_deadline_ms"] as? NSNumber).map { Duration.milliseconds($0.int64Value) }
        let hangs = (payload["hang"] as? Bool) ?? false
        if let deadline { context.beginStep(deadline: deadline) }
        if sleepMilliseconds > 0 {
            let end = ContinuousClock.now + .milliseconds(sleepMilliseconds)
            while ContinuousClock.now < end {
                if !hangs { try context.checkpoint(job) }
                Thread.sleep(forTimeInterval: min(0.02, max(0, (end - ContinuousClock.now).seconds)))
            }
        }
        if deadline != nil { context.endStep() }
        if job.attempt <= failTimes {
            throw ProbeFailure(jobID: job.id, attempt: job.attempt, failTimes: failTimes)
        }
        let workerID = context.workerID
        return .succeededWithResults { connection in
            try connection.query(ProbeSQL.insert, [job.id, job.leaseToken, job.attempt, workerID])
        }
    }
}

enum ProbeSQL {
    /// Through the owner's fenced function (migration 0009): only for a running job whose lease is held.
    static let insert = "SELECT record_probe_result($1::bigint, $2::uuid, $3::integer, $4::bigint)"
}
