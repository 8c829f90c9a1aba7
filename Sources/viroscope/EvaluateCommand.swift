import Analysis
import ArgumentParser
import CommandLineSupport
import Foundation
import NeuralNet

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a model on labelled nuclei it never saw: accuracy, precision, recall, F1, ROC AUC, confusion matrix.")

    @Option(help: "Model directory.")
    var model: String

    @OptionGroup var dataOptions: LabelledDataOptions

    @Option(help: "Label source: reporter or truth.")
    var labels = "truth"

    @Option(help: "p(infected) at or above which a nucleus is called infected.")
    var threshold: Float = 0.5

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        try dataOptions.check(labels: labels)
        try NumericFlag.check(threshold, "--threshold", in: 0.000_001...1)
    }

    func run() throws {
        let loaded = try Model.load(directory: URL(fileURLWithPath: model))
        let set = try dataOptions.collect(labels: labels, input: loaded.architecture.input)
        let session = InferenceSession(model: loaded)
        let infectedClass = loaded.classNames.firstIndex(of: "infected") ?? (loaded.classNames.count - 1)
        let output = try session.probabilities(crops: set.crops, count: set.count)
        let classes = loaded.classNames.count
        let scores = (0..<set.count).map { output.values[$0 * classes + infectedClass] }
        let metrics = ClassificationMetrics.binary(scores: scores, labels: set.labels, threshold: threshold)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
            return
        }
        print("model     \(loaded.sha256)")
        print("nuclei    \(set.count) (\(set.infected) infected by \(labels)) from \(set.imageSets.count) image sets")
        print(String(format: "accuracy  %.4f\nprecision %.4f\nrecall    %.4f\nF1        %.4f", metrics.accuracy,
                     metrics.precision, metrics.recall, metrics.f1))
        print("ROC AUC   " + (metrics.rocAUC.map { String(format: "%.4f", $0) } ?? "n/a"))
        print("confusion [[TN, FP], [FN, TP]] = \(metrics.confusion)")
    }
}
