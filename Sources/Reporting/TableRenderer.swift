/// Renders the report as aligned plain-text tables for a terminal.
public enum TableRenderer {
    /// All levels; the per-well table only when asked, since a 1536-well campaign makes it long.
    public static func render(_ report: CampaignReport, includeWells: Bool = false) -> String {
        var out = report.modelCheck.map(ModelCheckRenderer.text) ?? ""
        out += "Campaign \(report.campaign.name): \(report.summary.status)\n\n"
        out += table(["field", "value"], ReportColumns.summary(report).map { [$0.0, $0.1] }, numeric: [false, false])
        for note in report.notes { out += "note: \(note)\n" }
        out += "\nPlate QC\n" + render(report.plates, ReportColumns.plates)
        out += "\nHits (\(report.screen.normalisation), strongest first)\n"
        out += report.hits.isEmpty ? "none\n" : render(report.hits, ReportColumns.hits)
        if !report.doseResponses.isEmpty {
            out += "\nDose response (4PL)\n" + render(report.doseResponses, ReportColumns.doseResponses)
        }
        out += "\nConditions\n" + render(report.conditions, ReportColumns.conditions)
        if includeWells {
            out += "\nWells\n" + render(report.wells, ReportColumns.wells)
        }
        return out
    }

    public static func render<Row>(_ rows: [Row], _ columns: [ReportColumn<Row>]) -> String {
        table(columns.map(\.header), rows.map { row in columns.map { $0.cell(row) ?? "–" } }, numeric: columns.map(\.numeric))
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: [Bool]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric[i] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
