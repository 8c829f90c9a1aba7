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

    func check(labels: String) throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data DIR") }
        guard ["reporter", "truth"].contains(labels) else { throw ValidationError("--labels must be reporter or truth") }
    }

    /// Segments, crops and labels every image set of the data directories, with a progress line on a terminal.
    func collect(labels: String, input: InputSpec, maxImageSets: Int? = nil) throws -> LabelledCrops {
        let source: LabelSource = labels == "truth" ? .truth
            : .reporter(channel: reporterChannel, threshold: reporterThreshold)
        let set = try TrainingData.collect(
            directories: data.map { URL(fileURLWithPath: $0) }, nuclearChannel: nuclearChannel, labels: source,
            input: input, maxImageSets: maxImageSets,
            progress: { done, total in progressLine("collecting nuclei: image set \(done)/\(total)") })
        endProgressLine()
        return set
    }
}
