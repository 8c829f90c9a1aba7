import Postgres

/// Fenced completion: a job's effects and its `succeeded` state commit together or not at all.
public enum Completion {
    /// Marks the job succeeded and runs `writeResults` in ONE transaction, fenced by the lease token.
    ///
    /// The fence goes first: if the lease was lost (rescued after expiry, cancelled), `queue_hold` finds no
    /// row and `JobQueueError.leaseLost` is thrown before any result is written — a late worker never contends
    /// with the results another worker already committed. Once the fence matched, the job row stays locked
    /// until commit, so nobody can take the job over while the results are written; if writing them fails,
    /// the whole transaction rolls back. So although a job may run more than once, its effects are written
    /// exactly once.
    ///
    /// The job is still `running` while `writeResults` runs, and only then marked succeeded: the database's
    /// result functions (migration 0009) accept rows only for a running job whose lease the caller holds.
    public static func complete(_ job: ClaimedJob, on connection: Connection,
                                writeResults: (Connection) throws -> Void = { _ in }) throws {
        try connection.transaction { conn in
            guard try conn.query(QueueSQL.hold, [job.id, job.leaseToken]).first?.bool("held") == true else {
                throw JobQueueError.leaseLost(jobID: job.id)
            }
            try writeResults(conn)
            // The row has been locked since the hold, so this cannot miss; checked anyway, never assumed.
            guard try conn.query(QueueSQL.complete, [job.id, job.leaseToken]).first?.bool("done") == true else {
                throw JobQueueError.leaseLost(jobID: job.id)
            }
        }
    }

    /// Marks jobs without results succeeded in one statement (fenced per job).
    ///
    /// - Returns: the ids that completed; the others had lost their lease.
    public static func completeBatch(_ jobs: [ClaimedJob], on connection: Connection) throws -> Set<Int64> {
        guard !jobs.isEmpty else { return [] }
        let rows = try connection.query(QueueSQL.completeBatch, [jobs.ids, jobs.tokens])
        return Set(try rows.map { try $0.int64("id") })
    }
}
