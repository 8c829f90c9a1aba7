import Foundation

/// Which control a well is. A well with a blank `control` cell is a sample well (`nil`).
public enum ControlKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Virus, no drug: the infection the assay tries to prevent (100 % of positive control).
    case positive
    /// No virus: the background (0 %).
    case negative
    /// Untreated cells whose nuclei count is 100 % viability in a screen (used instead of the negative controls
    /// when a plate has them). Not part of Z' or percent of control.
    case viabilityReference = "viability_reference"
}

/// What was put in one well, from the plate map.
public struct WellCondition: Hashable, Sendable, Codable {
    public var well: WellPosition
    public var treatment: String?
    public var concentration: Double?
    public var unit: String?
    public var virus: String?
    public var moi: Double?
    public var control: ControlKind?
    /// Every other column of the plate map, by its header name, kept so reports can show it.
    public var extra: [String: String]
    /// The line of the plate-map file this well came from, for messages.
    public var row: Int

    public init(well: WellPosition, treatment: String? = nil, concentration: Double? = nil, unit: String? = nil,
                virus: String? = nil, moi: Double? = nil, control: ControlKind? = nil, extra: [String: String] = [:],
                row: Int = 0) {
        self.well = well
        self.treatment = treatment
        self.concentration = concentration
        self.unit = unit
        self.virus = virus
        self.moi = moi
        self.control = control
        self.extra = extra
        self.row = row
    }
}

/// A plate map: the condition of every mapped well of one plate layout.
///
/// Parsed from a CSV with a header. The `well` column is required; `treatment`, `concentration` (a number),
/// `unit`, `virus`, `moi` (a number) and `control` (`positive`, `negative`, or blank; any case) are understood;
/// any other column is kept in `WellCondition.extra`. Errors name the file, the row (the line number a
/// spreadsheet shows, header = row 1) and the column.
public struct PlateMap: Sendable, Hashable {
    /// The file name, for messages.
    public var source: String
    public var format: PlateFormat
    /// Wells in plate order.
    public var conditions: [WellCondition]

    public init(source: String, format: PlateFormat, conditions: [WellCondition]) {
        self.source = source
        self.format = format
        self.conditions = conditions.sorted { $0.well < $1.well }
    }

    public subscript(well: WellPosition) -> WellCondition? {
        conditions.first { $0.well == well }
    }

    public var wells: [WellPosition] { conditions.map(\.well) }

    static let knownColumns: Set<String> = ["well", "treatment", "concentration", "unit", "virus", "moi", "control"]

    /// Parses plate-map CSV text. `source` names the file in messages.
    public static func parse(_ text: String, source: String, format: PlateFormat) throws(ScreeningError) -> PlateMap {
        let table = try CSVTable(text: text, file: source)
        return try parse(table, rows: table.rows, format: format)
    }

    /// Parses some rows of a plate-map table (all of them, or one plate's of a map with a `plate` column).
    static func parse(_ table: CSVTable, rows: [CSVRecord], format: PlateFormat, ignoring: Set<String> = []) throws(ScreeningError) -> PlateMap {
        try table.require(["well"])
        var firstRow: [WellPosition: Int] = [:]
        var conditions: [WellCondition] = []
        for record in rows {
            if record.fields.count > table.header.count,
               record.fields[table.header.count...].contains(where: { !$0.trimmingWhitespace.isEmpty }) {
                throw table.error(record, "\(record.fields.count) fields but the header has \(table.header.count) columns")
            }
            let wellText = table.value("well", in: record)
            guard let well = WellPosition(wellText), format.contains(well) else {
                throw table.error(record, "well '\(wellText)' is not a well of a \(format) plate")
            }
            if let first = firstRow[well] {
                throw table.error(record, "well \(well) appears twice (first at row \(first))")
            }
            firstRow[well] = record.row
            var condition = WellCondition(well: well, row: record.row)
            condition.treatment = optional(table.value("treatment", in: record))
            condition.concentration = try number("concentration", table, record)
            condition.unit = optional(table.value("unit", in: record))
            condition.virus = optional(table.value("virus", in: record))
            condition.moi = try number("moi", table, record)
            let control = table.value("control", in: record)
            if !control.isEmpty {
                guard let kind = ControlKind(rawValue: control.lowercased()) else {
                    throw table.error(record, "control '\(control)' is not positive, negative, viability_reference or blank")
                }
                condition.control = kind
            }
            for (position, name) in table.header.enumerated()
            where !knownColumns.contains(name.lowercased()) && !ignoring.contains(name.lowercased()) && !name.isEmpty {
                let value = position < record.fields.count ? record.fields[position].trimmingWhitespace : ""
                condition.extra[name] = value
            }
            conditions.append(condition)
        }
        return PlateMap(source: table.file, format: format, conditions: conditions)
    }

    /// Reads and parses a plate-map file.
    public static func load(_ url: URL, format: PlateFormat) throws(ScreeningError) -> PlateMap {
        try parse(try readText(url), source: url.lastPathComponent, format: format)
    }

    private static func optional(_ text: String) -> String? { text.isEmpty ? nil : text }

    private static func number(_ column: String, _ table: CSVTable, _ record: CSVRecord) throws(ScreeningError) -> Double? {
        let text = table.value(column, in: record)
        if text.isEmpty { return nil }
        guard let value = Double(text), value.isFinite else { throw table.error(record, "\(column) '\(text)' is not a number") }
        guard value >= 0 else { throw table.error(record, "\(column) '\(text)' is negative") }
        return value
    }
}
