import Foundation
import Screening
import Testing
@testable import Synthetic

@Suite struct SyntheticCampaignTests {
    /// A full 96-well plate of small images: every well present, quick to make.
    static func fullPlateSettings(seed: UInt64 = 1) -> CampaignSettings {
        CampaignSettings(format: .wells96, imageSize: 128, virus: .hsv1, seed: seed, nucleiPerImage: 10)
    }

    @Test func plateMapHasHeaderEveryWellAndControlsInTheirColumns() throws {
        let directory = try TemporaryDirectory()
        let campaign = try SyntheticCampaign(settings: Self.fullPlateSettings())
        try campaign.generate(into: directory.path)
        let lines = try directory.lines("plate-map.csv")
        #expect(lines.first == "well,treatment,concentration,unit,virus,moi,control")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 96)
        #expect(Set(rows.map { $0[0] }).count == 96)
        var concentrationByColumn: [Int: Double] = [:]
        for row in rows {
            let well = try #require(WellPosition(row[0]))
            #expect(row.count == 7)
            #expect(row[3] == "uM")
            switch well.column {
            case 1:
                #expect(row[1] == "none" && row[2] == "0" && row[4] == "none" && row[5] == "0" && row[6] == "negative")
            case 2:
                #expect(row[1] == "none" && row[2] == "0" && row[4] == "hsv1" && row[6] == "positive")
            default:
                #expect(row[1] == "acyclovir" && row[4] == "hsv1" && row[6] == "")
                let concentration = try #require(Double(row[2]))
                if let seen = concentrationByColumn[well.column] { #expect(seen == concentration) }
                concentrationByColumn[well.column] = concentration
            }
        }
        #expect(concentrationByColumn[3] == 30)
        let series = (3...12).compactMap { concentrationByColumn[$0] }
        #expect(series.count == 10)
        for (high, low) in zip(series, series.dropFirst()) { #expect(abs(high / low - 3) < 1e-9) }
    }

    @Test func wellTruthFollowsTheLogistic() throws {
        let directory = try TemporaryDirectory()
        let settings = Self.fullPlateSettings(seed: 5)
        let campaign = try SyntheticCampaign(settings: settings)
        let summary = try campaign.generate(into: directory.path)
        let dose = settings.dose
        #expect(dose.probability(at: dose.ic50) == (dose.top + dose.bottom) / 2)
        #expect(dose.probability(at: 0) == dose.top)
        #expect(abs(dose.probability(at: 1e6) - dose.bottom) < 1e-4)

        let lines = try directory.lines("truth/wells.csv")
        #expect(lines.first == "plate,well,nuclei,infected,true_probability,infection_rate")
        let byWell = Dictionary(uniqueKeysWithValues: campaign.layout.map { ($0.well.description, $0) })
        var pooled: [Int: (nuclei: Int, infected: Int)] = [:]
        var totalNuclei = 0
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            #expect(cells.count == 6)
            #expect(cells[0] == "PLATE01")
            let assignment = try #require(byWell[cells[1]])
            let nuclei = try #require(Int(cells[2]))
            let infected = try #require(Int(cells[3]))
            let probability = try #require(Double(cells[4]))
            let expected = assignment.control == .negative ? dose.negativeControl
                : dose.probability(at: assignment.concentration)
            #expect(abs(probability - expected) < 1e-6, "\(cells[1])")
            #expect(infected <= nuclei)
            totalNuclei += nuclei
            let column = assignment.well.column
            pooled[column, default: (0, 0)].nuclei += nuclei
            pooled[column, default: (0, 0)].infected += infected
        }
        #expect(totalNuclei == summary.nuclei)
        let rate = { (column: Int) -> Double in
            let entry = pooled[column] ?? (0, 0)
            return Double(entry.infected) / Double(max(entry.nuclei, 1))
        }
        #expect(rate(1) <= 0.05, "negative controls \(rate(1))")
        #expect(abs(rate(2) - dose.top) < 0.15, "positive controls \(rate(2))")
        let highDrug = (rate(3) + rate(4) + rate(5)) / 3
        let lowDrug = (rate(10) + rate(11) + rate(12)) / 3
        #expect(highDrug < 0.2 && lowDrug > 0.5, "high drug \(highDrug), low drug \(lowDrug)")
    }

    @Test func infectionRateAtIC50IsTheMidpointOverManyNuclei() {
        let dose = DoseResponse()
        let probability = dose.probability(at: dose.ic50)
        let renderer = NucleusImageRenderer(settings: FieldSettings(width: 256, height: 256))
        var nuclei = 0
        var infected = 0
        for seed in UInt64(0)..<40 {
            let field = renderer.render(nucleusCount: 25, infectionProbability: probability, virus: .hadv, seed: seed)
            nuclei += field.nuclei.count
            infected += field.nuclei.filter(\.infected).count
        }
        let rate = Double(infected) / Double(nuclei)
        #expect(nuclei > 800)
        #expect(abs(rate - (dose.top + dose.bottom) / 2) < 0.06, "rate \(rate) over \(nuclei) nuclei")
    }

    @Test func imagesAreImageXpressNamed16BitTIFFsOfTheRightSize() throws {
        let directory = try TemporaryDirectory()
        var settings = Self.fullPlateSettings()
        settings.wellLimit = 4
        settings.sitesPerWell = 2
        settings.imageSize = 96
        for compression in [TIFFCompressionChoice.none, .deflate] {
            settings.compression = compression.value
            let path = directory.path + "/" + compression.rawValue
            let campaign = try SyntheticCampaign(settings: settings)
            let summary = try campaign.generate(into: path)
            #expect(summary.fields == 8)
            #expect(summary.imageFiles == 16)
            let names = try FileManager.default.contentsOfDirectory(atPath: path + "/PLATE01").sorted()
            #expect(names.count == 16)
            for well in campaign.layout {
                for site in 1...2 {
                    for channel in 1...2 {
                        let name = "PLATE01_\(well.well)_s\(site)_w\(channel).tif"
                        #expect(names.contains(name))
                        let header = try TIFFHeader(path: path + "/PLATE01/" + name)
                        #expect(header.width == 96 && header.height == 96 && header.bitsPerSample == 16)
                        #expect(header.compression == (compression == .none ? 1 : 8))
                    }
                    let truth = try String(contentsOfFile: path + "/truth/PLATE01_\(well.well)_s\(site).csv",
                                           encoding: .utf8)
                    #expect(truth.hasPrefix("label,x,y,radius_major,radius_minor,angle,infected,phenotype\n"))
                }
            }
        }
    }

    @Test func sameSeedGivesIdenticalFilesAndDifferentSeedDifferentImages() throws {
        let directory = try TemporaryDirectory()
        func make(_ name: String, seed: UInt64) throws -> String {
            var settings = Self.fullPlateSettings(seed: seed)
            settings.wellLimit = 3
            settings.imageSize = 160
            try SyntheticCampaign(settings: settings).generate(into: directory.path + "/" + name)
            return directory.path + "/" + name
        }
        let a = try make("a", seed: 8)
        let b = try make("b", seed: 8)
        let c = try make("c", seed: 9)
        let files = try directory.files(under: a)
        #expect(files.count == 3 * 2 + 3 + 1 + 2)
        for file in files {
            let first = try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
            let second = try Data(contentsOf: URL(fileURLWithPath: b + "/" + file))
            #expect(first == second, "\(file) differs between runs with the same seed")
        }
        for file in files where file.hasSuffix(".tif") {
            let first = try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
            let other = try Data(contentsOf: URL(fileURLWithPath: c + "/" + file))
            #expect(first != other, "\(file) identical under different seeds")
        }
    }

    @Test func refusesANonEmptyDirectoryUnlessOverwriting() throws {
        let directory = try TemporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.path + "/existing.txt"))
        var settings = Self.fullPlateSettings()
        settings.wellLimit = 1
        let campaign = try SyntheticCampaign(settings: settings)
        #expect(throws: SyntheticCampaignError.self) { try campaign.generate(into: directory.path) }
        let summary = try campaign.generate(into: directory.path, overwrite: true)
        #expect(summary.fields == 1)
    }

    @Test func wellLimitKeepsControlsAndSpreadsTheSeries() throws {
        var settings = Self.fullPlateSettings()
        settings.wellLimit = 6
        let layout = try SyntheticCampaign(settings: settings).layout
        #expect(layout.count == 6)
        #expect(layout.contains { $0.control == .negative })
        #expect(layout.contains { $0.control == .positive })
        let concentrations = layout.filter { $0.control == nil }.map(\.concentration).sorted()
        #expect(concentrations.count == 4)
        #expect(concentrations.last == 30)
        #expect(concentrations.first.map { $0 < 0.002 } == true)
    }

    @Test func plate384ScalesThePattern() throws {
        var settings = Self.fullPlateSettings()
        settings.format = .wells384
        let layout = try SyntheticCampaign(settings: settings).layout
        #expect(layout.count == 384)
        for well in layout {
            switch well.well.column {
            case 1, 2: #expect(well.control == .negative)
            case 3, 4: #expect(well.control == .positive)
            case 5, 6: #expect(well.control == nil && well.concentration == 30)
            case 23, 24: #expect(well.control == nil && abs(well.concentration - 30 / 19683) < 1e-12)
            default: #expect(well.control == nil)
            }
        }
    }

    @Test func progressCountsEveryField() throws {
        let directory = try TemporaryDirectory()
        var settings = Self.fullPlateSettings()
        settings.wellLimit = 2
        settings.plates = 2
        settings.sitesPerWell = 2
        settings.imageSize = 64
        var calls: [Int] = []
        let summary = try SyntheticCampaign(settings: settings).generate(into: directory.path) { done, total in
            #expect(total == 8)
            calls.append(done)
        }
        #expect(calls == Array(1...8))
        #expect(summary.plates == 2 && summary.wells == 4 && summary.fields == 8)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/PLATE02/PLATE02_A01_s2_w2.tif"))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(
            fileURLWithPath: directory.path + "/campaign.json"))) as? [String: Any]
        let truth = try #require(record?["truth"] as? [String: Any])
        #expect(truth["ic50"] as? Double == 1.0)
        #expect(record?["seed"] as? Int == 1)
        #expect((record?["software"] as? String)?.hasPrefix("viroscope-synthetic") == true)
    }

    @Test func campaignJSONRecordsSettingsThatRoundTrip() throws {
        let directory = try TemporaryDirectory()
        var settings = Self.fullPlateSettings(seed: 77)
        settings.wellLimit = 1
        settings.virus = .hadv
        try SyntheticCampaign(settings: settings).generate(into: directory.path)
        struct Record: Decodable {
            let settings: CampaignSettings
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let record = try decoder.decode(Record.self, from: Data(contentsOf: URL(
            fileURLWithPath: directory.path + "/campaign.json")))
        #expect(record.settings == settings)
    }

    @Test func labelMasksAreWrittenOnRequestAndMatchTheRenderedField() throws {
        let directory = try TemporaryDirectory()
        var settings = Self.fullPlateSettings()
        settings.wellLimit = 2
        settings.labelMasks = true
        let campaign = try SyntheticCampaign(settings: settings)
        try campaign.generate(into: directory.path)
        let header = try TIFFHeader(path: directory.path + "/truth/PLATE01_A01_s1_labels.tif")
        #expect(header.width == 128 && header.height == 128 && header.bitsPerSample == 16)
        let field = campaign.field(plate: 1, well: campaign.layout[0], site: 1)
        let truth = try directory.lines("truth/PLATE01_A01_s1.csv")
        #expect(truth.count == field.nuclei.count + 1)
        #expect(Set(field.labels).count == field.nuclei.count + 1)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/truth/PLATE01_A01_s1_labels.tif.partial"))
    }

    @Test func anOvercrowdedFieldStopsWhenFull() {
        let renderer = NucleusImageRenderer(settings: FieldSettings(width: 128, height: 128))
        let field = renderer.render(nucleusCount: 5000, infectionProbability: 0.5, virus: .hsv1, seed: 4)
        #expect(field.nuclei.count > 10 && field.nuclei.count < 60)
    }

    @Test func invalidSettingsAreRejected() {
        #expect(throws: SyntheticCampaignError.self) {
            try SyntheticCampaign(settings: CampaignSettings(plates: 0))
        }
        #expect(throws: SyntheticCampaignError.self) {
            try SyntheticCampaign(settings: CampaignSettings(imageSize: 8))
        }
        #expect(throws: SyntheticCampaignError.self) {
            try SyntheticCampaign(settings: CampaignSettings(wellLimit: 0))
        }
    }
}
