import Foundation
import Testing
import Screening
@testable import Synthetic

@Suite struct PrimaryScreenTests {
    @Test func libraryHasTheAskedKindsScatteredOverThePlate() throws {
        let settings = ScreenSettings(compounds: 400, replicates: 2, antiviralFraction: 0.1, cytotoxicFraction: 0.05)
        let library = settings.library(seed: 3)
        #expect(library.count == 400 && settings.libraryPlates == 2 && settings.plates == 4)
        #expect(library.filter { $0.kind == .antiviral }.count == 40)
        #expect(library.filter { $0.kind == .cytotoxic }.count == 20)
        #expect(Set(library.map(\.name)).count == 400)
        for compound in library {
            #expect(compound.well.column > 4)
            switch compound.kind {
            case .antiviral: #expect(compound.inhibition >= 0.6 && compound.viability >= 0.9)
            case .cytotoxic: #expect(compound.viability <= 0.5)
            case .inert: #expect(compound.inhibition == 0 && compound.viability > 0.9)
            }
        }
        // Actives are not bunched in the first wells.
        let rows = Set(library.filter { $0.kind == .antiviral && $0.libraryPlate == 1 }.map(\.well.row))
        #expect(rows.count >= 8)
        #expect(settings.library(seed: 3) == library && settings.library(seed: 4) != library)
    }

    @Test func replicatePlatesShareTheLayoutAndTheEdgeEffectHitsOuterWells() throws {
        let screen = try PrimaryScreen(settings: ScreenSettings(compounds: 320, replicates: 2, edgeInfection: 0.12, edgeCellLoss: 0.1),
                                       imageSize: 64, nucleiPerImage: 4, seed: 5)
        let first = screen.wells(plate: 1), second = screen.wells(plate: 2)
        #expect(first.count == 384)
        #expect(first.map(\.condition) == second.map(\.condition))
        func well(_ text: String) throws -> PrimaryScreen.Well {
            try #require(first.first { $0.condition.well.description == text })
        }
        let a01 = try well("A01"), h03 = try well("H03"), a03 = try well("A03")
        #expect(a01.condition.control == .negative && h03.condition.control == .positive)
        #expect(abs(h03.probability - 0.6) < 1e-12)
        #expect(abs(a03.probability - 0.72) < 1e-12 && abs(a03.cellFactor - 0.9) < 1e-12)
        let corner = try well("P24")
        #expect(abs(corner.cellFactor - 0.8 * (corner.compound?.viability ?? 0)) < 1e-12)
        #expect(throws: SyntheticCampaignError.self) { try PrimaryScreen(settings: ScreenSettings(compounds: 0)) }
        #expect(throws: SyntheticCampaignError.self) { try PrimaryScreen(settings: ScreenSettings(edgeInfection: 0.9)) }
    }

    @Test func screensOn1536WellPlates() throws {
        let settings = ScreenSettings(compounds: 2000, replicates: 1, edgeInfection: 0.1, format: .wells1536)
        #expect(settings.samplesPerPlate == 1408 && settings.libraryPlates == 2)
        let screen = try PrimaryScreen(settings: settings, imageSize: 64, nucleiPerImage: 4, seed: 2)
        let wells = screen.wells(plate: 1)
        #expect(wells.count == 1536)
        #expect(wells.filter { $0.condition.control == .negative }.count == 64)
        #expect(screen.wells(plate: 2).filter { $0.compound != nil }.count == 2000 - 1408)
        let corner = try #require(wells.first { $0.condition.well.description == "AF48" })
        #expect(settings.edgeDepth(corner.condition.well) == 2)
        #expect(throws: SyntheticCampaignError.self) { try ScreenSettings(format: .wells96).validate() }
    }

    @Test func writesImagesMapsAndTruth() throws {
        let dir = try TemporaryDirectory()
        let screen = try PrimaryScreen(settings: ScreenSettings(compounds: 30, replicates: 2), imageSize: 32, nucleiPerImage: 1, seed: 9)
        let summary = try screen.generate(into: dir.path)
        // Controls (64 wells) and 30 compounds on each of two plates.
        #expect(summary.plates == 2 && summary.fields == 2 * 94)
        let map = try PlateMapSet.load(URL(fileURLWithPath: dir.path + "/plate-map.csv"), format: .wells384)
        #expect(map.map(forPlate: "PLATE01")?.conditions.count == 94)
        let index = try PlateMapSet.load(URL(fileURLWithPath: dir.path + "/plate-index.csv"), format: .wells384)
        #expect(index.map(forPlate: "PLATE02")?.conditions.map(\.treatment) == map.map(forPlate: "PLATE02")?.conditions.map(\.treatment))
        let truth = try dir.lines("truth/compounds.csv")
        #expect(truth.first == "compound,kind,inhibition,viability,expected_hit,cytotoxic" && truth.count == 31)
        #expect(try dir.lines("truth/wells.csv").count == 1 + 2 * 94)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/PLATE02/PLATE02_P04_s1_w2.tif"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/screen.json"))
    }
}
