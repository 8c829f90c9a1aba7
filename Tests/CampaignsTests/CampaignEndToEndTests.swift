import Foundation
import Testing
import Campaigns
import Postgres
import Reporting
import TestSupport

/// The whole path a user takes: synthetic plate → submit → workers → report, on the real executables.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "VIROSCOPE_TEST_DATABASE_URL is not set; run the suite with ops/test")) struct CampaignEndToEndTests {
    @Test func submitDrainAndReportEveryImageSetExactlyOnce() throws {
        let fixture = try CampaignFixture(wells: 12)
        defer { fixture.tearDown() }

        let submitted = try fixture.submit()
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("12 image sets in 4 jobs"), "\(submitted.stdout)")

        let drained = try fixture.drain()
        #expect(drained.status == 0, "\(drained.stderr)")

        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 12)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NOT NULL") == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE state <> 'succeeded'") == 0)
        let nuclei = try fixture.scalar("SELECT count(*) FROM nuclei")
        #expect(nuclei > 12 * 15)
        #expect(try fixture.scalar("SELECT sum(nuclei) FROM image_results") == nuclei)
        // Every result says what produced it.
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE model_sha256 ~ '^[0-9a-f]{64}$' AND settings ? 'segmentation' AND software_version <> ''") == 12)

        let report = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"),
                                          ["--campaign", "c1", "--format", "json"], environment: fixture.environment)
        #expect(report.status == 0, "\(report.stderr)")
        let decoded = try JSONRenderer.decode(Data(report.stdout.utf8))
        #expect(decoded.summary.complete)
        #expect(decoded.summary.imageSetsDone == 12)
        #expect(decoded.summary.nuclei == Int(nuclei))
        // Negative controls (no virus) must come out far less infected than positive controls.
        let negative = decoded.wells.filter { $0.control == .negative }.compactMap(\.infectionRate)
        let positive = decoded.wells.filter { $0.control == .positive }.compactMap(\.infectionRate)
        #expect(!negative.isEmpty && !positive.isEmpty)
        #expect((negative.max() ?? 1) + 0.3 < (positive.min() ?? 0))
        // The model agrees with the reporter on the plate's own nuclei and the controls come out as controls.
        let check = try #require(decoded.modelCheck)
        #expect(decoded.alerts.isEmpty, "\(decoded.alerts)")
        #expect((check.kappa ?? 0) > 0.8, "κ \(String(describing: check.kappa))")
        #expect(check.plates.count == 1 && check.plates[0].nuclei > 12 * 15)
        #expect(check.domainStatus == "in_domain")

        // Against the synthetic truth: the observed infection rate of the very nuclei that were drawn.
        let truth = try String(contentsOfFile: fixture.path("truth/wells.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var errors: [Double] = []
        for cells in truth where cells.count == 6 {
            guard let rate = Double(cells[5]),
                  let well = decoded.wells.first(where: { $0.plate == cells[0] && $0.well.description == cells[1] }),
                  let measured = well.infectionRate else { continue }
            errors.append(abs(measured - rate))
        }
        #expect(errors.count == 12)
        let meanAbsoluteError = errors.reduce(0, +) / Double(max(1, errors.count))
        #expect(meanAbsoluteError < 0.08, "per-well infection rate off by \(meanAbsoluteError) on average")
    }

    @Test func resubmittingTheSameCampaignChangesNothingAndADifferentOneIsRefused() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let again = try fixture.submit()
        #expect(again.status == 0)
        #expect(again.stdout.contains("already submitted"))
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 2)
        #expect(try fixture.scalar("SELECT count(*) FROM image_sets") == 6)
        #expect(try fixture.scalar("SELECT count(*) FROM models") == 1)

        let different = try fixture.submit(extra: ["--infection-threshold", "0.7"])
        #expect(different.status == 1)
        #expect(different.stderr.contains("a different campaign named 'c1'"))
        #expect(try fixture.scalar("SELECT count(*) FROM jobs") == 2)
    }

    @Test func anImageCorruptedAfterSubmissionBecomesThatImageSetsErrorNotAFailedBatch() throws {
        let fixture = try CampaignFixture(wells: 6)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        // Storage corrupts one nuclear image after submission: cut it in half.
        let victim = fixture.path("PLATE01/PLATE01_A02_s1_w1.tif")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: victim))

        let drained = try fixture.drain()
        #expect(drained.status == 0, "\(drained.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 6)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 2)
        let connection = try fixture.database.connect()
        let errors = try connection.query("SELECT error FROM image_results WHERE error IS NOT NULL").map { try $0.string("error") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("PLATE01_A02_s1_w1.tif") == true, "\(errors)")

        let status = try fixture.coordinator(["status", "--campaign", "c1"])
        #expect(status.stdout.contains("PLATE01_A02_s1_w1.tif"), "\(status.stdout)")
    }

    @Test func aWorkerWithoutTheImageStorageRetriesInsteadOfRecordingEveryImageAsBroken() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        #expect(try fixture.submit(extra: ["--max-attempts", "1"]).status == 0)
        let drained = try fixture.drain(concurrency: 1, extra: ["--image-root", "/nonexistent/mount"])
        #expect(drained.status == 0, "\(drained.stderr)")
        #expect(drained.stderr.contains("/nonexistent/mount"), "\(drained.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE state = 'discarded'") == 1)
        // Once storage is back, an operator retry finishes the campaign.
        #expect(try fixture.coordinator(["retry", "--discarded"]).status == 0)
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 3)
    }

    @Test func cancellingByNameStopsTheJobsAndTheReportSaysSo() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        #expect(try fixture.submit().status == 0)
        let cancelled = try fixture.coordinator(["cancel", "--campaign", "c1"])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(try fixture.scalar("SELECT count(*) FROM jobs WHERE state = 'cancelled'") == 1)
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 0)
        let report = try ChildProcess.run(try BuiltExecutable.path("viroscope-report"),
                                          ["--campaign", "c1", "--format", "json"], environment: fixture.environment)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try JSONRenderer.decode(Data(report.stdout.utf8)).campaign.state == "cancelled")
        #expect(try fixture.coordinator(["cancel", "--campaign", "no-such-campaign"]).status == 1)

        #expect(try fixture.coordinator(["retry", "--campaign", "c1"]).status == 0)
        #expect(try fixture.drain(concurrency: 1).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results") == 3)
    }

    /// A campaign in a sub-folder of the shared storage: paths are stored relative to the storage root, and a
    /// worker that mounts the storage elsewhere still finds every image.
    @Test func imagesInASubfolderOfTheImageRootAreFoundUnderTheWorkersOwnMount() throws {
        let fixture = try CampaignFixture(wells: 3)
        defer { fixture.tearDown() }
        let submitted = try fixture.submit(extra: ["--image-root", fixture.directory.path])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let connection = try fixture.database.connect()
        let paths = try connection.query("SELECT path FROM images ORDER BY path").map { try $0.string("path") }
        #expect(paths.count == 6 && paths.allSatisfy { $0.hasPrefix("images/PLATE01/") }, "\(paths)")

        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-mount-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createSymbolicLink(at: mount, withDestinationURL: fixture.directory)
        defer { try? FileManager.default.removeItem(at: mount) }
        #expect(try fixture.drain(concurrency: 1, extra: ["--image-root", mount.path]).status == 0)
        #expect(try fixture.scalar("SELECT count(*) FROM image_results WHERE error IS NULL") == 3)

        let outside = try fixture.submit(name: "c2", extra: ["--image-root", fixture.directory.appendingPathComponent("images/PLATE01").path])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("is not inside the image root"), "\(outside.stderr)")
    }
}
