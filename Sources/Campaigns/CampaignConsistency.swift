import JobQueue
import Postgres

/// Jobs that say they succeeded without the results they owe, and their repair.
///
/// An `analyse-images` job commits a result row for each of its image sets in the same transaction that marks
/// it succeeded, so a succeeded job without them means something marked it succeeded from outside: a worker
/// login before migration 0009 fenced job states, an operator's hand-written UPDATE, a restored backup. Such a
/// campaign sits below 100 % forever while every job looks done; `status --campaign` reports it and
/// `repair --campaign` enqueues the missing image sets again.
public enum CampaignConsistency {
    /// What a campaign's succeeded jobs owe and nothing is going to write.
    public struct Report: Sendable, Equatable, Codable {
        /// Succeeded jobs missing at least one result, in id order (at most `listLimit`).
        public var jobIDs: [Int64] = []
        /// How many succeeded jobs miss results.
        public var jobs = 0
        /// Their image sets without a result that no waiting or running job covers.
        public var imageSets = 0

        public init() {}

        public var isConsistent: Bool { imageSets == 0 }
    }

    /// Ids listed in a report; the counts are always complete.
    public static let listLimit = 20

    /// Checks one campaign. Reads only that campaign's jobs (through its index), never the whole history.
    public static func check(campaignID: Int64, on connection: Connection) throws -> Report {
        var report = Report()
        for row in try connection.query(ConsistencySQL.owed, [campaignID, AnalyseImagesPayload.kind]) {
            let missing = try row.int("missing")
            report.jobs += 1
            report.imageSets += missing
            if report.jobIDs.count < listLimit { report.jobIDs.append(try row.int64("job_id")) }
        }
        return report
    }

    /// What `repair` did.
    public struct Repair: Sendable, Equatable, Codable {
        /// Jobs enqueued for the missing image sets.
        public var newJobs = 0
        /// Image sets in those jobs.
        public var imageSets = 0
    }

    /// Enqueues the image sets that succeeded jobs of the campaign did not write, `batchSize` per job. Run it
    /// inside a transaction. Image sets already in a waiting or running job are left to it, so running repair
    /// twice enqueues nothing the second time and no two jobs race for one result.
    public static func repair(campaignID: Int64, batchSize: Int = 4, priority: Int16 = 100, maxAttempts: Int = 5,
                              on connection: Connection) throws -> Repair {
        // The recovery lock: one submission, retry or repair of a campaign at a time.
        try connection.execute(RecoverySQL.lock, [campaignID])
        let missing = try connection.query(ConsistencySQL.owedImageSets, [campaignID, AnalyseImagesPayload.kind])
            .map(AnalyseImagesPayload.Entry.init(row:))
        let jobs = try AnalyseImagesPayload.jobs(campaign: campaignID, entries: missing, batchSize: batchSize,
                                                 priority: priority, maxAttempts: maxAttempts)
        if !jobs.isEmpty { try Enqueue.enqueue(jobs, on: connection) }
        var repair = Repair()
        repair.newJobs = jobs.count
        repair.imageSets = missing.count
        return repair
    }
}

enum ConsistencySQL {
    /// The image sets of the campaign's succeeded jobs ($1 campaign, $2 kind), with the job that owes each.
    /// A payload without an `image_sets` array owes nothing (it is not an analyse-images payload).
    private static let owedRows = """
        SELECT j.id AS job_id, (e ->> 'id')::bigint AS image_set_id
        FROM jobs j
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(j.payload -> 'image_sets') = 'array'
                                                     THEN j.payload -> 'image_sets' ELSE '[]'::jsonb END) AS e
        WHERE j.campaign_id = $1 AND j.kind = $2 AND j.state = 'succeeded'
          AND NOT EXISTS (SELECT 1 FROM image_results r WHERE r.image_set_id = (e ->> 'id')::bigint)
          AND (e ->> 'id')::bigint NOT IN (
              SELECT (l ->> 'id')::bigint
              FROM jobs lj CROSS JOIN LATERAL jsonb_array_elements(
                  CASE WHEN jsonb_typeof(lj.payload -> 'image_sets') = 'array'
                       THEN lj.payload -> 'image_sets' ELSE '[]'::jsonb END) AS l
              WHERE lj.campaign_id = $1 AND lj.kind = $2 AND lj.state IN ('available', 'retryable', 'running'))
        """

    static let owed = """
        SELECT job_id, count(*)::integer AS missing FROM (\(owedRows)) o GROUP BY job_id ORDER BY job_id
        """

    /// The owed image sets that still exist, with their channel paths as the submission wrote them.
    static let owedImageSets = """
        SELECT DISTINCT s.id, coalesce(n.path, '') AS nuclear, rp.path AS reporter
        FROM (\(owedRows)) o
        JOIN image_sets s ON s.id = o.image_set_id
        JOIN campaigns c ON c.id = $1
        LEFT JOIN images n ON n.image_set_id = s.id AND n.channel = c.nuclear_channel
        LEFT JOIN images rp ON rp.image_set_id = s.id AND rp.channel = c.reporter_channel
        ORDER BY s.id
        """
}
