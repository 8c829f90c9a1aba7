import Foundation
import Postgres

/// Exponential backoff with jitter between attempts: the n-th retry waits
/// `min(cap, base * 2^(n-1))`, of which the upper half is randomised so failed jobs do not retry in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the retry that follows failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let exponent = Double(max(attempt - 1, 0))
        let full = min(cap.seconds, base.seconds * pow(2, min(exponent, 62)))
        return .milliseconds(Int64((full / 2 + full / 2 * random) * 1000))
    }
}

/// An executor error that retrying cannot fix (unsupported kind, malformed payload): discard at once.
public struct PermanentJobFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a recorded failure led to.
public enum FailureOutcome: Sendable, Equatable {
    case retryScheduled(after: Duration)
    case discarded
}

/// Failure handling: retry with backoff until `max_attempts`, then discard. The error history is kept in
/// `errors` (one `{attempt, at, error}` per failure) and the latest in `last_error`.
public enum Failure {
    /// Records that `job` failed with `error`. Fenced by the lease token.
    ///
    /// - Throws: `JobQueueError.leaseLost` if the job is no longer this worker's.
    @discardableResult
    public static func fail(_ job: ClaimedJob, error: String, permanent: Bool = false, policy: RetryPolicy,
                            on connection: Connection) throws -> FailureOutcome {
        let delay = policy.delay(afterAttempt: job.attempt)
        let rows = try connection.query(QueueSQL.fail, [job.id, job.leaseToken, error, delay.seconds, permanent])
        guard let row = rows.first else { throw JobQueueError.leaseLost(jobID: job.id) }
        if try row.string("state") == JobState.discarded.rawValue { return .discarded }
        return .retryScheduled(after: .milliseconds(Int64(max(try row.double("retry_in"), 0) * 1000)))
    }

    /// Hands jobs back untouched, e.g. at shutdown before they started; their attempt is not counted.
    ///
    /// - Returns: the ids released (the others were no longer held).
    @discardableResult
    public static func release(_ jobs: [ClaimedJob], on connection: Connection) throws -> Set<Int64> {
        guard !jobs.isEmpty else { return [] }
        let rows = try connection.query(QueueSQL.release, [jobs.ids, jobs.tokens])
        try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, ""])
        return Set(try rows.map { try $0.int64("id") })
    }
}
