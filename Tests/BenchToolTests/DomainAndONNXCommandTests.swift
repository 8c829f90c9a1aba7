import Foundation
import Testing
import Analysis
import Synthetic
import TestSupport

private func viroscope(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try ChildProcess.run(try BuiltExecutable.path("viroscope"), arguments, timeout: .seconds(300))
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-cli-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `viroscope domain`, `import-onnx` and `export-onnx` from the command line, including their bad inputs.
@Suite struct DomainAndONNXCommandTests {
    @Test func domainRecordsTrainingStatisticsAndTheReporterThresholdBesideAModel() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plates = directory.appendingPathComponent("plates")
        _ = try SyntheticCampaign(settings: CampaignSettings(imageSize: 256, seed: 31, nucleiPerImage: 25, wellLimit: 6))
            .generate(into: plates.path)
        let model = directory.appendingPathComponent("model")
        try FileManager.default.copyItem(at: RepositoryPaths.root.appendingPathComponent("models/default"), to: model)
        try FileManager.default.removeItem(at: model.appendingPathComponent("domain.json"))
        try FileManager.default.removeItem(at: model.appendingPathComponent("labels.json"))

        let result = try viroscope(["domain", "--model", model.path, "--data", plates.path, "--labels", "reporter"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("diameter median"), "\(result.stdout)")
        let domain = try #require(try ModelDomain.load(modelDirectory: model))
        #expect(domain.imageSets == 6 && domain.nuclei > 50)
        #expect(domain.diameter.p01 < domain.diameter.p50 && domain.diameter.p50 < domain.diameter.p99)
        #expect(try TrainingLabels.load(modelDirectory: model)?.reporterThreshold != nil)

        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nothing = try viroscope(["domain", "--model", model.path, "--data", empty.path])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("no .tif/.tiff files"), "\(nothing.stderr)")
    }

    @Test func exportThenImportGivesTheSameModelAndBadFilesGetOneLine() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let onnx = directory.appendingPathComponent("default.onnx").path
        let exported = try viroscope(["export-onnx", "--model", RepositoryPaths.root.appendingPathComponent("models/default").path,
                                      "--out", onnx])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("percentile-1-99"))
        let imported = try viroscope(["import-onnx", onnx, "--out", directory.appendingPathComponent("back").path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("Conv 'conv_1' -> conv2d conv1"), "\(imported.stderr)")

        let garbage = directory.appendingPathComponent("garbage.onnx")
        try Data("not a model".utf8).write(to: garbage)
        let refused = try viroscope(["import-onnx", garbage.path, "--out", directory.appendingPathComponent("x").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not an ONNX model") && refused.stderr.split(separator: "\n").count == 1,
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x").path))

        let unpaired = try viroscope(["import-onnx", onnx, "--out", directory.appendingPathComponent("y").path,
                                      "--verify-input", onnx])
        #expect(unpaired.status != 0 && unpaired.stderr.contains("--verify-input and --verify-output together"))
    }
}
