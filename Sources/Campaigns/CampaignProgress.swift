import Analysis
import Foundation
import Postgres

/// How far a campaign has got: what `viroscope-coordinator status --campaign` shows.
public struct CampaignProgress: Sendable, Codable, Equatable {
    public struct Failure: Sendable, Codable, Equatable {
        public var imageSetID: Int64
        public var plate: String
        public var well: String
        public var site: Int
        public var file: String?
        public var error: String
    }

    public var campaignID: Int64
    public var name: String
    public var state: String
    public var modelSHA256: String
    public var imageSets: Int
    public var imageSetsDone: Int
    public var imageSetErrors: Int
    public var nuclei: Int
    public var infected: Int
    public var jobsByState: [String: Int]
    /// Image sets finished in the last minute.
    public var imageSetsLastMinute: Int
    /// Estimated seconds to finish at the last minute's rate; nil when nothing finished lately.
    public var etaSeconds: Double?
    public var failures: [Failure]
    /// Jobs that used up their attempts, with their last error.
    public var discardedJobs: [String]
    /// Image sets without a result whose job was discarded, with the job's reason (e.g. "worker died 3 times
    /// running this job"): what `retry --campaign` would run again.
    public var discardedImageSets: [Failure] = []
    /// Whether the campaign's images looked like the model's training data at submission (nil: not recorded).
    public var domainCheck: DomainVerdict?

    public var complete: Bool { imageSetsDone >= imageSets }
    public var fractionDone: Double { imageSets == 0 ? 1 : Double(imageSetsDone) / Double(imageSets) }

    public static func load(campaign name: String, on connection: Connection, failureLimit: Int = 20) throws
        -> CampaignProgress
    {
        guard let row = try connection.query(ProgressSQL.campaign, [name]).first else {
            throw CampaignError.unknownCampaign(name)
        }
        let id = try row.int64("id")
        var jobs: [String: Int] = [:]
        for jobRow in try connection.query(ProgressSQL.jobs, [id]) {
            jobs[try jobRow.string("state")] = try jobRow.int("n")
        }
        let failures = try connection.query(ProgressSQL.failures, [id, failureLimit]).map { r in
            Failure(imageSetID: try r.int64("image_set_id"), plate: try r.string("plate"), well: try r.string("well"),
                    site: try r.int("site"), file: try r.optionalString("path"), error: try r.string("error"))
        }
        let discarded = try connection.query(ProgressSQL.discarded, [id]).map { r in
            "job \(try r.int64("id")) after \(try r.int("attempt")) attempts: \(try r.optionalString("last_error") ?? "")"
        }
        let stranded = try connection.query(ProgressSQL.discardedImageSets, [id, failureLimit]).map { r in
            Failure(imageSetID: try r.int64("image_set_id"), plate: try r.string("plate"), well: try r.string("well"),
                    site: try r.int("site"), file: try r.optionalString("path"), error: try r.string("error"))
        }
        let total = try row.int("image_sets"), done = try row.int("done"), recent = try row.int("last_minute")
        return CampaignProgress(
            campaignID: id, name: name, state: try row.string("state"), modelSHA256: try row.string("sha256"),
            imageSets: total, imageSetsDone: done, imageSetErrors: try row.int("errors"), nuclei: try row.int("nuclei"),
            infected: try row.int("infected"), jobsByState: jobs, imageSetsLastMinute: recent,
            etaSeconds: recent > 0 ? Double(total - done) / (Double(recent) / 60) : nil, failures: failures,
            discardedJobs: discarded, discardedImageSets: stranded,
            domainCheck: try CampaignDomainCheck.load(campaignID: id, on: connection))
    }
}

enum ProgressSQL {
    static let campaign = """
        SELECT c.id, c.state, m.sha256,
               count(s.id) AS image_sets, count(r.image_set_id) AS done, count(r.error) AS errors,
               coalesce(sum(r.nuclei), 0) AS nuclei, coalesce(sum(r.infected), 0) AS infected,
               count(*) FILTER (WHERE r.created_at > now() - interval '1 minute') AS last_minute
        FROM campaigns c
        JOIN models m ON m.id = c.model_id
        LEFT JOIN plates p ON p.campaign_id = c.id
        LEFT JOIN wells w ON w.plate_id = p.id
        LEFT JOIN image_sets s ON s.well_id = w.id
        LEFT JOIN image_results r ON r.image_set_id = s.id
        WHERE c.name = $1
        GROUP BY c.id, c.state, m.sha256
        """
    static let jobs = "SELECT state, count(*) AS n FROM jobs WHERE campaign_id = $1 GROUP BY state"
    static let failures = """
        SELECT r.image_set_id, p.barcode AS plate, w.position AS well, s.site, i.path, r.error
        FROM image_results r
        JOIN image_sets s ON s.id = r.image_set_id
        JOIN wells w ON w.id = s.well_id
        JOIN plates p ON p.id = w.plate_id
        JOIN campaigns c ON c.id = p.campaign_id
        LEFT JOIN images i ON i.image_set_id = s.id AND i.channel = c.nuclear_channel
        WHERE p.campaign_id = $1 AND r.error IS NOT NULL
        ORDER BY p.barcode, w.position, s.site
        LIMIT $2
        """
    static let discardedImageSets = """
        SELECT s.id AS image_set_id, p.barcode AS plate, w.position AS well, s.site, i.path,
               'job ' || j.id || ' discarded: ' || coalesce(j.last_error, 'no error recorded') AS error
        FROM jobs j
        CROSS JOIN LATERAL jsonb_array_elements(j.payload -> 'image_sets') AS e
        JOIN image_sets s ON s.id = (e ->> 'id')::bigint
        JOIN wells w ON w.id = s.well_id
        JOIN plates p ON p.id = w.plate_id
        JOIN campaigns c ON c.id = p.campaign_id
        LEFT JOIN images i ON i.image_set_id = s.id AND i.channel = c.nuclear_channel
        WHERE j.campaign_id = $1 AND j.state = 'discarded' AND p.campaign_id = $1
          AND NOT EXISTS (SELECT 1 FROM image_results r WHERE r.image_set_id = s.id)
        ORDER BY p.barcode, w.position, s.site
        LIMIT $2
        """
    static let discarded = """
        SELECT id, attempt, last_error FROM jobs WHERE campaign_id = $1 AND state = 'discarded' ORDER BY id LIMIT 20
        """
}
