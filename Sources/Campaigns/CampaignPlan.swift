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

    /// Scans `imageRoot`, joins the plate maps, validates, and samples image headers.
    ///
    /// - Parameter headerSample: how many image files to open and check before anything is written (spread over
    ///   the campaign); a campaign of unreadable files is refused in seconds instead of failing on the workers.
    /// - Throws: `ScreeningError` when the root cannot be scanned or the plate map cannot be read.
    public static func prepare(
        name: String, imageRoot: URL, source: ImageSource, plateMaps: PlateMapSet, format: PlateFormat,
        channels: ChannelRoles, headerSample: Int = 24
    ) throws -> CampaignPlan {
        let root = imageRoot.standardizedFileURL
        let scan = try ImageDirectoryScanner.scan(root: root, scheme: source)
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
