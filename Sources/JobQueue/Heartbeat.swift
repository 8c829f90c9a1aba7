import Foundation
import Postgres

/// Keeps leases alive while jobs run, and the worker's row fresh so `status` can tell it is alive.
public enum Heartbeat {
    /// Extends the leases of jobs this worker still holds to `now() + lease`.
    ///
    /// - Returns: the ids whose lease was extended; a held job missing from it has lost its lease.
    public static func extendLeases(_ jobs: [ClaimedJob], lease: Duration, on connection: Connection) throws -> Set<Int64> {
        guard !jobs.isEmpty else { return [] }
        let rows = try connection.query(QueueSQL.extendLeases, [jobs.ids, jobs.tokens, lease.seconds])
        return Set(try rows.map { try $0.int64("id") })
    }

    /// Of `jobs` whose lease a heartbeat did not extend (`kept` are those it did), the ones really lost:
    /// cancelled, rescued or finished elsewhere. A job whose row was locked by its own completion at that
    /// moment is skipped by the heartbeat but still this worker's, and is not reported.
    public static func lostLeases(_ jobs: [ClaimedJob], kept: Set<Int64>, on connection: Connection) throws -> Set<Int64> {
        let missing = jobs.filter { !kept.contains($0.id) }
        guard !missing.isEmpty else { return [] }
        let rows = try connection.query(QueueSQL.stillHeld, [missing.ids, missing.tokens])
        let stillHeld = Set(try rows.map { try $0.int64("id") })
        return Set(missing.ids).subtracting(stillHeld)
    }
}

/// The `workers` table: registration, liveness and clean stop.
public enum WorkerRegistry {
    public static func register(host: String, pid: Int32, version: String, concurrency: Int, queues: [String],
                                on connection: Connection) throws -> Int64 {
        try connection.query(QueueSQL.registerWorker, [host, pid, version, concurrency, queues])[0].int64("id")
    }

    public static func heartbeat(workerID: Int64, on connection: Connection) throws {
        try connection.execute(QueueSQL.workerHeartbeat, [workerID])
    }

    public static func markStopped(workerID: Int64, on connection: Connection) throws {
        try connection.execute(QueueSQL.workerStopped, [workerID])
    }
}
