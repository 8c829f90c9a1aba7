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
            return "\(file) row \(row): \(message)"
        case let .missingColumn(file, column, header):
            return "\(file): the header has no '\(column)' column (it has: \(header.joined(separator: ", ")))"
        case let .emptyFile(file):
            return "\(file): empty file (a header row is required)"
        case let .invalidRow(file, row, message):
            return "\(file) row \(row): \(message)"
        }
    }
}
