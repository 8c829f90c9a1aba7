import Foundation
import Testing
import Campaigns
import Imaging
import Postgres
import Reporting
import TestSupport

/// Enlarges every TIFF under `directory` by `factor` (bilinear), as a higher magnification or another cell line
/// with bigger nuclei would look: the same plates, nuclei `factor` times the diameter the model was trained on.
private func enlargeImages(in directory: String, by factor: Double) throws {
    let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
    for file in files where file.hasSuffix(".tif") && !file.hasPrefix("truth") {
        let path = (directory as NSString).appendingPathComponent(file)
        let image = try TIFFReader.read(path: path)
        let width = Int(Double(image.width) * factor), height = Int(Double(image.height) * factor)
        var pixels = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height {
            let sy = min(Double(image.height - 1), Double(y) / factor)
            let y0 = Int(sy), y1 = min(image.height - 1, y0 + 1), fy = Float(sy - Double(y0))
            for x in 0..<width {
                let sx = min(Double(image.width - 1), Double(x) / factor)
                let x0 = Int(sx), x1 = min(image.width - 1, x0 + 1), fx = Float(sx - Double(x0))
                let top = image.pixels[y0 * image.width + x0] * (1 - fx) + image.pixels[y0 * image.width + x1] * fx
                let bottom = image.pixels[y1 * image.width + x0] * (1 - fx) + image.pixels[y1 * image.width + x1] * fx
                pixels[y * width + x] = UInt16(max(0, min(65535, (top * (1 - fy) + bottom * fy).rounded())))
            }
        }
        try TIFFWriter.writeUInt16(pixels, width: width, height: height, to: path)
    }
}

/// `submit` compares the campaign's control wells with the model's training data (models/default/domain.json).
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "needs VIROSCOPE_TEST_DATABASE_URL (ops/db start)"))
struct DomainCheckSubmitTests {
    @Test func aCampaignLikeTheTrainingDataIsAcceptedAndTheVerdictStored() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        let submitted = try fixture.submit()
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("model domain: in domain"), "\(submitted.stderr)")
        let connection = try fixture.database.connect()
        let row = try #require(try connection.query("SELECT domain_check->>'status' AS s FROM campaigns").first)
        #expect(try row.string("s") == "in_domain")
        let status = try fixture.coordinator(["status", "--campaign", "c1"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("model      in domain"), "\(status.stdout)")
    }

    /// Nuclei can match the training data in size and texture while the model still fails on the images (the
    /// shipped model on an independent generator's plates called 99 % of negative-control nuclei infected and was
    /// "in domain"). Here the plate map calls the infected control wells negative: the model's own calls on the
    /// negative controls must refuse the campaign.
    @Test func negativeControlsTheModelCallsInfectedAreRefusedUnlessAccepted() throws {
        let fixture = try CampaignFixture(wells: 12)
        defer { fixture.tearDown() }
        let map = try String(contentsOfFile: fixture.plateMap, encoding: .utf8)
        let swapped = map.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasSuffix(",positive") { return String(line.dropLast("positive".count)) + "negative" }
            if line.hasSuffix(",negative") { return String(line.dropLast("negative".count)) + "positive" }
            return String(line)
        }.joined(separator: "\n")
        #expect(swapped != map, "the fixture's plate map has control columns")
        try swapped.write(toFile: fixture.plateMap, atomically: true, encoding: .utf8)

        let refused = try fixture.submit(extra: ["--no-reporter"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("negative-control nuclei infected"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--accept-out-of-domain"), "\(refused.stderr)")
        let accepted = try fixture.submit(extra: ["--no-reporter", "--accept-out-of-domain"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }

    @Test func nucleiTwoAndAHalfTimesTheTrainingDiameterAreRefusedUnlessAccepted() throws {
        let fixture = try CampaignFixture(wells: 6, imageSize: 192)
        defer { fixture.tearDown() }
        try enlargeImages(in: fixture.images, by: 2.5)

        let refused = try fixture.submit()
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("outside the model's training domain"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nucleus diameter median"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--accept-out-of-domain"))
        #expect(refused.stderr.split(separator: "\n").count <= 3, "\(refused.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM campaigns") == 0)

        let accepted = try fixture.submit(extra: ["--accept-out-of-domain"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let status = try fixture.coordinator(["status", "--campaign", "c1"])
        #expect(status.stdout.contains("OUT OF THE MODEL'S DOMAIN (accepted by --accept-out-of-domain)"), "\(status.stdout)")

        let drained = try fixture.drain()
        #expect(drained.status == 0, "\(drained.stderr)")
        let report = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"),
                                          ["--campaign", "c1", "--format", "json"], environment: fixture.environment)
        #expect(report.status == 0, "\(report.stderr)")
        let decoded = try JSONRenderer.decode(Data(report.stdout.utf8))
        #expect(decoded.alerts.first?.hasPrefix("model domain: OUT OF THE MODEL'S DOMAIN") == true, "\(decoded.alerts)")
        #expect(decoded.modelCheck?.domainStatus == "out_of_domain")
        let table = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"), ["--campaign", "c1"],
                                         environment: fixture.environment)
        #expect(table.stdout.hasPrefix("!! model domain: OUT OF THE MODEL'S DOMAIN"), "\(table.stdout.prefix(400))")
    }

    @Test func rescalingToTheModelBringsEnlargedNucleiBackIntoTheDomainAndTheControlsComeOutRight() throws {
        let fixture = try CampaignFixture(wells: 6, imageSize: 192)
        defer { fixture.tearDown() }
        try enlargeImages(in: fixture.images, by: 2.5)

        let submitted = try fixture.submit(extra: ["--rescale-to-model"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("rescaling images by 0.4"), "\(submitted.stderr)")
        let connection = try fixture.database.connect()
        let row = try #require(try connection.query(
            "SELECT domain_check->>'status' AS s, (settings->>'image_scale')::float8 AS f FROM campaigns").first)
        #expect(try row.string("s") != "out_of_domain")
        let factor = try row.double("f")
        #expect(factor > 0.35 && factor < 0.5, "image scale \(factor)")

        let drained = try fixture.drain()
        #expect(drained.status == 0, "\(drained.stderr)")
        let report = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"),
                                          ["--campaign", "c1", "--format", "json"], environment: fixture.environment)
        let decoded = try JSONRenderer.decode(Data(report.stdout.utf8))
        #expect(!decoded.alerts.contains { $0.contains("miscalibrated") }, "\(decoded.alerts)")
        let negative = decoded.wells.filter { $0.control == .negative }.compactMap(\.infectionRate)
        let positive = decoded.wells.filter { $0.control == .positive }.compactMap(\.infectionRate)
        #expect(!negative.isEmpty && !positive.isEmpty)
        #expect((negative.max() ?? 1) + 0.3 < (positive.min() ?? 0), "negative \(negative), positive \(positive)")
    }
}
