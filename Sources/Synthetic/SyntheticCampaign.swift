import Foundation
import Imaging
import Screening

/// What a finished campaign holds.
public struct CampaignSummary: Sendable, Codable, Equatable {
    public var plates = 0
    public var wells = 0
    /// Fields of view (image sets); each has a nuclear and a reporter image.
    public var fields = 0
    public var imageFiles = 0
    public var nuclei = 0
    public var infected = 0
}

/// A synthetic screening campaign with known truth: plates of nuclear-stain and reporter images laid out as an
/// ImageXpress writes them, a plate map, and per-nucleus and per-well truth.
///
/// Layout under the output directory:
/// - `PLATE01/PLATE01_A01_s1_w1.tif` (nuclear stain) and `…_w2.tif` (reporter), 16-bit grey;
/// - `truth/PLATE01_A01_s1.csv`: one row per nucleus (`NucleusTruth.csvHeader`), and with `labelMasks`
///   `truth/PLATE01_A01_s1_labels.tif`, the label mask;
/// - `truth/wells.csv`: per plate and well, nuclei, infected, true probability and observed rate;
/// - `plate-map.csv`: the layout every plate shares; `campaign.json`: settings, dose-response truth, summary.
///
/// Every field has its own generator derived from (seed, plate, well, site), so a field's bytes do not depend on
/// which other wells are made, and the same settings always give the same files.
public struct SyntheticCampaign: Sendable {
    /// Written to `campaign.json`, so a data set can be traced to the code that made it.
    public static let softwareVersion = "viroscope-synthetic 0.1.0"

    public let settings: CampaignSettings
    /// The wells imaged on every plate, in reading order.
    public let layout: [WellAssignment]

    /// Validates the settings (throwing `SyntheticCampaignError.invalidSettings`) and lays out the plate.
    public init(settings: CampaignSettings) throws {
        try settings.validate()
        self.settings = settings
        layout = PlateLayout.assignments(format: settings.format, virus: settings.virus, dose: settings.dose,
                                         limit: settings.wellLimit)
    }

    /// `PLATE01`, `PLATE02`, …
    public static func plateName(_ plate: Int) -> String {
        plate < 10 ? "PLATE0\(plate)" : "PLATE\(plate)"
    }

    /// ImageXpress style: `PLATE01_A01_s1_w1.tif`; channel 1 is the nuclear stain, 2 the reporter.
    public static func imageFileName(plate: Int, well: WellPosition, site: Int, channel: Int) -> String {
        "\(plateName(plate))_\(well)_s\(site)_w\(channel).tif"
    }

    public var totalFields: Int { settings.plates * layout.count * settings.sitesPerWell }

    /// Renders one field exactly as `generate` does, without writing it.
    public func field(plate: Int, well: WellAssignment, site: Int) -> SyntheticField {
        var generator = SeededGenerator(seed: settings.seed, stream: [UInt64(plate), UInt64(well.well.row),
                                                                      UInt64(well.well.column), UInt64(site)])
        let mean = Double(settings.nucleiPerImage ?? settings.field.defaultNucleusCount)
        let count = Int((mean * generator.uniform(0.85, 1.15)).rounded())
        return NucleusImageRenderer(settings: settings.field)
            .render(nucleusCount: count, infectionProbability: well.trueProbability, virus: settings.virus,
                    generator: &generator)
    }

