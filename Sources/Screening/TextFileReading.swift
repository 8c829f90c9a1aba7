import Foundation
import SafeFiles

/// Reads the CSV files a user names (plate maps, indexes, manifests) with the same care as images: regular
/// files only (a directory says "is a directory", a FIFO is refused without hanging), at most `maximumBytes`,
/// and UTF-8 only, saying plainly when a spreadsheet saved UTF-16 or Latin-1 instead.
enum TextFileReading {
    /// Larger than any plate map (a 1536-well map is ~100 kB; an index of a thousand plates far less).
    static let maximumBytes = 64 << 20

    static func read(_ url: URL) throws(ScreeningError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try SafeFile.readAll(url.path, limit: maximumBytes)
        } catch let error {
            throw .unreadable(path: url.path, reason: reason(error))
        }
        return try decode(bytes, path: url.path)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(ScreeningError) -> String {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw .notUTF8(path: path, detail: "it is UTF-16 text (byte-order mark \(hex(bytes[0])) \(hex(bytes[1])))")
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            if text.unicodeScalars.contains("\u{0}") {
                throw .notUTF8(path: path, detail: "it holds NUL bytes (UTF-16 without a byte-order mark, or a binary file)")
            }
            return text
        }
        let (offset, line) = firstInvalidUTF8(bytes)
        let byte = offset < bytes.count ? hex(bytes[offset]) : "end of file"
        throw .notUTF8(path: path, detail: "byte \(byte) at line \(line) is not valid UTF-8 (Latin-1 or Windows-1252 "
                       + "text, typically)")
    }

    private static func reason(_ error: SafeFileError) -> String {
        if case let .tooLarge(_, bytes, limit) = error {
            return "it is \(bytes) bytes; a CSV of at most \(limit) bytes is accepted"
        }
        return error.reason
    }

    private static func hex(_ byte: UInt8) -> String { "0x" + String(byte, radix: 16, uppercase: true) }

    /// The offset of the first byte that breaks UTF-8, and its line (1-based).
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> (offset: Int, line: Int) {
        var index = 0
        var line = 1
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (index, line)
            }
            guard index + length <= bytes.count,
                  String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil else { return (index, line) }
            if byte == 0x0A { line += 1 }
            index += length
        }
        return (index, line)
    }
}

/// Reads a plate map, index or manifest as UTF-8 text.
func readText(_ url: URL) throws(ScreeningError) -> String {
    try TextFileReading.read(url)
}
