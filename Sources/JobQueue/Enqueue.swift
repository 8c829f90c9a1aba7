import Postgres

/// Adds jobs to the queue.
public enum Enqueue {
    /// Inserts `jobs` with one multi-row statement (arrays through `unnest`) and sends ONE
    /// `NOTIFY viroscope_jobs` for the batch.
    ///
    /// Runs on the caller's connection and inside the caller's transaction if there is one, so jobs appear
    /// atomically with whatever created them (a campaign, its images); listeners are woken at commit.
    ///
    /// - Returns: the new job ids, in input order.
    @discardableResult
    public static func enqueue(_ jobs: [NewJob], on connection: Connection) throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        let rows = try connection.query(QueueSQL.enqueue, [
            jobs.map(\.queue), jobs.map(\.kind), jobs.map(\.campaignID), jobs.map(\.payload),
            jobs.map(\.priority), jobs.map(\.maxAttempts), jobs.map { $0.delay.seconds },
        ])
        let queues = Set(jobs.map(\.queue)).sorted().joined(separator: ",")
        try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, queues])
        return try rows.map { try $0.int64("id") }
    }

    /// The channel that enqueue notifies; workers LISTEN on it.
    public static let channel = QueueSQL.notifyChannel
}
