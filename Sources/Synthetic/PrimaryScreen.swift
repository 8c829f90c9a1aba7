import Foundation
import Imaging
import Screening

/// A synthetic primary screen with known truth: a compound library at one concentration on 384- or 1536-well plates,
/// controls in columns 1–4, true antivirals of varying strength, cytotoxic compounds (fewer nuclei, half of them
/// also lower infection) and inert ones, with an optional edge effect.
///
/// Layout under the output directory:
/// - `PLATE01/PLATE01_A01_s1_w1.tif` (nuclear stain) and `…_w2.tif` (reporter), one site per well;
/// - `plate-map.csv`: `plate,well,treatment,concentration,unit,virus,moi,control` for every plate;
/// - `library.csv`: `library_plate,well,compound,concentration,unit`, and `plates.csv`: `plate,library_plate`;
/// - `maps/library-plate-01.csv`, … and `plate-index.csv` (`plate,map`): the same layout as one map per library
///   plate that its replicate plates share, for `--plate-map plate-index.csv`;
/// - `truth/compounds.csv`: every compound's kind, true inhibition and viability, and whether a report should
///   call it a hit (`expected_hit`) or flag it cytotoxic (`cytotoxic`); `truth/wells.csv` per well;
/// - `screen.json`: the settings.
public struct PrimaryScreen: Sendable {
    public let settings: ScreenSettings
    public let field: FieldSettings
    public let virus: Virus
    public let seed: UInt64
    public let nucleiPerImage: Int
    public let compression: TIFFCompression
    public let library: [ScreenCompound]

    public init(settings: ScreenSettings, imageSize: Int = 384, nucleiPerImage: Int? = nil, virus: Virus = .hsv1,
                seed: UInt64 = 1, compression: TIFFCompression = .none) throws {
        try settings.validate()
        guard (32...2048).contains(imageSize) else {
            throw SyntheticCampaignError.invalidSettings("image size must be 32–2048 pixels, not \(imageSize)")
        }
        if let nucleiPerImage, !(1...2000).contains(nucleiPerImage) {
            throw SyntheticCampaignError.invalidSettings("nuclei per image must be 1–2000, not \(nucleiPerImage)")
        }
        self.settings = settings
        field = FieldSettings(width: imageSize, height: imageSize)
        self.virus = virus
        self.seed = seed
        // Screens image dense wells so a well's count (viability) and rate are not mostly Poisson noise.
        self.nucleiPerImage = nucleiPerImage ?? max(1, Int((40.0 * Double(imageSize * imageSize) / (384.0 * 384.0)).rounded()))
        self.compression = compression
        library = settings.library(seed: seed)
    }

    /// What one well of a plate holds: its plate-map condition, its true infection probability and cell factor.
    public struct Well: Sendable {
        public var condition: WellCondition
        public var compound: ScreenCompound?
        public var probability: Double
        public var cellFactor: Double
    }

    /// Every well of screening plate `plate` (1-based).
    public func wells(plate: Int) -> [Well] {
        let libraryPlate = settings.libraryPlate(ofPlate: plate)
        let byWell = Dictionary(library.filter { $0.libraryPlate == libraryPlate }.map { ($0.well, $0) },
                                uniquingKeysWith: { first, _ in first })
        let s = settings
        return s.format.wells.compactMap { well in
            let depth = Double(s.edgeDepth(well))
            let edgeCells = 1 - s.edgeCellLoss * depth
            var condition = WellCondition(well: well)
            condition.unit = "uM"
            if well.column <= 2 {
                condition.control = .negative
                condition.treatment = "none"
                condition.concentration = 0
                return Well(condition: condition, compound: nil,
                            probability: min(1, s.negativeInfection), cellFactor: edgeCells)
            }
            condition.virus = virus.rawValue
            condition.moi = PlateLayout.moi
            let infected = min(1, s.positiveInfection + s.edgeInfection * depth)
            if well.column <= 4 {
                condition.control = .positive
                condition.treatment = "none"
                condition.concentration = 0
                return Well(condition: condition, compound: nil, probability: infected, cellFactor: edgeCells)
            }
            guard let compound = byWell[well] else { return nil }
            condition.treatment = compound.name
            condition.concentration = s.concentration
            let probability = s.negativeInfection + (infected - s.negativeInfection) * (1 - compound.inhibition)
            return Well(condition: condition, compound: compound, probability: probability,
                        cellFactor: edgeCells * compound.viability)
        }
    }

    public var totalFields: Int { (1...settings.plates).reduce(0) { $0 + wells(plate: $1).count } }

    /// Renders one well's single field.
    public func render(plate: Int, well: Well) -> SyntheticField {
        var generator = SeededGenerator(seed: seed, stream: [0x5C, UInt64(plate), UInt64(well.condition.well.row),
                                                             UInt64(well.condition.well.column)])
        let count = Int((Double(nucleiPerImage) * well.cellFactor * generator.uniform(0.9, 1.1)).rounded())
        return NucleusImageRenderer(settings: field).render(nucleusCount: max(0, count), infectionProbability: well.probability,
                                                            virus: virus, generator: &generator)
    }

