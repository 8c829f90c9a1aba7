import Postgres

/// Operators name campaigns; the queue knows them by id. Names win, so a campaign called "42" is still found
/// by its name; a bare number that names no campaign is taken as an id (the queue may hold jobs of an id
/// with no campaign row, such as diagnostic probe jobs).
public enum CampaignLookup {
    public static func id(for reference: String, on connection: Connection) throws -> Int64 {
        if let row = try connection.query(LookupSQL.byName, [reference]).first { return try row.int64("id") }
        if let id = Int64(reference) { return id }
        throw CampaignError.unknownCampaign(reference)
    }

    /// Records an operator's cancellation (or its undoing by a retry) on the campaign itself, so reports say so.
    public static func setCancelled(_ cancelled: Bool, campaignID: Int64, on connection: Connection) throws {
        try connection.execute(LookupSQL.setState, [campaignID, cancelled ? "cancelled" : "active"])
    }
}

enum LookupSQL {
    static let byName = "SELECT id FROM campaigns WHERE name = $1"
    static let setState = "UPDATE campaigns SET state = $2 WHERE id = $1"
}
