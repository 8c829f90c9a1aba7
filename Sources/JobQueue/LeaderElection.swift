import Postgres

/// One maintenance leader among the workers of a schema, like River's elector: a row in `queue_leader` with
/// a lease on the database clock. The leader renews it with every heartbeat; if it stops (crash, partition,
/// shutdown) another worker takes over once the lease expires, or at once when the leader resigns.
///
/// The leader alone rescues expired leases, applies the retention policy, prunes dead worker rows, folds the
/// job counts and samples queue depth, so that these statements run once per schema instead of once per
/// worker.
public enum LeaderElection {
    /// Takes or renews the leadership for `workerID` for `ttl`.
    ///
    /// - Returns: true if `workerID` is the leader now.
    public static func attempt(workerID: Int64, ttl: Duration, on connection: Connection) throws -> Bool {
        !(try connection.query(QueueSQL.lead, [workerID, ttl.seconds]).isEmpty)
    }

    /// Gives the leadership up (at shutdown) so another worker takes over without waiting for the lease.
    public static func resign(workerID: Int64, on connection: Connection) throws {
        try connection.execute(QueueSQL.resign, [workerID])
    }

    /// The current leader's worker id, nil if none holds an unexpired lease.
    public static func leader(on connection: Connection) throws -> Int64? {
        guard let row = try connection.query(QueueSQL.leader).first, try row.double("expires_in") > 0 else { return nil }
        return try row.int64("worker_id")
    }
}

/// Job counts read from the delta log kept by triggers (migration 0005): the cost is the number of queue,
/// kind and state keys plus the changes since the leader last folded the log, never the finished history.
public enum JobCounts {
    public struct Key: Hashable, Sendable {
        public let queue: String
        public let kind: String
    }

    /// Counts by queue and kind, then by state (states with no job are absent).
    public static func byQueueAndKind(on connection: Connection) throws -> [Key: [String: Int]] {
        var counts: [Key: [String: Int]] = [:]
        for row in try connection.query(QueueSQL.countsByQueueKindState) {
            counts[Key(queue: try row.string("queue"), kind: try row.string("kind")), default: [:]][try row.string("state")]
                = try row.int("n")
        }
        return counts
    }

    /// Folds the delta log into one row per key; the maintenance leader runs it.
    ///
    /// - Returns: the number of delta rows folded.
    @discardableResult
    public static func compact(on connection: Connection) throws -> Int {
        try connection.query(QueueSQL.compactCounts)[0].int("n")
    }
}
