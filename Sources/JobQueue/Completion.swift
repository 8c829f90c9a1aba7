import Postgres

/// Fenced completion: a job's effects and its `succeeded` state commit together or not at all.
public enum Completion {
    /// Runs `writeResults` and marks the job succeeded in ONE transaction, fenced by the lease token.
    ///
    /// If the lease was lost (rescued after expiry, cancelled), the fence matches zero rows, the whole
    /// transaction — results included — rolls back and `JobQueueError.leaseLost` is thrown. So although a job
    /// may run more than once, its effects are written exactly once.
    public static func complete(_ job: ClaimedJob, on connection: Connection,
                                writeResults: (Connection) throws -> Void = { _ in }) throws {
        try connection.transaction { conn in
            try writeResults(conn)
            guard try conn.execute(QueueSQL.complete, [job.id, job.leaseToken]) == 1 else {
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
