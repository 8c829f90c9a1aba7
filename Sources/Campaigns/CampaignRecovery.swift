import JobQueue
import Postgres

/// Brings a cancelled or failed campaign back to work from what is missing, not from what is left of its jobs:
/// jobs may have been cleaned away, and a job that succeeded may still have recorded errors for some images.
///
/// Image sets are covered exactly once: old discarded and cancelled jobs are requeued as they are, and new jobs
/// are enqueued only for image sets that have no result and are in no live (available, retryable, running)
/// job, so two jobs never race for one image set's result.
public enum CampaignRecovery {
    public struct Result: Sendable, Equatable, Codable {
        /// Discarded or cancelled jobs made available again.
        public var requeuedJobs = 0
        /// Jobs enqueued for image sets no job covered any more.
        public var newJobs = 0
        /// Image sets in those new jobs.
        public var newImageSets = 0
        /// Error results removed so their image sets are analysed again (`includeErrors`).
        public var clearedErrors = 0

        public init() {}

        public var isEmpty: Bool { requeuedJobs == 0 && newJobs == 0 && clearedErrors == 0 }
    }

    /// Requeues what the campaign still needs. Run it inside a transaction.
    ///
    /// - Parameters:
    ///   - includeErrors: also analyse again the image sets recorded with an error (their rows are deleted).
    ///   - batchSize: image sets per new job.
    public static func recover(campaignID: Int64, includeErrors: Bool = false, batchSize: Int = 4,
                               priority: Int16 = 100, maxAttempts: Int = 5, on connection: Connection) throws -> Result {
        var result = Result()
        // One recovery (or submission) of a campaign at a time, so two cannot both enqueue the same image set.
        try connection.execute(RecoverySQL.lock, [campaignID])
        if includeErrors {
            result.clearedErrors = try connection.execute(RecoverySQL.clearErrors, [campaignID])
        }
        result.requeuedJobs = try CampaignControl.retry(campaignID: campaignID, on: connection)
        let missing = try connection.query(RecoverySQL.uncovered, [campaignID, AnalyseImagesPayload.kind])
            .map(AnalyseImagesPayload.Entry.init(row:))
        let jobs = try AnalyseImagesPayload.jobs(campaign: campaignID, entries: missing, batchSize: batchSize,
                                                 priority: priority, maxAttempts: maxAttempts)
        if !jobs.isEmpty { try Enqueue.enqueue(jobs, on: connection) }
        result.newJobs = jobs.count
        result.newImageSets = missing.count
        return result
    }
}

enum RecoverySQL {
    static let lock = "SELECT pg_advisory_xact_lock(hashtextextended('viroscope.campaign-id:' || $1::text, 0))"

    static let clearErrors = """
        DELETE FROM image_results r USING image_sets s, wells w, plates p
        WHERE r.image_set_id = s.id AND s.well_id = w.id AND w.plate_id = p.id AND p.campaign_id = $1
          AND r.error IS NOT NULL
        """

    /// Image sets without a result that no live job of the campaign covers, with their channel paths as the
    /// submission wrote them into payloads.
    static let uncovered = """
        SELECT s.id, coalesce(n.path, '') AS nuclear, rp.path AS reporter
        FROM campaigns c
        JOIN plates p ON p.campaign_id = c.id
        JOIN wells w ON w.plate_id = p.id
        JOIN image_sets s ON s.well_id = w.id
        LEFT JOIN images n ON n.image_set_id = s.id AND n.channel = c.nuclear_channel
        LEFT JOIN images rp ON rp.image_set_id = s.id AND rp.channel = c.reporter_channel
        WHERE c.id = $1
          AND NOT EXISTS (SELECT 1 FROM image_results r WHERE r.image_set_id = s.id)
          AND s.id NOT IN (
              SELECT (e ->> 'id')::bigint
              FROM jobs j CROSS JOIN LATERAL jsonb_array_elements(j.payload -> 'image_sets') AS e
              WHERE j.campaign_id = $1 AND j.kind = $2 AND j.state IN ('available', 'retryable', 'running'))
        ORDER BY s.id
        """
}
