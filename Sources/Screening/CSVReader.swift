/// One CSV record and the line of the file where it starts, so errors can point at the row a spreadsheet shows.
struct CSVRecord: Sendable, Equatable {
    let row: Int
    let fields: [String]
}

/// A small RFC 4180 reader: quoted fields with doubled quotes and embedded separators or newlines,
/// CRLF or LF line ends, a leading byte-order mark, and blank lines (skipped, but still counted in row numbers).
///
/// Sizes are bounded while reading: a plate-map cell is a well name, a treatment or a note, and a 10 MB cell
/// once cost a report a minute and gigabytes. A cell, a row or a field count beyond the limits below is a
/// syntax error naming the row.
enum CSVReader {
    /// Characters (Unicode scalars) in one cell.
    static let maximumCellLength = 10_000
    /// Characters in one record, all cells together.
    static let maximumRowLength = 200_000
    /// Cells in one record.
    static let maximumFields = 2_000

    static func parse(_ text: String, file: String) throws(ScreeningError) -> [CSVRecord] {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var fieldLength = 0
        var rowLength = 0
        var line = 1
        var recordStart = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }

        func endRecord() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldLength = 0
            rowLength = 0
            let blank = fields.allSatisfy { $0.trimmingWhitespace.isEmpty }
            if !blank { records.append(CSVRecord(row: recordStart, fields: fields)) }
            fields = []
            fieldWasQuoted = false
        }

        func appendToField(_ c: Unicode.Scalar) throws(ScreeningError) {
            fieldLength += 1
            rowLength += 1
            guard fieldLength <= maximumCellLength else {
                throw .csvSyntax(file: file, row: recordStart,
                                 message: "cell \(fields.count + 1) is longer than \(maximumCellLength) characters")
            }
            guard rowLength <= maximumRowLength else {
                throw .csvSyntax(file: file, row: recordStart, message: "the row is longer than \(maximumRowLength) characters")
            }
            field.append(c)
        }

        func endField() throws(ScreeningError) {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldLength = 0
            guard fields.count < maximumFields else {
                throw .csvSyntax(file: file, row: recordStart, message: "the row has more than \(maximumFields) cells")
            }
        }

        var index = 0
        while index < scalars.count {
            let c = scalars[index]
            if inQuotes {
                if c == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        try appendToField("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    try appendToField(c)
                }
            } else {
                switch c {
                case "\"":
                    guard String(field).trimmingWhitespace.isEmpty, !fieldWasQuoted else {
                        throw .csvSyntax(file: file, row: line, message: "a quote inside an unquoted field")
                    }
                    field = String.UnicodeScalarView()
                    fieldLength = 0
                    inQuotes = true
                    fieldWasQuoted = true
                case ",":
                    try endField()
                    fieldWasQuoted = false
                case "\r":
                    if index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                    endRecord()
                    line += 1
                    recordStart = line
                case "\n":
                    endRecord()
                    line += 1
                    recordStart = line
                default:
                    if fieldWasQuoted, !c.properties.isWhitespace {
                        throw .csvSyntax(file: file, row: line, message: "text after a closing quote")
                    }
                    try appendToField(c)
                }
            }
            index += 1
        }
        if inQuotes {
            throw .csvSyntax(file: file, row: recordStart, message: "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}

/// A CSV file with a header: columns are looked up by name, case-insensitively and ignoring surrounding spaces.
struct CSVTable: Sendable {
    let file: String
    let header: [String]
    let rows: [CSVRecord]
    private let columnIndex: [String: Int]

    init(text: String, file: String) throws(ScreeningError) {
        let records = try CSVReader.parse(text, file: file)
        guard let first = records.first else { throw .emptyFile(file: file) }
        self.file = file
        self.header = first.fields.map { $0.trimmingWhitespace }
        self.rows = Array(records.dropFirst())
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() where index[name.lowercased()] == nil {
            index[name.lowercased()] = position
        }
        self.columnIndex = index
    }

    func has(_ column: String) -> Bool { columnIndex[column.lowercased()] != nil }

    func require(_ columns: [String]) throws(ScreeningError) {
        for column in columns where !has(column) {
            throw .missingColumn(file: file, column: column, header: header)
        }
    }

    /// The trimmed value of `column` in `record`; empty when the column is absent or the row is short.
    func value(_ column: String, in record: CSVRecord) -> String {
        guard let position = columnIndex[column.lowercased()], position < record.fields.count else { return "" }
        return record.fields[position].trimmingWhitespace
    }

    func error(_ record: CSVRecord, _ message: String) -> ScreeningError {
        .invalidRow(file: file, row: record.row, message: message)
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
