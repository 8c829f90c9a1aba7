import Foundation
import Analysis
import Postgres
import Reporting
import Screening

/// Reads what the report's model check needs: the per-well model × reporter tables (`well_call_agreement`) and
/// the domain verdict stored at submission, and builds the `ModelCheck`.
public enum ModelCheckData {
    public static func load(campaign name: String, wells: [WellMeasurement], on connection: Connection) throws
        -> ModelCheck
    {
        guard let row = try connection.query(ModelCheckSQL.campaignID, [name]).first else {
            throw CampaignError.unknownCampaign(name)
        }
        let id = try row.int64("id")
        let agreement = try connection.query(ModelCheckSQL.agreement, [id]).compactMap { r -> WellCallAgreement? in
            guard let well = WellPosition(try r.string("well")) else { return nil }
            return WellCallAgreement(
                plate: try r.string("plate"), well: well,
                control: try r.optionalString("control").flatMap(ControlKind.init(rawValue:)),
                nuclei: try r.int("nuclei"), bothPositive: try r.int("both_positive"),
                modelOnly: try r.int("model_only"), reporterOnly: try r.int("reporter_only"))
        }
        let verdict = try CampaignDomainCheck.load(campaignID: id, on: connection)
        return ModelCheck.build(wells: wells, agreement: agreement, domainStatus: verdict?.status.rawValue,
                                domainSummary: verdict?.summary)
    }
}

enum ModelCheckSQL {
    static let campaignID = "SELECT id FROM campaigns WHERE name = $1"
    static let agreement = """
        SELECT plate, well, control, nuclei, both_positive, model_only, reporter_only
        FROM well_call_agreement WHERE campaign_id = $1 ORDER BY plate, well
        """
}
