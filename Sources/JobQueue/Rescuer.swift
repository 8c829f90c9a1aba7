import Postgres

/// Returns jobs whose worker vanished (lease expired without heartbeat) to the queue.
public enum Rescuer {
    public struct Report: Sendable, Equatable {
        /// Made claimable again (`retryable`, runs at once).
        public var retried: [Int64] = []
        /// Out of attempts: `discarded` with error "lease expired".
        public var discarded: [Int64] = []
    }

    /// Rescues up to `limit` expired leases. The attempt that expired stays counted. Safe to run from every
    /// worker at once (`SKIP LOCKED`).
    public static func rescue(limit: Int = 1000, on connection: Connection) throws -> Report {
        var report = Report()
        for row in try connection.query(QueueSQL.rescue, [limit]) {
            if try row.string("state") == JobState.discarded.rawValue {
                report.discarded.append(try row.int64("id"))
            } else {
                report.retried.append(try row.int64("id"))
            }
        }
        if !report.retried.isEmpty { try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, ""]) }
        return report
    }
}
