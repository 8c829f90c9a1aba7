import Postgres

/// A snapshot of the queue for operators (`viroscope-coordinator status`).
public struct QueueStatus: Sendable, Codable, Equatable {
    public struct LiveWorker: Sendable, Codable, Equatable {
        public let id: Int64
        public let host: String
        public let pid: Int
        public let version: String
        public let concurrency: Int
        public let secondsSinceHeartbeat: Double
    }

    public struct DiscardedJob: Sendable, Codable, Equatable {
        public let id: Int64
        public let kind: String
        public let campaignID: Int64?
        public let attempt: Int
        public let lastError: String?
    }

    /// Job counts for every state (zero included), from the trigger-kept counts (no scan of the history).
    public let jobsByState: [String: Int]
    public let liveWorkers: [LiveWorker]
    /// Jobs that succeeded in the last 60 seconds.
    public let succeededLastMinute: Int
    /// Age of the oldest claimable job, nil if none waits.
    public let oldestAvailableSeconds: Double?
    public let pausedQueues: [String]
    /// The most recently discarded jobs with their last error.
    public let recentDiscarded: [DiscardedJob]
    /// The worker that runs rescue, retention and queue-depth sampling; nil when none holds the lease.
    public var maintenanceLeader: Int64? = nil

    /// Reads the snapshot. A worker is live if it has not stopped and heartbeated within `liveWithin`.
    public static func fetch(liveWithin: Duration = .seconds(60), discardedLimit: Int = 10,
                             on connection: Connection) throws -> QueueStatus {
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) })
        for row in try connection.query(QueueSQL.countsByState) {
            counts[try row.string("state")] = try row.int("n")
        }
        let workers = try connection.query(QueueSQL.liveWorkers, [liveWithin.seconds]).map {
            LiveWorker(id: try $0.int64("id"), host: try $0.string("host"), pid: try $0.int("pid"),
                       version: try $0.string("version"), concurrency: try $0.int("concurrency"),
                       secondsSinceHeartbeat: try $0.double("silent_for"))
        }
        let discarded = try connection.query(QueueSQL.discarded, [discardedLimit]).map {
            DiscardedJob(id: try $0.int64("id"), kind: try $0.string("kind"), campaignID: try $0.optionalInt64("campaign_id"),
                         attempt: try $0.int("attempt"), lastError: try $0.optionalString("last_error"))
        }
        return QueueStatus(
            jobsByState: counts, liveWorkers: workers,
            succeededLastMinute: try connection.query(QueueSQL.throughputLastMinute)[0].int("n"),
            oldestAvailableSeconds: try connection.query(QueueSQL.oldestAvailable)[0].optionalDouble("age"),
            pausedQueues: try Pause.pausedQueues(on: connection), recentDiscarded: discarded,
            maintenanceLeader: try LeaderElection.leader(on: connection))
    }
}
