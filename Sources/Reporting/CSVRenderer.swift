import Foundation

/// Renders the report as CSV, one file per level, with the same columns and number formats as the terminal
/// table. A value that cannot be computed is an empty cell.
public enum CSVRenderer {
    /// File name → contents: `summary.csv`, `plates.csv`, `conditions.csv`, `dose-response.csv`, `wells.csv`, `hits.csv`.
    public static func render(_ report: CampaignReport) -> [String: String] {
        [
            "summary.csv": csv(["field", "value"], ReportColumns.summary(report).map { [$0.0, $0.1] }),
            "plates.csv": render(report.plates, ReportColumns.plates),
            "conditions.csv": render(report.conditions, ReportColumns.conditions),
            "dose-response.csv": render(report.doseResponses, ReportColumns.doseResponses),
            "wells.csv": render(report.wells, ReportColumns.wells),
            "hits.csv": render(report.hits, ReportColumns.hits),
        ]
    }

    public static func render<Row>(_ rows: [Row], _ columns: [ReportColumn<Row>]) -> String {
        csv(columns.map(\.header), rows.map { row in columns.map { $0.cell(row) ?? "" } })
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    /// RFC 4180: quote fields holding a comma, quote or line break; double the quotes inside.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
