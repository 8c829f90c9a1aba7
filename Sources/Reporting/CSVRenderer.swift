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

    /// RFC 4180: quote fields holding a comma, quote or line break; double the quotes inside. Text that a
    /// spreadsheet would run as a formula is neutralised first (see `neutralisingFormula`).
    static func escape(_ field: String) -> String {
        let field = neutralisingFormula(field)
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// OWASP's rule against CSV injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return is run as a formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`),
    /// so it gets a leading `'`, which spreadsheets show as text. Plate-map text (treatments, extra columns)
    /// reaches these cells verbatim. Numbers such as `-0.25` or `-1e-3` are left alone so columns stay numeric;
    /// only the CSV output does this, JSON keeps every value exact.
    static func neutralisingFormula(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, formulaTriggers.contains(first) else { return field }
        if Double(field) != nil { return field }
        return "'" + field
    }

    static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
}
