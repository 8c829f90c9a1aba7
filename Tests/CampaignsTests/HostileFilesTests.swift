#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import Testing
import TestSupport

/// Files are what they claim, on the real executables (issue 13 item 7, issue 12 items 8 and 9): a symlink
/// planted after submission, a FIFO and a decompression bomb each cost only their own image set, quickly; and
/// submit opens every file the way a worker will.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test"))
struct HostileFilesTests {
    /// The nuclear-channel files of the fixture, sorted.
    static func nuclearFiles(_ fixture: CampaignFixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixture.path("PLATE01"))
            .filter { $0.hasSuffix("_w1.tif") }.sorted().map { "PLATE01/\($0)" }
    }

    static func errors(_ fixture: CampaignFixture) throws -> [String] {
        try fixture.database.connect().query("SELECT error FROM image_results WHERE error IS NOT NULL ORDER BY error")
            .map { try $0.string("error") }
    }

    /// A header declaring 32768×32768 8-bit deflate pixels: a few kilobytes on disk, 4 GiB as Float32.
    static func bomb() -> Data {
        var bytes: [UInt8] = [0x49, 0x49, 42, 0]
        func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { bytes += (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        u32(8)
        let entries: [(UInt16, UInt16, UInt32)] = [(256, 4, 32768), (257, 4, 32768), (258, 3, 8), (259, 3, 8),
                                                   (262, 3, 1), (273, 4, 110), (278, 4, 32768), (279, 4, 4096)]
        u16(UInt16(entries.count))
        for (tag, type, value) in entries {
            u16(tag); u16(type); u32(1)
            if type == 3 { u16(UInt16(value)); u16(0) } else { u32(value) }
        }
        u32(0)
        return Data(bytes + [UInt8](repeating: 0x78, count: 4096))
    }

    @Test func aPlantedSymlinkAFIFOAndABombCostOnlyTheirOwnImageSets() throws {
        let fixture = try CampaignFixture(wells: 8)
        defer { fixture.tearDown() }
        #expect(try fixture.submit(extra: ["--no-reporter"]).status == 0)
        let files = try Self.nuclearFiles(fixture)
        try #require(files.count == 8)
        // After submission, three images are replaced: by a symlink to a TIFF outside the root (which a worker
        // must not analyse as this well), by a FIFO (which would block open() forever), and by a bomb.
        let outside = fixture.directory.appendingPathComponent("outside.tif").path
        try FileManager.default.copyItem(atPath: fixture.path(files[0]), toPath: outside)
        try FileManager.default.removeItem(atPath: fixture.path(files[0]))
        try FileManager.default.createSymbolicLink(atPath: fixture.path(files[0]), withDestinationPath: outside)
        try FileManager.default.removeItem(atPath: fixture.path(files[3]))
        #expect(mkfifo(fixture.path(files[3]), 0o644) == 0)
        try Self.bomb().write(to: URL(fileURLWithPath: fixture.path(files[6])))

        let started = ContinuousClock.now
        let drained = try fixture.drain(concurrency: 1)
        #expect(drained.status == 0, "\(drained.stderr.suffix(2000))")
        #expect(ContinuousClock.now - started < .seconds(240))
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 8)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE state <> 'succeeded'") == 0)
        let errors = try Self.errors(fixture)
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.contains { $0.contains("escapes the image root") }, "\(errors)")
        #expect(errors.contains { $0.contains("FIFO") }, "\(errors)")
        #expect(errors.contains { $0.contains("pixel budget") && $0.contains("32768") }, "\(errors)")
        // The neighbours batched with the bad images were analysed.
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL AND nuclei > 0") == 5)
    }

    @Test func submitOpensEveryFileLikeAWorkerAndRefusesAFIFOWithoutHanging() throws {
        let fixture = try CampaignFixture(wells: 4)
        defer { fixture.tearDown() }
        let files = try Self.nuclearFiles(fixture)
        try FileManager.default.removeItem(atPath: fixture.path(files[2]))
        #expect(mkfifo(fixture.path(files[2]), 0o644) == 0)
        let started = ContinuousClock.now
        let result = try fixture.submit(extra: ["--dry-run", "--no-reporter"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(files[2]) && result.stderr.contains("FIFO"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func aBombIsAWarningAtSubmitAndInspectRefusesItQuickly() throws {
        let fixture = try CampaignFixture(wells: 2)
        defer { fixture.tearDown() }
        let files = try Self.nuclearFiles(fixture)
        try Self.bomb().write(to: URL(fileURLWithPath: fixture.path(files[1])))
        let submitted = try fixture.submit(extra: ["--dry-run", "--no-reporter"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("pixel budget") && submitted.stderr.contains(files[1]), "\(submitted.stderr)")
        let inspect = try ChildProcess.run(try BuiltExecutable.path("viroscope"), ["inspect", fixture.path(files[1])],
                                           timeout: .seconds(30))
        #expect(inspect.status == 1, "\(inspect.stderr)")
        #expect(inspect.stderr.contains("pixel budget"), "\(inspect.stderr)")
        let fifo = fixture.directory.appendingPathComponent("pipe.tif").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let blocked = try ChildProcess.run(try BuiltExecutable.path("viroscope"), ["inspect", fifo], timeout: .seconds(30))
        #expect(blocked.status == 1 && blocked.stderr.contains("FIFO"), "\(blocked.stderr)")
    }

    @Test func anImagedWellOutsideThePlateMapsFormatIsAnError() throws {
        let fixture = try CampaignFixture(wells: 2)
        defer { fixture.tearDown() }
        let files = try Self.nuclearFiles(fixture)
        let name = (files[0] as NSString).lastPathComponent
        let parts = name.split(separator: "_")
        let a13 = "PLATE01/\(parts[0])_A13_" + parts.dropFirst(2).joined(separator: "_")
        try FileManager.default.copyItem(atPath: fixture.path(files[0]), toPath: fixture.path(a13))
        let result = try fixture.submit(extra: ["--dry-run", "--no-reporter"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not wells of a 96-well plate") && result.stderr.contains("A13"), "\(result.stderr)")
    }

    @Test func aPlateMapWithoutControlsSaysCalibrationHadNoControls() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        let text = try String(contentsOfFile: fixture.plateMap, encoding: .utf8)
        let stripped = text.replacingOccurrences(of: ",positive", with: ",").replacingOccurrences(of: ",negative", with: ",")
        try stripped.write(toFile: fixture.plateMap, atomically: true, encoding: .utf8)
        let result = try fixture.submit(extra: ["--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("control image sets"), "\(result.stderr)")
        #expect(result.stderr.contains("calibration had no controls"), "\(result.stderr)")
    }
}
