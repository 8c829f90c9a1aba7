/// A CSV manifest for instruments whose names no scheme understands: header
/// `plate,well,site,time_point,channel,path` (`site` and `time_point` may be left out or blank: 1).
///
/// Paths are relative to the image root; absolute paths and paths with `..` are rejected because a
/// manifest must not be able to point a worker at arbitrary files.
public enum ImageManifest {
    public static let requiredColumns = ["plate", "well", "channel", "path"]
    /// Largest site or time point accepted (the file-name schemes allow six digits as well).
    public static let maximumIndex = 999_999

    /// Parses manifest text; `file` names the manifest in error messages.
    public static func parse(_ text: String, file: String) throws(ScreeningError) -> [ImageFile] {
        let table = try CSVTable(text: text, file: file)
        try table.require(requiredColumns)
        var files: [ImageFile] = []
        for record in table.rows {
            let plate = table.value("plate", in: record)
            guard !plate.isEmpty else { throw table.error(record, "plate is empty") }
            let wellText = table.value("well", in: record)
            guard let well = WellPosition(wellText) else { throw table.error(record, "well '\(wellText)' is not a well position") }
            let site = try positive("site", table, record)
            let timePoint = try positive("time_point", table, record)
            let channel = table.value("channel", in: record)
            guard !channel.isEmpty else { throw table.error(record, "channel is empty") }
            let path = table.value("path", in: record)
            guard !path.isEmpty else { throw table.error(record, "path is empty") }
            if let reason = RootContainment.lexicalEscape(path) {
                throw table.error(record, "path '\(path)' escapes the image root: \(reason)")
            }
            files.append(ImageFile(plate: plate, well: well, site: site, timePoint: timePoint, channel: channel,
                                   relativePath: RootContainment.normalised(path)))
        }
        return files
    }

    private static func positive(_ column: String, _ table: CSVTable, _ record: CSVRecord) throws(ScreeningError) -> Int {
        let text = table.value(column, in: record)
        if text.isEmpty { return 1 }
        // The database stores these as 32-bit integers; no instrument numbers a million sites or time points.
        guard let value = Int(text), (1...maximumIndex).contains(value) else {
            throw table.error(record, "\(column) '\(text)' is not a whole number within 1…\(maximumIndex)")
        }
        return value
    }
}
