import Foundation
import Testing
import Analysis
import Synthetic
import TestSupport

/// A small synthetic campaign (plates, plate map, truth/) in a temporary directory.
private struct SmallCampaign {
    let directory: URL

    init(seed: UInt64, wells: Int = 8) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-bench-\(UUID().uuidString.prefix(8))")
        let settings = CampaignSettings(imageSize: 256, seed: seed, nucleiPerImage: 25, wellLimit: wells)
        _ = try SyntheticCampaign(settings: settings).generate(into: directory.path)
    }

    func removeTruth() throws { try FileManager.default.removeItem(at: directory.appendingPathComponent("truth")) }
    func tearDown() { try? FileManager.default.removeItem(at: directory) }
}

private func viroscope(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try ChildProcess.run(try BuiltExecutable.path("viroscope"), arguments, timeout: .seconds(300))
}

private let defaultModel = RepositoryPaths.root.appendingPathComponent("models/default").path

/// `evaluate` and `train` as a lab uses them (issue 10, item 6).
@Suite struct EvaluateAndTrainTests {
    @Test func evaluateUsesTruthWhenThereIsATruthFolderAndSaysHowManyNucleiHadNoMatch() throws {
        let campaign = try SmallCampaign(seed: 21)
        defer { campaign.tearDown() }
        let result = try viroscope(["evaluate", "--model", defaultModel, "--data", campaign.directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("infected by truth"), "\(result.stdout)")
        #expect(result.stdout.contains("segmented nuclei had no label match"), "\(result.stdout)")
        #expect(!result.stdout.contains("reporter  threshold"))
        #expect(result.stdout.contains("per class uninfected 0.") || result.stdout.contains("per class uninfected 1.0000"),
                "\(result.stdout)")
    }

    @Test func onARealPlateWithoutTruthEvaluateFallsBackToTheReporterAtTheModelsTrainingThreshold() throws {
        let campaign = try SmallCampaign(seed: 22)
        defer { campaign.tearDown() }
        try campaign.removeTruth()
        let trained = try #require(try TrainingLabels.load(modelDirectory: URL(fileURLWithPath: defaultModel)))
        let threshold = try #require(trained.reporterThreshold)

        let plain = try viroscope(["evaluate", "--model", defaultModel, "--data", campaign.directory.path, "--json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        #expect(object["labels"] as? String == "reporter")
        #expect(object["reporter_threshold_origin"] as? String == "the model's training threshold")
        #expect(abs((object["reporter_threshold"] as? Double ?? 0) - Double(threshold)) < 0.01)
        #expect(object["unlabelled_nuclei"] as? Int == 0)
        #expect((object["accuracy"] as? Double ?? 0) > 0.9)

        let fresh = try viroscope(["evaluate", "--model", defaultModel, "--data", campaign.directory.path,
                                   "--fresh-reporter-threshold"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("(Otsu over the held-out nuclei)"), "\(fresh.stdout)")
        #expect(!fresh.stdout.contains(String(format: "threshold %.1f ", threshold)))

        let both = try viroscope(["evaluate", "--model", defaultModel, "--data", campaign.directory.path,
                                  "--fresh-reporter-threshold", "--reporter-threshold", "100"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("not both"), "\(both.stderr)")

        let truthless = try viroscope(["evaluate", "--model", defaultModel, "--data", campaign.directory.path,
                                       "--labels", "truth"])
        #expect(truthless.status == 1)
        #expect(truthless.stderr.contains("no ground-truth file"), "\(truthless.stderr)")
    }

    @Test func trainLogsProgressWithETAAndRecordsItsLabelsAndDomain() throws {
        let campaign = try SmallCampaign(seed: 23, wells: 6)
        defer { campaign.tearDown() }
        let out = campaign.directory.appendingPathComponent("model")
        let result = try viroscope(["train", "--data", campaign.directory.path, "--out", out.path, "--epochs", "2",
                                    "--stages", "3", "--crop-size", "32", "--bn-recalibration", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        // Not a terminal: a line per tenth of the collection and one per epoch, each with elapsed time and ETA.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("collecting nuclei: ") && $0.contains("ETA") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("epoch  1/2") && $0.contains("elapsed, ETA") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("epoch  2/2") && $0.contains("elapsed") }, "\(result.stderr)")
        #expect(!result.stderr.contains("\u{1B}["))
        let labels = try #require(try TrainingLabels.load(modelDirectory: out))
        #expect(labels.source == "reporter" && labels.reporterChannel == "w2" && labels.reporterThreshold != nil)
        let domain = try #require(try ModelDomain.load(modelDirectory: out))
        #expect(domain.nuclei > 50 && domain.diameter.p50 > 10 && domain.diameter.p50 < 30)
    }
}
