import Testing
import Screening

@Suite struct WellPositionTests {
    @Test(arguments: ["A1", "a1", "A01", "A001", " a01 "])
    func parsesVariantsOfA01(text: String) throws {
        let well = try #require(WellPosition(text))
        #expect(well.description == "A01")
        #expect(well.row == 0 && well.column == 1)
    }

    @Test func parsesTwoLetterRowsOf1536Plates() throws {
        let well = try well("AF48")
        #expect(well.row == 31 && well.column == 48)
        #expect(well.description == "AF48")
        #expect(PlateFormat.wells1536.contains(well))
        #expect(!PlateFormat.wells384.contains(well))
    }

    @Test(arguments: ["", "A", "1", "A0", "A1B", "ABC1", "A0001", "Ä1", "A-1", "A 1"])
    func rejects(text: String) {
        #expect(WellPosition(text) == nil)
    }

    @Test func formatBoundaries() throws {
        #expect(PlateFormat.wells96.contains(try well("H12")))
        #expect(!PlateFormat.wells96.contains(try well("I01")))
        #expect(!PlateFormat.wells96.contains(try well("A13")))
        #expect(PlateFormat.wells384.wells.count == 384)
    }
}
