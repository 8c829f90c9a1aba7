import Foundation
import Imaging
import Screening

/// A campaign as found on disk, checked and ready to submit: plates, wells with their plate-map conditions,
/// image sets with their channels (paths relative to the image root), and the validation findings.
public struct CampaignPlan: Sendable {
    public struct Well: Sendable {
        public var position: WellPosition
        /// Nil for an imaged well the plate map does not list (a warning at validation).
        public var condition: WellCondition?
        public var imageSets: [ImageSet]
    }

    public struct Plate: Sendable {
        public var barcode: String
        public var wells: [Well]
    }

    public var name: String
    public var imageRoot: String
    public var format: PlateFormat
    public var channels: ChannelRoles
    public var schemeName: String
    public var plates: [Plate]
    public var validation: CampaignValidation
    /// Sampled image files libtiff could not read, each message naming the file.
    public var unreadable: [String]

    /// Everything that blocks submission.
    public var errors: [String] { validation.errors.map(\.message) + unreadable }
    public var warnings: [String] { validation.warnings.map(\.message) }

    public var imageSetCount: Int { plates.reduce(0) { $0 + $1.wells.reduce(0) { $0 + $1.imageSets.count } } }
    public var wellCount: Int { plates.reduce(0) { $0 + $1.wells.count } }

    /// Joins the plate maps to what `scan` found, validates, and samples image headers.
    ///
    /// - Parameter scan: the scan of `images` (default: `imageRoot` itself), with paths relative to it. Paths
    ///   are stored relative to `imageRoot`, so a campaign can live in a sub-folder of the shared storage.
    /// - Parameter headerSample: how many image files to open and check before anything is written (spread over
    ///   the campaign); a campaign of unreadable files is refused in seconds instead of failing on the workers.
    /// - Throws: `CampaignError.invalid` when `images` is not inside `imageRoot`.
    public static func prepare(
        name: String, imageRoot: URL, images: URL? = nil, scan: ImageScan, plateMaps: PlateMapSet,
        format: PlateFormat, channels: ChannelRoles, headerSample: Int = 24
    ) throws -> CampaignPlan {
        let root = imageRoot.standardizedFileURL
        let scanned = (images ?? imageRoot).standardizedFileURL
        var scan = scan
        let prefix = try relativePrefix(of: scanned, under: root)
        if !prefix.isEmpty {
            for index in scan.files.indices { scan.files[index].relativePath = prefix + "/" + scan.files[index].relativePath }
        }
        let validation = CampaignValidation.validate(
            files: scan.files, format: format, channels: channels, plateMaps: plateMaps, unmatched: scan.unmatched)
        let unreadable = sampleHeaders(scan.files, root: root, count: headerSample)

        let join = plateMaps.join(validation.imageSets)
        var conditions: [String: [WellPosition: WellCondition]] = [:]
        for entry in join.joined { conditions[entry.imageSet.plate, default: [:]][entry.imageSet.well] = entry.condition }

        let byPlate = Dictionary(grouping: validation.imageSets.filter { $0.channels[channels.nuclear] != nil }, by: \.plate)
        let plates = byPlate.keys.sorted().map { barcode in
            let byWell = Dictionary(grouping: byPlate[barcode, default: []], by: \.well)
            let wells = byWell.keys.sorted().map { position in
                Well(position: position, condition: conditions[barcode]?[position],
                     imageSets: byWell[position, default: []].sorted { $0.key < $1.key })
            }
            return Plate(barcode: barcode, wells: wells)
        }
        return CampaignPlan(name: name, imageRoot: root.path, format: format, channels: channels,
                            schemeName: scan.schemeName, plates: plates, validation: validation,
                            unreadable: unreadable)
    }

    /// The path of `directory` relative to `root` ("" when they are the same).
    /// - Throws: `CampaignError.invalid` when the directory is not inside the root (symlinks resolved).
    static func relativePrefix(of directory: URL, under root: URL) throws -> String {
        let resolvedRoot = root.resolvingSymlinksInPath().path
        let resolvedDirectory = directory.resolvingSymlinksInPath().path
        if resolvedDirectory == resolvedRoot { return "" }
        let rootWithSlash = resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/"
        guard resolvedDirectory.hasPrefix(rootWithSlash) else {
            throw CampaignError.invalid(campaign: directory.path, errors: [
                "the images directory \(directory.path) is not inside the image root \(root.path)",
            ])
        }
        return String(resolvedDirectory.dropFirst(rootWithSlash.count))
    }

    /// Opens a spread of image files and reports those libtiff cannot read, naming each.
    static func sampleHeaders(_ files: [ImageFile], root: URL, count: Int) -> [String] {
        guard !files.isEmpty, count > 0 else { return [] }
        let step = max(1, files.count / count)
        var issues: [String] = []
        for index in stride(from: 0, to: files.count, by: step).prefix(count) {
            let path = root.appendingPathComponent(files[index].relativePath).path
            do { _ = try TIFFReader.info(path: path) } catch {
                issues.append("unreadable image: \(error)")
            }
        }
        return issues
    }
}
