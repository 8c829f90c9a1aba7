import Foundation
import Postgres

/// The life of a job: `available` → `running` → `succeeded`, or via failures `retryable` → … → `discarded`;
/// `cancelled` by an operator.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case available, running, succeeded, retryable, discarded, cancelled
}

/// A job to enqueue. `payload` is JSON text, stored as `jsonb`.
public struct NewJob: Sendable, Equatable {
    public var kind: String
    public var queue: String
    public var payload: String
    public var campaignID: Int64?
    /// Lower runs first.
    public var priority: Int16
    public var maxAttempts: Int
    /// Delay before the job becomes claimable, measured on the database clock.
    public var delay: Duration

    public init(kind: String, payload: String = "{}", queue: String = "default", campaignID: Int64? = nil,
                priority: Int16 = 100, maxAttempts: Int = 5, delay: Duration = .zero) {
        self.kind = kind
        self.queue = queue
        self.payload = payload
        self.campaignID = campaignID
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.delay = delay
    }
}

/// A job this worker holds a lease on. `leaseToken` fences every later statement about it.
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let queue: String
    public let kind: String
    public let campaignID: Int64?
    /// JSON text.
    public let payload: String
    /// 1 on the first run.
    public let attempt: Int
    public let maxAttempts: Int
    public let priority: Int
    public let leaseToken: UUID
    public let workerID: Int64?

    init(row: Row) throws {
        id = try row.int64("id")
        queue = try row.string("queue")
        kind = try row.string("kind")
        campaignID = try row.optionalInt64("campaign_id")
        payload = try row.string("payload")
        attempt = try row.int("attempt")
        maxAttempts = try row.int("max_attempts")
        priority = try row.int("priority")
        leaseToken = try row.uuid("lease_token")
        workerID = try row.optionalInt64("worker_id")
    }

    /// The payload parsed as a JSON object.
    ///
    /// - Throws: `JobQueueError.badPayload` naming the job if it is not an object.
    public func payloadObject() throws -> [String: Any] {
        guard let data = payload.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw JobQueueError.badPayload(jobID: id, reason: "payload is not a JSON object: \(payload.prefix(200))")
        }
        return object
    }
}

/// Errors of the queue itself; messages name the job.
public enum JobQueueError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The job's lease was lost (expired and rescued, cancelled, or completed elsewhere); whatever this worker
    /// did in the same transaction was rolled back.
    case leaseLost(jobID: Int64)
    case badPayload(jobID: Int64, reason: String)
    case noExecutor(kind: String)

    public var description: String {
        switch self {
        case .leaseLost(let id): return "job \(id): lease lost (rescued, cancelled or finished elsewhere); results rolled back"
        case .badPayload(let id, let reason): return "job \(id): bad payload: \(reason)"
        case .noExecutor(let kind): return "no executor registered for job kind \"\(kind)\""
        }
    }
}

extension Array where Element == ClaimedJob {
    var ids: [Int64] { map(\.id) }
    var tokens: [UUID] { map(\.leaseToken) }
}
