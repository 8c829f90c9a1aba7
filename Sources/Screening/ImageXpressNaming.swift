/// Molecular Devices ImageXpress / MetaXpress names: `PLATE_A01_s1_w1.tif`, `PLATE_A01_w1.tif` (one site),
/// optionally with the GUID MetaXpress appends to the channel (`_w1F3C2…`), inside `TimePoint_N/` folders
/// for time series. The plate name may itself contain underscores, so the name is read from the right.
/// Thumbnails (`…_thumb….tif`) are not images to analyse and do not match.
public struct ImageXpressNaming: ImageNamingScheme {
    public init() {}

    public var name: String { "ImageXpress" }

    public func parse(relativePath: String) -> ParsedImageName? {
        let components = PathParts.components(relativePath)
        guard let fileName = components.last, let stem = PathParts.tiffStem(fileName) else { return nil }
        var parts = stem.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 2, let channelPart = parts.popLast(), let channel = Self.channel(channelPart) else { return nil }
        var site = 1
        if let last = parts.last, let number = PathParts.number(after: "s", in: last) {
            site = number
            parts.removeLast()
        }
        guard let wellPart = parts.popLast(), Self.looksLikeWell(wellPart), let well = WellPosition(String(wellPart)) else {
            return nil
        }
        let plate = parts.joined(separator: "_")
        return ParsedImageName(
            plate: plate.isEmpty ? nil : plate, well: well, site: site,
            timePoint: PathParts.timePointDirectory(components.dropLast()), channel: "w\(channel)")
    }

    /// `w1`, `W2`, or `w1` followed by a 36-character GUID.
    private static func channel(_ part: Substring) -> Int? {
        guard part.first == "w" || part.first == "W" else { return nil }
        let digits = part.dropFirst().prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 2, let number = Int(digits) else { return nil }
        let rest = part.dropFirst(1 + digits.count)
        if rest.isEmpty { return number }
        guard rest.count == 36, rest.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        return number
    }

    private static func looksLikeWell(_ part: Substring) -> Bool {
        let letters = part.prefix(while: { $0.isASCII && $0.isLetter })
        let digits = part.dropFirst(letters.count)
        return (1...2).contains(letters.count) && (1...3).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
