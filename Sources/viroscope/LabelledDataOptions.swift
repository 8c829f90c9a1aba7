import Analysis
import ArgumentParser
import Foundation
import NeuralNet

/// Where `train` and `evaluate` find labelled nuclei: image directories, their channels, and the reporter bar.
/// The label source itself (`--labels`) stays with each command, whose defaults differ.
struct LabelledDataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "Image directory (ImageXpress names); repeat for several.")
    var data: [String] = []

    @Option(help: "Nuclear-stain channel.")
    var nuclearChannel = "w1"

    @Option(help: "Reporter channel for --labels reporter.")
    var reporterChannel = "w2"

    @Option(help: "Reporter threshold (default: Otsu over all nuclei).")
    var reporterThreshold: Float?

    func check(labels: String?) throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data DIR") }
        if let labels, !["reporter", "truth"].contains(labels) {
            throw ValidationError("--labels must be reporter or truth")
        }
        if let reporterThreshold, !(reporterThreshold.isFinite && reporterThreshold >= 0) {
            throw ValidationError("--reporter-threshold must be a finite number ≥ 0")
        }
    }

    var directories: [URL] { data.map { URL(fileURLWithPath: $0) } }

    /// Segments, crops and labels every image set of the data directories, with progress and ETA on stderr.
    /// `reporterThreshold` overrides `--reporter-threshold` (evaluate passes the model's stored one).
    func collect(labels: String, input: InputSpec, maxImageSets: Int? = nil,
                 reporterThreshold: Float? = nil) throws -> LabelledCrops {
        let source: LabelSource = labels == "truth" ? .truth
            : .reporter(channel: reporterChannel, threshold: reporterThreshold ?? self.reporterThreshold)
        let progress = ProgressReporter("collecting nuclei")
        let set = try TrainingData.collect(
            directories: directories, nuclearChannel: nuclearChannel, labels: source,
            input: input, maxImageSets: maxImageSets,
            progress: { done, total in progress.update(done, of: total, unit: "image sets") })
        progress.finish()
        return set
    }
}