    /// Writes the screen under `directory`, calling `progress(done, total)` after each field.
    @discardableResult
    public func generate(into directory: String, overwrite: Bool = false,
                         progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> CampaignSummary {
        let files = CampaignFiles(root: directory)
        try files.prepare(overwrite: overwrite, plates: settings.plates)
        var summary = CampaignSummary(plates: settings.plates)
        var mapRows = ["plate," + PlateMapFile.header]
        var wellRows = ["plate,well,kind,compound,true_probability,cell_factor,nuclei,infected"]
        let total = totalFields
        for plate in 1...settings.plates {
            let name = SyntheticCampaign.plateName(plate)
            for well in wells(plate: plate) {
                let field = render(plate: plate, well: well)
                for (channel, pixels) in [(1, field.nuclear), (2, field.reporter)] {
                    let file = SyntheticCampaign.imageFileName(plate: plate, well: well.condition.well, site: 1, channel: channel)
                    try TIFFWriter.writeUInt16(pixels, width: field.width, height: field.height,
                                               to: files.imagePath(plate: name, name: file), compression: compression)
                }
                let infected = field.nuclei.filter(\.infected).count
                let c = well.condition
                mapRows.append("\(name),\(c.well),\(c.treatment ?? ""),\(c.concentration.map { "\($0)" } ?? ""),uM,"
                    + "\(c.virus ?? "none"),\(c.moi.map { "\($0)" } ?? "0"),\(c.control?.rawValue ?? "")")
                wellRows.append("\(name),\(c.well),\(well.compound?.kind.rawValue ?? c.control?.rawValue ?? ""),"
                    + "\(well.compound?.name ?? ""),\(fixed(well.probability, 6)),\(fixed(well.cellFactor, 4)),"
                    + "\(field.nuclei.count),\(infected)")
                summary.wells += 1
                summary.fields += 1
                summary.imageFiles += 2
                summary.nuclei += field.nuclei.count
                summary.infected += infected
                progress?(summary.fields, total)
            }
        }
        try files.writeText(mapRows.joined(separator: "\n") + "\n", to: files.rootPath("plate-map.csv"))
        let mapsFolder = files.rootPath("maps")
        do {
            try FileManager.default.createDirectory(atPath: mapsFolder, withIntermediateDirectories: true)
        } catch {
            throw SyntheticCampaignError.cannotWrite(path: mapsFolder, reason: "\(error)")
        }
        var indexRows = ["plate,map"]
        for plate in 1...settings.plates {
            let library = settings.libraryPlate(ofPlate: plate)
            let mapName = String(format: "maps/library-plate-%02d.csv", library)
            indexRows.append("\(SyntheticCampaign.plateName(plate)),\(mapName)")
            // Replicates share the map: write it once, with the first replicate.
            guard (plate - 1) % settings.replicates == 0 else { continue }
            let rows = mapRows.dropFirst().filter { $0.hasPrefix(SyntheticCampaign.plateName(plate) + ",") }
                .map { String($0.drop { $0 != "," }.dropFirst()) }
            try files.writeText(([PlateMapFile.header] + rows).joined(separator: "\n") + "\n", to: files.rootPath(mapName))
        }
        try files.writeText(indexRows.joined(separator: "\n") + "\n", to: files.rootPath("plate-index.csv"))
        try files.writeText(wellRows.joined(separator: "\n") + "\n", to: files.truthPath("wells.csv"))
        var libraryRows = ["library_plate,well,compound,concentration,unit"]
        var truthRows = ["compound,kind,inhibition,viability,expected_hit,cytotoxic"]
        for compound in library {
            libraryRows.append("\(compound.libraryPlate),\(compound.well),\(compound.name),\(settings.concentration),uM")
            let toxic = compound.kind == .cytotoxic
            truthRows.append("\(compound.name),\(compound.kind.rawValue),\(fixed(compound.inhibition, 4)),"
                + "\(fixed(compound.viability, 4)),\(compound.kind == .antiviral ? 1 : 0),\(toxic ? 1 : 0)")
        }
        try files.writeText(libraryRows.joined(separator: "\n") + "\n", to: files.rootPath("library.csv"))
        let plateRows = ["plate,library_plate"] + (1...settings.plates).map {
            "\(SyntheticCampaign.plateName($0)),\(settings.libraryPlate(ofPlate: $0))"
        }
        try files.writeText(plateRows.joined(separator: "\n") + "\n", to: files.rootPath("plates.csv"))
        try files.writeText(truthRows.joined(separator: "\n") + "\n", to: files.truthPath("compounds.csv"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let record = ScreenRecord(seed: seed, virus: virus, imageSize: field.width, nucleiPerImage: nucleiPerImage,
                                  settings: settings, summary: summary)
        try files.writeText(String(decoding: try encoder.encode(record), as: UTF8.self) + "\n", to: files.rootPath("screen.json"))
        return summary
    }
}

/// `screen.json`: what was asked for and what was made.
struct ScreenRecord: Encodable {
    let software = SyntheticCampaign.softwareVersion
    let seed: UInt64
    let virus: Virus
    let imageSize: Int
    let nucleiPerImage: Int
    let settings: ScreenSettings
    let summary: CampaignSummary
}
