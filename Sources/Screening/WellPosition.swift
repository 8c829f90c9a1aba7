import Foundation

/// A well on a plate, canonically written `A01`: row letter(s) then a two-digit column.
///
/// Instruments and people write wells many ways (`a1`, `A1`, `A001`, `AA12` on 1536-well plates);
/// parsing accepts them all and `description` always gives the canonical form, so joins by well never miss.
public struct WellPosition: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Zero-based row index: A = 0, B = 1, …, Z = 25, AA = 26, AF = 31.
    public let row: Int
    /// One-based column number.
    public let column: Int

    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }

    /// Parses `A1`, `a01`, `A001`, `AA12`; returns nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let letters = trimmed.prefix(while: { $0.isLetter })
        let digits = trimmed.dropFirst(letters.count)
        guard (1...2).contains(letters.count), !digits.isEmpty, digits.count <= 3,
              digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let column = Int(digits), column >= 1 else { return nil }
        var row = 0
        for letter in letters.uppercased() {
            guard let ascii = letter.asciiValue, ascii >= 65, ascii <= 90 else { return nil }
            row = row * 26 + Int(ascii - 64)
        }
        self.init(row: row - 1, column: column)
    }

    /// Row and column numbers as Opera/Operetta file names give them (`r01c01`), both one-based.
    public init(operaRow: Int, column: Int) {
        self.init(row: operaRow - 1, column: column)
    }

    public var rowLetters: String {
        var index = row + 1
        var letters = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + remainder))) + letters
            index = (index - 1) / 26
        }
        return letters
    }

    public var description: String {
        rowLetters + (column < 10 ? "0\(column)" : "\(column)")
    }

    public static func < (lhs: WellPosition, rhs: WellPosition) -> Bool {
        (lhs.row, lhs.column) < (rhs.row, rhs.column)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = WellPosition(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a well position")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
