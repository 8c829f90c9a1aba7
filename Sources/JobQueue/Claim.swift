import Postgres

/// Takes jobs for a worker in one short transaction (`FOR UPDATE SKIP LOCKED`, so claimers never wait for
/// each other) and leases them on the database clock.
public enum Claim {
    /// Claims up to `limit` claimable jobs from `queues` (skipping paused queues) in priority, run_at, id
    /// order. Each gets `attempt + 1`, a fresh lease token and `lease_expires_at = now() + lease`.
    public static func claim(limit: Int, queues: [String], lease: Duration, workerID: Int64?,
                             on connection: Connection) throws -> [ClaimedJob] {
        let rows = try connection.query(QueueSQL.claim, [queues, limit, lease.seconds, workerID])
        return try rows.map(ClaimedJob.init(row:)).sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
    }

    /// True when nothing in `queues` is available, waiting to retry, or running (paused queues excluded):
    /// a worker started with `--exit-when-idle` may stop.
    public static func isIdle(queues: [String], on connection: Connection) throws -> Bool {
        try connection.query(QueueSQL.idle, [queues])[0].bool("idle")
    }
}