    /// Writes the whole campaign under `directory`, calling `progress(done, total)` after each field.
    ///
    /// Throws `outputNotEmpty` if `directory` already holds files and `overwrite` is false (files of the same name
    /// are replaced when it is true; others are left alone), `cannotWrite` or a `TIFFWriteError` if a file cannot
    /// be written.
    @discardableResult
    public func generate(into directory: String, overwrite: Bool = false,
                         progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> CampaignSummary {
        let files = CampaignFiles(root: directory)
        try files.prepare(overwrite: overwrite, plates: settings.plates)
        var summary = CampaignSummary(plates: settings.plates, wells: settings.plates * layout.count)
        var wellRows: [String] = [WellTruth.csvHeader]
        let total = totalFields
        for plate in 1...settings.plates {
            for well in layout {
                var wellTruth = WellTruth(plate: Self.plateName(plate), assignment: well)
                for site in 1...settings.sitesPerWell {
                    let field = field(plate: plate, well: well, site: site)
                    for (channel, pixels) in [(1, field.nuclear), (2, field.reporter)] {
                        let name = Self.imageFileName(plate: plate, well: well.well, site: site, channel: channel)
                        try TIFFWriter.writeUInt16(pixels, width: field.width, height: field.height,
                                                   to: files.imagePath(plate: Self.plateName(plate), name: name),
                                                   compression: settings.compression)
                    }
                    let fieldName = "\(Self.plateName(plate))_\(well.well)_s\(site)"
                    if settings.labelMasks {
                        // Labels are at most a few thousand per field, so 16 bits hold them exactly.
                        try TIFFWriter.writeUInt16(field.labels.map { UInt16(clamping: $0) }, width: field.width,
                                                   height: field.height, to: files.truthPath(fieldName + "_labels.tif"),
                                                   compression: .deflate)
                    }
                    let truthName = fieldName + ".csv"
                    try files.writeText(([NucleusTruth.csvHeader] + field.nuclei.map(\.csvRow)).joined(separator: "\n")
                                        + "\n", to: files.truthPath(truthName))
                    let infected = field.nuclei.filter(\.infected).count
                    wellTruth.nuclei += field.nuclei.count
                    wellTruth.infected += infected
                    summary.fields += 1
                    summary.imageFiles += 2
                    summary.nuclei += field.nuclei.count
                    summary.infected += infected
                    progress?(summary.fields, total)
                }
                wellRows.append(wellTruth.csvRow)
            }
        }
        try files.writeText(wellRows.joined(separator: "\n") + "\n", to: files.truthPath("wells.csv"))
        try files.writeText(PlateMapFile.csv(layout), to: files.rootPath("plate-map.csv"))
        try files.writeText(try CampaignRecord(settings: settings, summary: summary).json(),
                            to: files.rootPath("campaign.json"))
        return summary
    }
}

/// Observed and true infection of one well, summed over its sites.
struct WellTruth {
    static let csvHeader = "plate,well,nuclei,infected,true_probability,infection_rate"
    let plate: String
    let assignment: WellAssignment
    var nuclei = 0
    var infected = 0

    var csvRow: String {
        let rate = nuclei > 0 ? Double(infected) / Double(nuclei) : 0
        return "\(plate),\(assignment.well),\(nuclei),\(infected),\(fixed(assignment.trueProbability, 6)),"
            + fixed(rate, 4)
    }
}

/// The plate map every plate of the campaign shares.
enum PlateMapFile {
    static let header = "well,treatment,concentration,unit,virus,moi,control"

    /// `control` is `positive`, `negative`, or empty for dilution-series wells.
    static func csv(_ layout: [WellAssignment]) -> String {
        var lines = [header]
        for well in layout {
            let concentration = well.concentration == 0 ? "0" : "\(well.concentration)"
            let moi = well.moi == 0 ? "0" : "\(well.moi)"
            lines.append("\(well.well),\(well.treatment),\(concentration),uM,\(well.virus?.rawValue ?? "none"),"
                + "\(moi),\(well.control?.rawValue ?? "")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `campaign.json`: what was asked for, the truth a report should recover, and what was made.
struct CampaignRecord: Encodable {
    struct Truth: Encodable {
        let antiviral: String
        let unit = "uM"
        let ic50: Double
        let hillSlope: Double
        let topInfection: Double
        let bottomInfection: Double
        let negativeControlInfection: Double
        let concentrations: [Double]
    }

    let software = SyntheticCampaign.softwareVersion
    let seed: UInt64
    let settings: CampaignSettings
    let truth: Truth
    let summary: CampaignSummary

    init(settings: CampaignSettings, summary: CampaignSummary) {
        seed = settings.seed
        self.settings = settings
        truth = Truth(antiviral: settings.virus.antiviral, ic50: settings.dose.ic50, hillSlope: settings.dose.hillSlope,
                      topInfection: settings.dose.top, bottomInfection: settings.dose.bottom,
                      negativeControlInfection: settings.dose.negativeControl,
                      concentrations: settings.dose.concentrations)
        self.summary = summary
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}

/// Paths and writes under the campaign's output directory.
struct CampaignFiles {
    let root: String

    func rootPath(_ name: String) -> String { root + "/" + name }
    func truthPath(_ name: String) -> String { root + "/truth/" + name }
    func imagePath(plate: String, name: String) -> String { root + "/" + plate + "/" + name }

    /// Refuses a non-empty directory unless told to overwrite, then creates the folders.
    func prepare(overwrite: Bool, plates: Int) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: root, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SyntheticCampaignError.cannotWrite(path: root, reason: "it exists and is not a directory")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: root)) ?? []
            if !contents.isEmpty && !overwrite { throw SyntheticCampaignError.outputNotEmpty(root) }
        }
        var folders = [root, root + "/truth"]
        folders += (1...max(plates, 1)).map { root + "/" + SyntheticCampaign.plateName($0) }
        for folder in folders {
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw SyntheticCampaignError.cannotWrite(path: folder, reason: "\(error)")
            }
        }
    }

    func writeText(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SyntheticCampaignError.cannotWrite(path: path, reason: "\(error)")
        }
    }
}
