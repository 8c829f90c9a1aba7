import Foundation
import Testing
import Screening

@Suite struct ScannerTests {
    @Test func scansImageXpressTimeSeriesDeterministically() throws {
        let dir = try TemporaryDirectory()
        for t in [2, 1] {
            for name in ["PL_1_A02_s1_w2.tif", "PL_1_A02_s1_w1.tif", "PL_1_A01_s1_w1.tif", "PL_1_A01_s1_w2.tif"] {
                try dir.write("PL_1/2024-01-01/99/TimePoint_\(t)/\(name)")
            }
        }
        try dir.write("PL_1/2024-01-01/99/TimePoint_1/PL_1_A01_s1_w1_thumb.tif")
        try dir.write("PL_1/notes.txt")
        let scan = try ImageDirectoryScanner.scan(root: dir.url)
        #expect(scan.schemeName == "ImageXpress")
        #expect(scan.files.count == 8)
        #expect(scan.unmatched == ["PL_1/2024-01-01/99/TimePoint_1/PL_1_A01_s1_w1_thumb.tif"])
        let first = try #require(scan.files.first)
        #expect(first.plate == "PL_1" && first.well.description == "A01" && first.timePoint == 1 && first.channel == "w1")
        #expect(first.relativePath == "PL_1/2024-01-01/99/TimePoint_1/PL_1_A01_s1_w1.tif")
        #expect(scan.files.map(\.timePoint) == [1, 1, 2, 2, 1, 1, 2, 2])
        let sets = ImageSet.group(scan.files)
        #expect(sets.sets.count == 4)
        #expect(sets.duplicates.isEmpty)
        #expect(sets.sets[0].channels == ["w1": first.relativePath, "w2": "PL_1/2024-01-01/99/TimePoint_1/PL_1_A01_s1_w2.tif"])
    }

    @Test func operaPlateFromDirectory() throws {
        let dir = try TemporaryDirectory()
        try dir.write("BC42__2024-05-01T10_00_00-Measurement 1/Images/r02c03f01p01-ch1sk1fk1fl1.tiff")
        try dir.write("BC42__2024-05-01T10_00_00-Measurement 1/Images/r02c03f01p01-ch2sk1fk1fl1.tiff")
        let scan = try ImageDirectoryScanner.scan(root: dir.url, scheme: .opera)
        #expect(scan.files.map(\.plate) == ["BC42", "BC42"])
        #expect(scan.files.map(\.channel) == ["ch1", "ch2"])
        #expect(scan.files[0].well.description == "B03")
    }

    @Test func rejectsSymlinkOutsideTheRoot() throws {
        let dir = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let secret = try outside.write("P_A01_s1_w1.tif")
        try dir.write("P_A02_s1_w1.tif")
        try FileManager.default.createSymbolicLink(at: dir.url.appendingPathComponent("P_A01_s1_w1.tif"), withDestinationURL: secret)
        do {
            _ = try ImageDirectoryScanner.scan(root: dir.url)
            Issue.record("a symlink out of the root was accepted")
        } catch {
            guard case let .pathEscapesRoot(path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == "P_A01_s1_w1.tif")
            #expect(error.description.contains("escapes the image root"))
        }
    }

    @Test func followsSymlinksThatStayInside() throws {
        let dir = try TemporaryDirectory()
        let real = try dir.write("store/P_A01_s1_w1.tif")
        try FileManager.default.createSymbolicLink(at: dir.url.appendingPathComponent("P_A02_s1_w1.tif"), withDestinationURL: real)
        let scan = try ImageDirectoryScanner.scan(root: dir.url)
        #expect(scan.files.map(\.well.description) == ["A01", "A02"])
    }

    @Test func manifestRejectsEscapesWithRowNumbers() throws {
        let header = "plate,well,site,time_point,channel,path\n"
        #expect(throws: ScreeningError.invalidRow(file: "m.csv", row: 3, message: "path '../x.tif' escapes the image root: '..' is not allowed")) {
            try ImageManifest.parse(header + "P,A01,1,1,DAPI,a.tif\nP,A02,1,1,DAPI,../x.tif\n", file: "m.csv")
        }
        #expect(throws: ScreeningError.invalidRow(file: "m.csv", row: 2, message: "path '/etc/passwd' escapes the image root: absolute paths are not allowed")) {
            try ImageManifest.parse(header + "P,A01,1,1,DAPI,/etc/passwd\n", file: "m.csv")
        }
        #expect(throws: ScreeningError.invalidRow(file: "m.csv", row: 2, message: "site '0' is not a whole number within 1…999999")) {
            try ImageManifest.parse(header + "P,A01,0,1,DAPI,a.tif\n", file: "m.csv")
        }
    }

    @Test func manifestScan() throws {
        let dir = try TemporaryDirectory()
        try dir.write("imgs/one.tif")
        try dir.write("imgs/two.tif")
        let manifest = try dir.write("manifest.csv", "plate,well,site,time_point,channel,path\r\nP9,b2,,,DAPI,imgs/two.tif\r\nP9,B02,1,1,GFP,./imgs/one.tif\r\n")
        let scan = try ImageDirectoryScanner.scan(root: dir.url, scheme: .manifest(manifest))
        #expect(scan.schemeName == "manifest")
        #expect(scan.files.map(\.channel) == ["DAPI", "GFP"])
        #expect(scan.files.map(\.relativePath) == ["imgs/two.tif", "imgs/one.tif"])
        let missing = try dir.write("bad.csv", "plate,well,channel,path\nP9,B02,DAPI,imgs/three.tif\n")
        #expect(throws: ScreeningError.self) { try ImageDirectoryScanner.scan(root: dir.url, scheme: .manifest(missing)) }
    }

    @Test func manifestEntryThroughASymlinkOutsideIsRejected() throws {
        let dir = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let secret = try outside.write("secret.tif")
        try FileManager.default.createSymbolicLink(at: dir.url.appendingPathComponent("innocent.tif"), withDestinationURL: secret)
        let manifest = try dir.write("m.csv", "plate,well,channel,path\nP,A01,DAPI,innocent.tif\n")
        do {
            _ = try ImageDirectoryScanner.scan(root: dir.url, scheme: .manifest(manifest))
            Issue.record("a manifest entry resolving outside the root was accepted")
        } catch {
            guard case .pathEscapesRoot(path: "innocent.tif", _) = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func emptyRootIsAnError() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: ScreeningError.noImages(root: dir.url.standardizedFileURL.path)) {
            try ImageDirectoryScanner.scan(root: dir.url)
        }
    }
}
