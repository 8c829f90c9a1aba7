import Foundation
import Testing
import Screening

@Suite struct PlateMapTests {
    let header = "well,treatment,concentration,unit,virus,moi,control,cell_line\n"

    @Test func parsesQuotingBOMCRLFAndExtras() throws {
        let text = "\u{FEFF}Well,Treatment,Concentration,Unit,Virus,MOI,Control,Cell Line\r\n"
            + "a1,,,,HSV-1,0.5,POSITIVE,\"Vero, clone 7\"\r\n"
            + "\r\n"
            + "A02,\"Drug \"\"X\"\"\",1e-1,uM,HSV-1,0.5,,Vero\r\n"
            + "A3,,,,,,negative,Vero"
        let map = try PlateMap.parse(text, source: "plate-map.csv", format: .wells96)
        #expect(map.conditions.count == 3)
        let a1 = try #require(map[try well("A01")])
        #expect(a1.control == .positive && a1.moi == 0.5 && a1.virus == "HSV-1" && a1.treatment == nil)
        #expect(a1.extra == ["Cell Line": "Vero, clone 7"])
        let a2 = try #require(map[try well("A02")])
        #expect(a2.treatment == "Drug \"X\"" && a2.concentration == 0.1 && a2.unit == "uM" && a2.control == nil)
        #expect(a2.row == 4)
        #expect(map[try well("A03")]?.row == 5)
    }

    @Test func errorsNameTheRowAndColumn() {
        func rows(_ lines: [String]) -> String { header + lines.joined(separator: "\n") }
        var lines = (1...12).map { "A\($0),d,1,uM,v,1," }
        lines[12 - 1] = "A12,d,abc,uM,v,1,"
        #expect(throws: ScreeningError.invalidRow(file: "plate-map.csv", row: 13, message: "concentration 'abc' is not a number")) {
            try PlateMap.parse(rows(lines), source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.invalidRow(file: "plate-map.csv", row: 3, message: "well 'Q99' is not a well of a 96-well plate")) {
            try PlateMap.parse(rows(["A1,,,,,,", "Q99,,,,,,"]), source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.invalidRow(file: "plate-map.csv", row: 5, message: "well A03 appears twice (first at row 3)")) {
            try PlateMap.parse(rows(["A1,,,,,,", "A03,,,,,,", "", "a3,,,,,,"]), source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.invalidRow(file: "plate-map.csv", row: 2, message: "control 'maybe' is not positive, negative, viability_reference or blank")) {
            try PlateMap.parse(rows(["A1,,,,,,maybe"]), source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.invalidRow(file: "plate-map.csv", row: 2, message: "moi 'high' is not a number")) {
            try PlateMap.parse(rows(["A1,,,,,high,"]), source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.missingColumn(file: "plate-map.csv", column: "well", header: ["treatment"])) {
            try PlateMap.parse("treatment\nx\n", source: "plate-map.csv", format: .wells96)
        }
        #expect(throws: ScreeningError.csvSyntax(file: "plate-map.csv", row: 2, message: "a quoted field is never closed")) {
            try PlateMap.parse(rows(["A1,\"open", "A2,,,,,,"]), source: "plate-map.csv", format: .wells96)
        }
    }

    @Test func indexMapsPlatesToFiles() throws {
        let dir = try TemporaryDirectory()
        try dir.write("maps/a.csv", "well,control\nA01,positive\n")
        try dir.write("maps/b.csv", "well,control\nA01,negative\n")
        let index = try dir.write("index.csv", "plate,map\nP1,maps/a.csv\nP2,maps/b.csv\n")
        let maps = try PlateMapSet.load(index, format: .wells96)
        #expect(maps.map(forPlate: "P1")?.conditions.first?.control == .positive)
        #expect(maps.map(forPlate: "P2")?.conditions.first?.control == .negative)
        #expect(maps.map(forPlate: "P3") == nil)
        let escaping = try dir.write("bad-index.csv", "plate,map\nP1,../a.csv\n")
        #expect(throws: ScreeningError.invalidRow(file: "bad-index.csv", row: 2, message: "map '../a.csv' escapes the index's directory: '..' is not allowed")) {
            try PlateMapSet.load(escaping, format: .wells96)
        }
        let single = try dir.write("single.csv", "well,control\nA01,positive\n")
        #expect(try PlateMapSet.load(single, format: .wells96).map(forPlate: "anything")?.conditions.count == 1)
    }

    @Test func mapWithAPlateColumnSplitsByPlate() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("all.csv", "plate,well,control,cell line\nP1,A01,positive,Vero\nP2,A01,negative,Vero\nP1,A02,,Vero\n")
        let maps = try PlateMapSet.load(file, format: .wells96)
        #expect(maps.map(forPlate: "P1")?.wells.map(\.description) == ["A01", "A02"])
        #expect(maps.map(forPlate: "P2")?.conditions.first?.control == .negative)
        #expect(maps.map(forPlate: "P1")?.conditions.first?.extra == ["cell line": "Vero"])
        let clash = try dir.write("clash.csv", "plate,well\nP1,A01\nP2,A01\nP1,a1\n")
        #expect(throws: ScreeningError.invalidRow(file: "clash.csv", row: 4, message: "well A01 appears twice (first at row 2)")) {
            try PlateMapSet.load(clash, format: .wells96)
        }
    }

    @Test func joinByCanonicalWell() throws {
        let map = try PlateMap.parse("well,treatment\na1,x\nA2,y\n", source: "m.csv", format: .wells96)
        let sets = [ImageSet(plate: "P", well: try well("A01"), site: 1, timePoint: 1, channels: ["w1": "a"]),
                    ImageSet(plate: "P", well: try well("B05"), site: 1, timePoint: 1, channels: ["w1": "b"])]
        let join = map.join(sets)
        #expect(join.joined.map(\.condition.treatment) == ["x"])
        #expect(join.imageWellsWithoutMap["P"]?.map(\.description) == ["B05"])
        #expect(join.mappedWellsWithoutImages["P"]?.map(\.description) == ["A02"])
    }
}
