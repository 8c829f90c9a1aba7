import Testing
import Screening

@Suite struct NamingSchemeTests {
    let xpress = ImageXpressNaming()
    let opera = OperaNaming()

    @Test func imageXpressWithSite() throws {
        let parsed = try #require(xpress.parse(relativePath: "run1/PLATE01_B03_s2_w1.tif"))
        #expect(parsed == ParsedImageName(plate: "PLATE01", well: try well("B03"), site: 2, timePoint: 1, channel: "w1"))
    }

    @Test func imageXpressWithoutSiteAndUnderscoredPlate() throws {
        let parsed = try #require(xpress.parse(relativePath: "My_Plate_2_H12_w2.TIFF"))
        #expect(parsed.plate == "My_Plate_2")
        #expect(parsed.well.description == "H12")
        #expect(parsed.site == 1)
        #expect(parsed.channel == "w2")
    }

    @Test func imageXpressTimePointDirectoryAndGUID() throws {
        let path = "P1/2024-03-01/1234/TimePoint_3/P1_A01_s4_w1A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF.tif"
        let parsed = try #require(xpress.parse(relativePath: path))
        #expect(parsed.timePoint == 3)
        #expect(parsed.site == 4)
        #expect(parsed.channel == "w1")
        #expect(parsed.plate == "P1")
    }

    @Test(arguments: ["P1_A01_s1_w1_thumb0A1B.tif", "P1_A01_s1_w1.png", "P1_A01_s1.tif", "notes.txt", "P1_Z_s1_w1.tif",
                      "r01c01f01p01-ch1sk1fk1fl1.tiff"])
    func imageXpressRejects(path: String) {
        #expect(xpress.parse(relativePath: path) == nil)
    }

    @Test func operaName() throws {
        let parsed = try #require(opera.parse(relativePath: "PL7__2024-05-01T10_11_12-Measurement 1/Images/r03c11f05p01-ch2sk4fk1fl1.tiff"))
        #expect(parsed.plate == nil)
        #expect(parsed.well.description == "C11")
        #expect(parsed.site == 5)
        #expect(parsed.timePoint == 4)
        #expect(parsed.channel == "ch2")
        #expect(PlateDirectory.barcode(forRelativePath: "PL7__2024-05-01T10_11_12-Measurement 1/Images/x.tiff", rootName: "root") == "PL7")
    }

    @Test(arguments: ["r01c01f01p01-ch1sk1fk1fl1.png", "r01c01f01-ch1sk1fk1fl1.tiff", "r00c01f01p01-ch1sk1fk1fl1.tiff",
                      "P1_A01_s1_w1.tif", "r01c01f01p01-ch1sk1fk1fl1x.tiff"])
    func operaRejects(path: String) {
        #expect(opera.parse(relativePath: path) == nil)
    }

    @Test func plateFromDirectorySkipsGenericFolders() {
        #expect(PlateDirectory.barcode(forRelativePath: "BC123/TimePoint_2/A01_w1.tif", rootName: "root") == "BC123")
        #expect(PlateDirectory.barcode(forRelativePath: "A01_w1.tif", rootName: "root") == "root")
    }

    @Test func autoDetectionTakesTheMajority() throws {
        let paths = (1...6).map { "P_A0\($0)_s1_w1.tif" } + ["r01c01f01p01-ch1sk1fk1fl1.tiff", "stray.tif"]
        #expect(try SchemeDetection.detect(relativePaths: paths).name == "ImageXpress")
        let operaPaths = (1...3).map { "Images/r01c0\($0)f01p01-ch1sk1fk1fl1.tiff" }
        #expect(try SchemeDetection.detect(relativePaths: operaPaths).name == "Opera")
    }

    @Test func autoDetectionRefusesToGuess() {
        let none = ["scan001.tif", "scan002.tif", "P_A01_s1_w1.tif"]
        #expect(throws: ScreeningError.noSchemeMatches(examples: none.sorted())) {
            try SchemeDetection.detect(relativePaths: none)
        }
        let tied = ["P_A01_s1_w1.tif", "r01c01f01p01-ch1sk1fk1fl1.tiff"]
        do {
            _ = try SchemeDetection.detect(relativePaths: tied)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("ImageXpress") && error.description.contains("Opera"))
        }
    }
}
