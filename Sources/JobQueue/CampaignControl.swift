import Postgres

/// Operator actions on many jobs at once.
public enum CampaignControl {
    /// Cancels the campaign's unfinished jobs. A running job's worker hears of it at its next heartbeat and
    /// stops between steps; if it finishes first, its fenced completion fails (`leaseLost`), so nothing it
    /// computed is written.
    ///
    /// - Returns: how many jobs were cancelled.
    @discardableResult
    public static func cancel(campaignID: Int64, on connection: Connection) throws -> Int {
        try connection.execute(QueueSQL.cancelCampaign, [campaignID])
    }

    /// Requeues the campaign's discarded and cancelled jobs with a fresh budget of attempts and rescues; their
    /// error history is kept. (`CampaignRecovery` in Campaigns also enqueues what no job covers any more.)
    @discardableResult
    public static func retry(campaignID: Int64, on connection: Connection) throws -> Int {
        let count = try connection.execute(QueueSQL.retryCampaign, [campaignID])
        if count > 0 { try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, ""]) }
        return count
    }

    /// Requeues every discarded job (dead letters) with a fresh attempt budget; error history kept.
    @discardableResult
    public static func retryDiscarded(on connection: Connection) throws -> Int {
        let count = try connection.execute(QueueSQL.retryDiscarded)
        if count > 0 { try connection.query(QueueSQL.notify, [QueueSQL.notifyChannel, ""]) }
        return count
    }
}
