import Postgres

/// Deletes old finished jobs so the table stays small. Discarded jobs are kept by default: an operator may
/// still want to read their errors and `retry` them.
public enum Cleaner {
    /// Deletes jobs in `states` finished more than `olderThan` ago, in chunks of `batch`.
    ///
    /// - Returns: how many rows were deleted.
    @discardableResult
    public static func clean(olderThan: Duration, states: [JobState] = [.succeeded, .cancelled], batch: Int = 10_000,
                             on connection: Connection) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.execute(QueueSQL.clean, [states.map(\.rawValue), olderThan.seconds, batch])
            total += deleted
            if deleted < batch { return total }
        }
    }
}
