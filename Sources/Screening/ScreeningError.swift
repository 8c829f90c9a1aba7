import Foundation

/// Everything that can go wrong while reading a campaign's images, manifests and plate maps.
///
/// Each message names the file (and row, column or path) so a scientist can fix the input without reading code.
public enum ScreeningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A path leaves the image root (`..`, an absolute path, or a symlink that resolves elsewhere).
    case pathEscapesRoot(path: String, reason: String)
    /// A file or directory could not be read.
    case unreadable(path: String, reason: String)
    /// The root holds no TIFF files at all.
    case noImages(root: String)
    /// Automatic detection found no naming scheme that fits most of the files.
    case noSchemeMatches(examples: [String])
    /// Automatic detection found two schemes that fit equally well.
    case ambiguousScheme(candidates: [String], examples: [String])
    /// A CSV file is not well formed (for example an unterminated quote).
    case csvSyntax(file: String, row: Int, message: String)
    /// A CSV header lacks a column the format requires.
    case missingColumn(file: String, column: String, header: [String])
    /// A CSV has no header or no data rows.
    case emptyFile(file: String)
    /// One data row is wrong; `row` is the line number in the file (the header is row 1).
    case invalidRow(file: String, row: Int, message: String)
    /// A CSV file is not UTF-8 (a spreadsheet saved it as UTF-16 or Latin-1).
    case notUTF8(path: String, detail: String)

    public var description: String {
        switch self {
        case let .pathEscapesRoot(path, reason):
            return "'\(path)' escapes the image root: \(reason)"
        case let .unreadable(path, reason):
            return "cannot read '\(path)': \(reason)"
        case let .noImages(root):
            return "no .tif/.tiff files under '\(root)'"
        case let .noSchemeMatches(examples):
            return "no naming scheme (ImageXpress PLATE_A01_s1_w1.tif, Opera r01c01f01p01-ch1sk1fk1fl1.tiff) "
                + "matches most files; give a CSV manifest instead. Examples: " + examples.joined(separator: ", ")
        case let .ambiguousScheme(candidates, examples):
            return "file names fit several naming schemes equally (\(candidates.joined(separator: ", "))); "
                + "choose one explicitly. Examples: " + examples.joined(separator: ", ")
        case let .csvSyntax(file, row, message):
            return "\(file) row \(row): \(Self.printable(message))"
        case let .missingColumn(file, column, header):
            // Only names that look like column names are repeated: a file that is not a CSV at all (a
            // symlink to /etc/passwd, say) must not have its first line printed.
            let names = header.filter(Self.looksLikeColumnName)
            let shown = names.count == header.count && !names.isEmpty
                ? "it has: \(names.joined(separator: ", "))"
                : "it has \(header.count) column(s); is it a CSV plate map?"
            return "\(file): the header has no '\(column)' column (\(shown))"
        case let .emptyFile(file):
            return "\(file): empty file (a header row is required)"
        case let .invalidRow(file, row, message):
            return "\(file) row \(row): \(Self.printable(message))"
        case let .notUTF8(path, detail):
            return "'\(path)' is not UTF-8 text: \(detail); save it from the spreadsheet as \"CSV UTF-8\""
        }
    }

    /// Short names of letters, digits, spaces and `_ - . ( ) % µ /`.
    static func looksLikeColumnName(_ name: String) -> Bool {
        name.count <= 64 && name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                || " _-.()%/µ#".unicodeScalars.contains(scalar)
        }
    }

    /// Row messages quote cell text: control characters are escaped (no forged lines or terminal escapes)
    /// and the message is cut at 300 characters (a cell may hold up to 10,000).
    static func printable(_ message: String) -> String {
        var out = ""
        for (index, scalar) in message.unicodeScalars.enumerated() {
            if index == 300 { return out + "…" }
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
