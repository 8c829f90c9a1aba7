import Postgres

/// Deletes old finished jobs so the table stays small (the retention policy). Discarded jobs are kept by
/// default: an operator may still want to read their errors and `retry` them.
///
/// The jobs of a campaign are kept as long as any of them is not `succeeded` (cancelled, discarded, still
/// running): such a campaign may still be retried, and its jobs say what happened. The rule lives in the
/// database function `clean_finished_jobs` (migration 0005), which also lets a worker without DELETE rights
/// on `jobs` run the retention as the maintenance leader.
public enum Cleaner {
    /// The default retention of finished jobs.
    public static let defaultRetention: Duration = .seconds(7 * 86_400)

    /// Deletes jobs in `states` finished more than `olderThan` ago, in chunks of `batch`.
    ///
    /// - Returns: how many rows were deleted.
    @discardableResult
    public static func clean(olderThan: Duration, states: [JobState] = [.succeeded, .cancelled], batch: Int = 10_000,
                             on connection: Connection) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.query(QueueSQL.clean, [states.map(\.rawValue), olderThan.seconds, batch])[0]
                .int("n")
            total += deleted
            if deleted < batch { return total }
        }
    }

    /// Deletes the rows of workers stopped, or silent, for longer than `olderThan`.
    @discardableResult
    public static func pruneWorkers(olderThan: Duration, on connection: Connection) throws -> Int {
        try connection.query(QueueSQL.pruneWorkers, [olderThan.seconds])[0].int("n")
    }
}
