import Postgres

/// Returns jobs whose worker vanished (lease expired without heartbeat) to the queue.
public enum Rescuer {
    /// How many rescues a job gets before it is discarded, unless the caller says otherwise.
    public static let defaultMaxRescues = 3

    public struct Report: Sendable, Equatable {
        /// Made claimable again (`retryable`, after the retry policy's backoff).
        public var retried: [Int64] = []
        /// Out of attempts or rescues: `discarded` with "lease expired" or "worker died N times running this job".
        public var discarded: [Int64] = []
    }

    /// Rescues up to `limit` expired leases. The attempt that expired stays counted, and the job waits the
    /// same backoff as after a failure: a job that kills its worker (out of memory, a crash in a C library)
    /// must not take down worker after worker in a tight loop. Its `maxRescues`-th rescue discards it.
    /// Safe to run from several processes at once (`SKIP LOCKED`), though workers leave it to their leader.
    public static func rescue(limit: Int = 1000, policy: RetryPolicy = RetryPolicy(),
                              maxRescues: Int = defaultMaxRescues, on connection: Connection) throws -> Report {
        var report = Report()
        for row in try connection.query(QueueSQL.rescue, [limit, max(maxRescues, 1), policy.base.seconds,
                                                          policy.cap.seconds]) {
            if try row.string("state") == JobState.discarded.rawValue {
                report.discarded.append(try row.int64("id"))
            } else {
                report.retried.append(try row.int64("id"))
            }
        }
        if !report.retried.isEmpty { try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, ""]) }
        report.retried.sort()
        report.discarded.sort()
        return report
    }
}
