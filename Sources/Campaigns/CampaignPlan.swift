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
    /// Image files that could not be opened safely or whose TIFF header libtiff could not read, each naming the file.
    public var unreadable: [String]
    /// Images larger than the default pixel budget: workers will record them as their image sets' errors.
    public var oversized: [String] = []

    /// Everything that blocks submission.
    public var errors: [String] { validation.errors.map(\.message) + unreadable }
    public var warnings: [String] {
        validation.warnings.map(\.message)
            + (oversized.isEmpty ? [] : ["\(oversized.count) image(s) exceed the workers' default pixel budget of "
                + "\(TIFFReader.defaultPixelBudget) pixels and will be recorded as errors unless workers run with a "
                + "larger --max-pixels: " + oversized.prefix(20).joined(separator: ", ")
                + (oversized.count > 20 ? " and \(oversized.count - 20) more" : "")])
    }

    public var imageSetCount: Int { plates.reduce(0) { $0 + $1.wells.reduce(0) { $0 + $1.imageSets.count } } }
    public var wellCount: Int { plates.reduce(0) { $0 + $1.wells.count } }

    /// Joins the plate maps to what `scan` found, validates, and samples image headers.
    ///
    /// - Parameter scan: the scan of `images` (default: `imageRoot` itself), with paths relative to it. Paths
    ///   are stored relative to `imageRoot`, so a campaign can live in a sub-folder of the shared storage.
    /// - Parameter headerSample: how many image files to open and check before anything is written (spread over
    ///   the campaign; default: all of them, headers only); a campaign of unreadable files is refused in seconds
    ///   instead of failing on the workers. Each file is opened as a worker will open it: contained under the
    ///   root, symlinks resolved, regular files only (a FIFO is refused, not waited on).
    /// - Throws: `CampaignError.invalid` when `images` is not inside `imageRoot`.
    public static func prepare(
        name: String, imageRoot: URL, images: URL? = nil, scan: ImageScan, plateMaps: PlateMapSet,
        format: PlateFormat, channels: ChannelRoles, headerSample: Int = .max
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
        let headers = checkHeaders(scan.files, root: root, count: headerSample)

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
                            unreadable: headers.unreadable, oversized: headers.oversized)
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

    /// Opens a spread of image files (all of them by default) exactly as a worker will, reads their TIFF
    /// headers, and reports those that cannot be read and those over the default pixel budget, naming each.
    static func checkHeaders(_ files: [ImageFile], root: URL, count: Int) -> (unreadable: [String], oversized: [String]) {
        guard !files.isEmpty, count > 0 else { return ([], []) }
        let step = max(1, files.count / count)
        var unreadable: [String] = []
        var oversized: [String] = []
        for index in stride(from: 0, to: files.count, by: step).prefix(count) {
            do {
                let info = try TIFFReader.info(path: files[index].relativePath, under: root.path)
                if info.width * info.height > TIFFReader.defaultPixelBudget {
                    oversized.append("\(files[index].relativePath) (\(info.width)×\(info.height))")
                }
            } catch {
                unreadable.append("unreadable image: \(error)")
            }
        }
        return (unreadable, oversized)
    }
}
