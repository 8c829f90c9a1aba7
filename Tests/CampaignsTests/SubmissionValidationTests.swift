import Foundation
import Testing
import TestSupport

/// Bad campaigns are refused before anything is written, with a message that names the file, row or set.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test")) struct SubmissionValidationTests {
    @Test func aMissingNuclearChannelIsRefusedNamingTheImageSet() throws {
        let fixture = try CampaignFixture(wells: 4)
        defer { fixture.tearDown() }
        try FileManager.default.removeItem(atPath: fixture.path("PLATE01/PLATE01_A02_s1_w1.tif"))
        let result = try fixture.submit()
        #expect(result.status == 1)
        #expect(result.stderr.contains("lack the nuclear channel w1"), "\(result.stderr)")
        #expect(result.stderr.contains("A02"), "\(result.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM campaigns") == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 0)
    }

    @Test func aMalformedPlateMapIsRefusedNamingTheRow() throws {
        let fixture = try CampaignFixture(wells: 4)
        defer { fixture.tearDown() }
        var lines = try String(contentsOfFile: fixture.plateMap, encoding: .utf8).split(separator: "\n").map(String.init)
        let cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        lines[3] = ([cells[0], cells[1], "lots"] + cells.dropFirst(3)).joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: fixture.plateMap, atomically: true, encoding: .utf8)
        let result = try fixture.submit()
        #expect(result.status == 1)
        #expect(result.stderr.contains("row 4"), "\(result.stderr)")
        #expect(result.stderr.contains("'lots'"), "\(result.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM campaigns") == 0)
    }

    @Test func aFileThatIsNotATIFFIsRefusedNamingIt() throws {
        let fixture = try CampaignFixture(wells: 2)
        defer { fixture.tearDown() }
        try "not an image".write(toFile: fixture.path("PLATE01/PLATE01_A01_s1_w1.tif"), atomically: true, encoding: .utf8)
        let result = try fixture.submit()
        #expect(result.status == 1)
        #expect(result.stderr.contains("PLATE01_A01_s1_w1.tif"), "\(result.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 0)
    }

    @Test func aBadConnectionStringGetsOneClearLineWithoutThePassword() throws {
        let fixture = try CampaignFixture(wells: 1)
        defer { fixture.tearDown() }
        let result = try ChildProcess.run(try BuiltExecutable.path("viroscope-coordinator"), [
            "submit", "--name", "x", "--images", fixture.images, "--plate-map", fixture.plateMap,
            "--model", fixture.model, "--database-url", "postgresql://someone:s3cret@127.0.0.1:1/nothing",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("127.0.0.1:1"), "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret"))
    }
}
