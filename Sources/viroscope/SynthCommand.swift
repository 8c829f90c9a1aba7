import ArgumentParser
import Foundation
import Imaging
import Screening
import Synthetic

/// `viroscope synth`: writes a synthetic screening campaign with known truth, for demos, tests and benchmarks.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic screening campaign (images, plate map, ground truth).",
        discussion: """
            Column 1 of each 96-well plate holds negative controls (no virus), column 2 positive controls (virus, \
            no drug), columns 3-12 an antiviral dilution series (30 uM down 3-fold) whose true infection follows a \
            logistic with IC50 1 uM; 384-well plates use two columns per group. Images are ImageXpress style \
            (PLATE01/PLATE01_A01_s1_w1.tif nuclear stain, _w2 reporter); truth goes to truth/, the layout to \
            plate-map.csv, settings and the true IC50 to campaign.json. The same seed gives the same bytes.
            With --screen: a primary screen instead, --compounds compounds at one concentration on 384-well plates \
            (or --format 1536; columns 1-2 negative, 3-4 positive controls, 320 or 1408 compounds per plate), each library plate imaged on \
            --replicates plates; true antivirals, cytotoxic and inert compounds, optional --edge-effect; one site \
            per well, 384x384 px by default; truth in truth/compounds.csv, layout in plate-map.csv (plate column) \
            and library.csv.
            """
    )

    enum FormatOption: Int, ExpressibleByArgument, CaseIterable {
        case wells96 = 96
        case wells384 = 384
        /// Screens only (--screen).
        case wells1536 = 1536
    }

    @Option(name: .long, help: "Output directory (created; must be empty unless --force).")
    var out: String

    @Option(name: .long, help: "Number of plates.")
    var plates: Int = 1

    @Option(name: .long, help: "Plate format: 96 or 384 wells (with --screen: 384 or 1536).")
    var format: FormatOption = .wells96

    @Option(name: .long, help: "Fields of view (sites) per well.")
    var sites: Int = 1

    @Option(name: .long, help: "Image width and height in pixels.")
    var size: Int = 512

    @Option(name: .long, help: "Virus: hsv1 (margination phenotype, acyclovir) or hadv (replication foci, cidofovir).")
    var virus: Virus = .hsv1

    @Option(name: .long, help: "Random seed; the same seed gives byte-identical output.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Mean nuclei per image (default 40 per 512x512, scaled by area).")
    var nucleiPerImage: Int?

    @Option(name: .long, help: "Image only N wells per plate (controls plus a spread of the dilution series), for quick demos.")
    var wells: Int?

    @Option(name: .long, help: "TIFF compression: none, lzw or deflate.")
    var compression: CompressionOption = .none

    @Flag(name: .long, help: "Also write each field's label mask (truth/PLATE01_A01_s1_labels.tif, 16-bit, 0 = background).")
    var labelMasks = false

    @Flag(name: .long, help: "Write into --out even if it already holds files (same-named files are replaced).")
    var force = false

    @Flag(name: .long, help: "Make a primary compound screen (384-well plates) instead of a dose-response campaign.")
    var screen = false

    @Option(name: .long, help: "With --screen: compounds in the library (320 per library plate).")
    var compounds: Int = 320

    @Option(name: .long, help: "With --screen: replicate plates of each library plate.")
    var replicates: Int = 2

    @Flag(name: .long, help: "With --screen: outer wells get a higher infection rate and fewer cells (evaporation).")
    var edgeEffect = false

    enum CompressionOption: String, ExpressibleByArgument, CaseIterable {
        case none, lzw, deflate

        var tiff: TIFFCompression {
            switch self {
            case .none: return .none
            case .lzw: return .lzw
            case .deflate: return .deflate
            }
        }
    }

    var settings: CampaignSettings {
        CampaignSettings(
            plates: plates, format: format == .wells96 ? .wells96 : .wells384, sitesPerWell: sites, imageSize: size,
            virus: virus, seed: seed, nucleiPerImage: nucleiPerImage, wellLimit: wells, compression: compression.tiff,
            labelMasks: labelMasks)
    }

    func validate() throws {
        if screen {
            do {
                _ = try primaryScreen()
            } catch let error as SyntheticCampaignError {
                throw ValidationError(error.description)
            }
            return
        }
        if format == .wells1536 {
            throw ValidationError("--format 1536 is for --screen; dose-response campaigns use 96 or 384 wells")
        }
        do {
            try settings.validate()
        } catch let error as SyntheticCampaignError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        if screen { return try runScreen() }
        let settings = self.settings
        let campaign = try SyntheticCampaign(settings: settings)
        let start = Date()
        var lastReport = Date.distantPast
        // On a terminal the line rewrites itself; in a log, one line every 10 s keeps it readable.
        let terminal = isatty(STDERR_FILENO) == 1
        let interval: TimeInterval = terminal ? 0.5 : 10
        let summary = try SynthFailure.reporting {
            try campaign.generate(into: out, overwrite: force) { done, total in
                let now = Date()
                guard done == total || now.timeIntervalSince(lastReport) >= interval else { return }
                lastReport = now
                let rate = Double(done) / max(now.timeIntervalSince(start), 1e-9)
                let line = "synth: \(done)/\(total) fields (\(String(format: "%.1f", rate)) fields/s)"
                FileHandle.standardError.write(Data((terminal ? "\r" + line : line + "\n").utf8))
                if terminal, done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let infectedShare = summary.nuclei > 0 ? 100 * Double(summary.infected) / Double(summary.nuclei) : 0
        print("""
            wrote \(out): \(summary.plates) plate(s), \(summary.wells) wells, \(summary.fields) fields, \
            \(summary.imageFiles) images, \(summary.nuclei) nuclei, \(summary.infected) infected \
            (\(String(format: "%.1f", infectedShare))%) in \(String(format: "%.2f", seconds)) s \
            (\(String(format: "%.1f", Double(summary.imageFiles) / max(seconds, 1e-9))) images/s); \
            true IC50 \(settings.dose.ic50) uM (\(settings.virus.antiviral))
            """)
    }
}

/// A failure while writing, shown as one line with a non-zero exit.
struct SynthFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }

    /// Runs a generator, turning its errors into one line each (dose-response campaigns and screens alike).
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch SyntheticCampaignError.outputNotEmpty(let path) {
            throw SynthFailure(message: "output directory '\(path)' exists and is not empty; "
                + "choose another or pass --force to write into it")
        } catch let error as SyntheticCampaignError {
            throw SynthFailure(message: error.description)
        } catch let error as TIFFWriteError {
            throw SynthFailure(message: error.description)
        }
    }
}

extension Virus: ExpressibleByArgument {}
