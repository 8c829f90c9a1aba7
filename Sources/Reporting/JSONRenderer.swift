import Foundation

/// Renders the report as JSON following `ReportJSONSchema.schema`.
///
/// The JSON is the `CampaignReport` model itself, encoded with sorted keys, ISO 8601 dates and wells as `A01`
/// strings, so the same report always gives the same bytes. Values that cannot be computed (a Z' without
/// controls, a rate of a well with no nuclei) are `null` (never NaN), and every key is always present. Rates are fractions (0…1),
/// unlike the percentages of the table and CSV.
public enum JSONRenderer {
    public static func render(_ report: CampaignReport) throws -> Data {
        try encoder.encode(report)
    }

    public static func decode(_ data: Data) throws -> CampaignReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(CampaignReport.self, from: data)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
