import Foundation
import Testing
@testable import Screening

/// Library campaigns: one library-plate map re-used by its replicate plates through an index, on 384- and
/// 1536-well plates.
@Suite struct LibraryLayoutTests {
    @Test func replicatePlatesShareOneLibraryMap() throws {
        let dir = try TemporaryDirectory()
        var rows = ["well,treatment,concentration,unit,control"]
        for well in PlateFormat.wells1536.wells {
            if well.column <= 2 {
                rows.append("\(well),,,,negative")
            } else if well.column <= 4 {
                rows.append("\(well),,,,positive")
            } else {
                rows.append("\(well),CMPD\(well.row * 48 + well.column),10,uM,")
            }
        }
        try dir.write("maps/library-01.csv", rows.joined(separator: "\n") + "\n")
        try dir.write("maps/library-02.csv", "well,treatment,concentration,unit,control\nAF48,OTHER,10,uM,\n")
        let index = try dir.write("plate-index.csv", "plate,map\nR1P1,maps/library-01.csv\nR2P1,maps/library-01.csv\nR1P2,maps/library-02.csv\n")
        let maps = try PlateMapSet.load(index, format: .wells1536)
        let first = try #require(maps.map(forPlate: "R1P1"))
        #expect(first.conditions.count == 1536)
        #expect(maps.map(forPlate: "R2P1") == first)
        #expect(first[try #require(WellPosition("AF48"))]?.treatment == "CMPD1536")
        #expect(maps.map(forPlate: "R1P2")?.conditions.map(\.treatment) == ["OTHER"])
        // The same map does not fit a 384-well plate: the error names the file, row and well.
        #expect(throws: ScreeningError.self) { try PlateMapSet.load(index, format: .wells384) }
    }

    @Test func viabilityReferenceIsAControlClass() throws {
        let map = try PlateMap.parse("well,control\nA01,viability_reference\nA02,Viability_Reference\nA03,negative\n", source: "m.csv", format: .wells96)
        #expect(map.conditions.map(\.control) == [.viabilityReference, .viabilityReference, .negative])
        #expect(throws: ScreeningError.self) { try PlateMap.parse("well,control\nA01,reference\n", source: "m.csv", format: .wells96) }
    }
}
