import Foundation
import Postgres
import Reporting
import Screening

/// Reads a campaign's per-well counts for the report builder: one aggregate query over `well_summary`,
/// so a report of a million nuclei moves a few hundred rows, not a million.
public enum ReportData {
    public static func load(campaign name: String, on connection: Connection) throws -> (CampaignInfo, [WellMeasurement]) {
        guard let row = try connection.query(ReportSQL.campaign, [name]).first else {
            throw CampaignError.unknownCampaign(name)
        }
        let id = try row.int64("id")
        var formats: Set<Int> = []
        let wells = try connection.query(ReportSQL.wells, [id]).map { r -> WellMeasurement in
            formats.insert(try r.int("plate_format"))
            let position = try r.string("well")
            guard let well = WellPosition(position) else {
                throw CampaignError.badPayload(jobID: 0, reason: "well '\(position)' of campaign \(name) is not a well")
            }
            return WellMeasurement(
                plate: try r.string("plate"), well: well, treatment: try r.optionalString("treatment"),
                concentration: try r.optionalDouble("concentration"), unit: try r.optionalString("unit"),
                virus: try r.optionalString("virus"), moi: try r.optionalDouble("moi"),
                control: try r.optionalString("control").flatMap(ControlKind.init(rawValue:)),
                imageSets: try r.int("image_sets"), imageSetsDone: try r.int("image_sets_done"),
                nuclei: try r.int("nuclei"), infected: try r.int("infected"),
                reporterPositive: try r.optionalInt("reporter_positive"), errors: try r.int("image_errors"))
        }
        let format = PlateFormat(rawValue: formats.max() ?? 96) ?? .wells96
        let done = wells.allSatisfy { $0.imageSetsDone >= $0.imageSets }
        let state = try row.string("state") == "cancelled" ? "cancelled" : (done ? "complete" : "running")
        let info = CampaignInfo(name: name, plateFormat: format,
                                model: "\(try row.string("model_name")) (sha256 \(try row.string("sha256").prefix(12)))",
                                state: state)
        return (info, wells)
    }
}

enum ReportSQL {
    static let campaign = """
        SELECT c.id, c.state, m.name AS model_name, m.sha256 FROM campaigns c JOIN models m ON m.id = c.model_id
        WHERE c.name = $1
        """
    static let wells = """
        SELECT plate, plate_format, well, treatment, concentration, unit, virus, moi, control, image_sets,
               image_sets_done, image_errors, nuclei, infected, reporter_positive
        FROM well_summary WHERE campaign_id = $1 ORDER BY plate, well
        """
}
