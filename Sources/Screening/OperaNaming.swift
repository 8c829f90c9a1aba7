/// PerkinElmer/Revvity Opera Phenix and Operetta (Harmony) names: `r01c01f01p01-ch1sk1fk1fl1.tiff`:
/// row and column (one-based numbers), field (our site), plane, channel, then `sk` (the time point),
/// `fk` and `fl`. The plate barcode is not in the name; the scanner takes it from the directory.
public struct OperaNaming: ImageNamingScheme {
    public init() {}

    public var name: String { "Opera" }

    public func parse(relativePath: String) -> ParsedImageName? {
        let components = PathParts.components(relativePath)
        guard let fileName = components.last, let stem = PathParts.tiffStem(fileName) else { return nil }
        var reader = Reader(text: stem.lowercased()[...])
        guard let row = reader.number(after: "r"), let column = reader.number(after: "c"),
              let field = reader.number(after: "f"), reader.number(after: "p") != nil,
              reader.literal("-"), let channel = reader.number(after: "ch"),
              let timePoint = reader.number(after: "sk"), reader.number(after: "fk") != nil,
              reader.number(after: "fl") != nil, reader.atEnd,
              row >= 1, column >= 1, field >= 1, timePoint >= 1 else { return nil }
        return ParsedImageName(plate: nil, well: WellPosition(operaRow: row, column: column), site: field,
                               timePoint: timePoint, channel: "ch\(channel)")
    }

    private struct Reader {
        var text: Substring

        mutating func literal(_ prefix: String) -> Bool {
            guard text.hasPrefix(prefix) else { return false }
            text = text.dropFirst(prefix.count)
            return true
        }

        mutating func number(after prefix: String) -> Int? {
            guard literal(prefix) else { return nil }
            let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 6 else { return nil }
            text = text.dropFirst(digits.count)
            return Int(digits)
        }

        var atEnd: Bool { text.isEmpty }
    }
}
