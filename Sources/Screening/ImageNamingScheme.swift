/// What a file name (and the directories above it) tells about one image. `plate` is nil when the name
/// does not carry it; the scanner then takes the plate from the directory (see `PlateDirectory`).
public struct ParsedImageName: Hashable, Sendable {
    public var plate: String?
    public var well: WellPosition
    public var site: Int
    public var timePoint: Int
    public var channel: String

    public init(plate: String?, well: WellPosition, site: Int, timePoint: Int, channel: String) {
        self.plate = plate
        self.well = well
        self.site = site
        self.timePoint = timePoint
        self.channel = channel
    }
}

/// An instrument's file-naming convention.
///
/// Implementations are pure: they look only at the path (relative to the image root, `/`-separated) and
/// return nil when the path is not theirs, which is what automatic detection counts.
public protocol ImageNamingScheme: Sendable {
    /// A short name for messages: `ImageXpress`, `Opera`.
    var name: String { get }
    func parse(relativePath: String) -> ParsedImageName?
}

/// Helpers shared by the schemes: file-name pieces and directory conventions.
enum PathParts {
    static func components(_ relativePath: String) -> [Substring] {
        relativePath.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// The file name without a `.tif`/`.tiff` extension (any case); nil for other files.
    static func tiffStem(_ fileName: Substring) -> Substring? {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".tiff") { return fileName.dropLast(5) }
        if lower.hasSuffix(".tif") { return fileName.dropLast(4) }
        return nil
    }

    static func isTIFF(_ path: String) -> Bool {
        guard let last = components(path).last else { return false }
        return tiffStem(last) != nil
    }

    /// `prefix` (case-insensitive) followed by one or more ASCII digits and nothing else.
    static func number(after prefix: String, in text: Substring) -> Int? {
        guard text.count > prefix.count, text.lowercased().hasPrefix(prefix) else { return nil }
        let digits = text.dropFirst(prefix.count)
        guard digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// The time point from an ImageXpress `TimePoint_N` directory anywhere above the file; 1 when absent.
    static func timePointDirectory(_ directories: ArraySlice<Substring>) -> Int {
        for directory in directories.reversed() {
            if let n = number(after: "timepoint_", in: directory) { return n }
        }
        return 1
    }
}

/// Where a file's plate barcode comes from when its name does not carry one: the nearest directory above it
/// that is not an instrument's generic sub-folder (`Images`, `TimePoint_N`, `ZStep_N`). Harmony exports name
/// the measurement folder `BARCODE__2024-05-01T10_11_12-Measurement 1`; the part before `__` is the barcode.
public enum PlateDirectory {
    public static func barcode(forRelativePath relativePath: String, rootName: String) -> String {
        let directories = PathParts.components(relativePath).dropLast()
        for directory in directories.reversed() where !isGeneric(directory) {
            return cleaned(directory)
        }
        return cleaned(Substring(rootName))
    }

    static func isGeneric(_ directory: Substring) -> Bool {
        let lower = directory.lowercased()
        return lower == "images" || PathParts.number(after: "timepoint_", in: directory) != nil
            || PathParts.number(after: "zstep_", in: directory) != nil
    }

    static func cleaned(_ directory: Substring) -> String {
        if let range = directory.range(of: "__"), directory[range.upperBound...].contains("Measurement") {
            return String(directory[..<range.lowerBound])
        }
        return String(directory)
    }
}
