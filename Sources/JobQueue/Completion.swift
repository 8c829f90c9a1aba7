import Postgres

/// Fenced completion: a job's effects and its `succeeded` state commit together or not at all.
public enum Completion {
    /// Marks the job succeeded and runs `writeResults` in ONE transaction, fenced by the lease token.
    ///
    /// The fence goes first: if the lease was lost (rescued after expiry, cancelled), it matches zero rows and
    /// `JobQueueError.leaseLost` is thrown before any result is written — a late worker never contends with
    /// the results another worker already committed. Once the fence matched, the job row stays locked until
    /// commit, so nobody can take the job over while the results are written; if writing them fails, the
    /// whole transaction rolls back. So although a job may run more than once, its effects are written
    /// exactly once.
    public static func complete(_ job: ClaimedJob, on connection: Connection,
                                writeResults: (Connection) throws -> Void = { _ in }) throws {
        try connection.transaction { conn in
            guard try conn.execute(QueueSQL.complete, [job.id, job.leaseToken]) == 1 else {
                throw JobQueueError.leaseLost(jobID: job.id)
            }
            try writeResults(conn)
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
