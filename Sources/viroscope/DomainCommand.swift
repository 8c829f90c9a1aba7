import Analysis
import ArgumentParser
import Foundation
import NeuralNet

/// Writes a model's `domain.json` (and optionally `labels.json`) from the data it was trained on, for models
/// trained before `train` wrote them or trained elsewhere and imported.
struct DomainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain",
        abstract: "Record the statistics of a model's training data (domain.json) from plates like those it was trained on.",
        discussion: """
            Segments the nuclear channel of every image set and stores the nucleus area, diameter and texture \
            distributions in MODEL/domain.json; `viroscope-coordinator submit` compares a campaign's control \
            wells with them. With --labels reporter it also recomputes the training reporter threshold (Otsu \
            over all nuclei, as train does) into MODEL/labels.json, which `evaluate` uses.
            """)

    @Option(help: "Model directory to write into.")
    var model: String

    @OptionGroup var dataOptions: LabelledDataOptions

    @Option(help: "Also record how training labels were made: none or reporter.")
    var labels = "none"

    @Option(help: "Pixel size in µm, when known.")
    var pixelSize: Double?

    @Option(help: "Use at most this many image sets (spread over the data).")
    var maxImageSets: Int?

    func validate() throws {
        try dataOptions.check(labels: nil)
        guard ["none", "reporter"].contains(labels) else { throw ValidationError("--labels must be none or reporter") }
        if let pixelSize, !(pixelSize.isFinite && pixelSize > 0) { throw ValidationError("--pixel-size must be positive") }
        if let maxImageSets, maxImageSets < 1 { throw ValidationError("--max-image-sets must be at least 1") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: model)
        let loaded = try Model.load(directory: directory)
        let sample: DomainSample
        if labels == "reporter" {
            let set = try dataOptions.collect(labels: "reporter", input: loaded.architecture.input, maxImageSets: maxImageSets)
            sample = set.domain
            let recorded = TrainingLabels(source: "reporter", nuclearChannel: dataOptions.nuclearChannel,
                                          reporterChannel: dataOptions.reporterChannel,
                                          reporterThreshold: set.reporterThreshold,
                                          reporterThresholdCalibrated: dataOptions.reporterThreshold == nil)
            try recorded.save(modelDirectory: directory)
            print(String(format: "labels: reporter threshold %.1f written to %@", set.reporterThreshold ?? .nan,
                         directory.appendingPathComponent(TrainingLabels.fileName).path))
        } else {
            let progress = ProgressReporter("measuring nuclei")
            sample = try TrainingData.sampleDomain(directories: dataOptions.directories,
                                                   nuclearChannel: dataOptions.nuclearChannel,
                                                   maxImageSets: maxImageSets,
                                                   progress: { progress.update($0, of: $1, unit: "image sets") })
            progress.finish()
        }
        guard let domain = ModelDomain(sample: sample, nuclearChannel: dataOptions.nuclearChannel,
                                       pixelSizeMicrons: pixelSize,
                                       source: "viroscope domain --data " + dataOptions.data.joined(separator: " --data "))
        else {
            throw AnalysisError(file: dataOptions.data.joined(separator: ", "),
                                reason: "no nuclei were segmented in \(sample.imageSets) image sets; nothing to record")
        }
        try domain.save(modelDirectory: directory)
        print(String(format: "domain: %d nuclei from %d image sets; diameter median %.1f px (1–99%%: %.1f–%.1f); "
                     + "texture CV median %.3f (%.3f–%.3f); written to %@", domain.nuclei, domain.imageSets,
                     domain.diameter.p50, domain.diameter.p01, domain.diameter.p99, domain.texture.p50,
                     domain.texture.p01, domain.texture.p99, directory.appendingPathComponent(ModelDomain.fileName).path))
    }
}
