import Analysis
import ArgumentParser
import CommandLineSupport
import Foundation
import NeuralNet

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a model on labelled nuclei it never saw: accuracy, precision, recall, F1, ROC AUC, confusion matrix.",
        discussion: """
            Labels come from the ground truth when a data directory has a truth/ folder (a synthetic campaign), \
            else from the reporter channel. Reporter labels use the threshold the model was trained with \
            (its labels.json) so it is judged by the bar it learnt; --fresh-reporter-threshold computes Otsu's \
            threshold on the held-out nuclei instead, and --reporter-threshold sets one.
            """)

    @Option(help: "Model directory.")
    var model: String

    @OptionGroup var dataOptions: LabelledDataOptions

    @Option(help: "Label source: reporter or truth (default: truth when a data directory has a truth/ folder, else reporter).")
    var labels: String?

    @Flag(help: "With reporter labels: Otsu's threshold over the held-out nuclei instead of the model's training threshold.")
    var freshReporterThreshold = false

    @Option(help: "p(infected) at or above which a nucleus is called infected.")
    var threshold: Float = 0.5

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        try dataOptions.check(labels: labels)
        try NumericFlag.check(threshold, "--threshold", in: 0.000_001...1)
        if freshReporterThreshold, dataOptions.reporterThreshold != nil {
            throw ValidationError("give either --fresh-reporter-threshold or --reporter-threshold, not both")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: model)
        let loaded = try Model.load(directory: directory)
        let labelSource = labels ?? (TrainingData.hasTruth(directories: dataOptions.directories) ? "truth" : "reporter")
        var reporterThreshold: Float?
        var thresholdOrigin = "Otsu over the held-out nuclei"
        if labelSource == "reporter" {
            if let given = dataOptions.reporterThreshold {
                reporterThreshold = given
                thresholdOrigin = "given"
            } else if !freshReporterThreshold {
                if let trained = try TrainingLabels.load(modelDirectory: directory)?.reporterThreshold {
                    reporterThreshold = trained
                    thresholdOrigin = "the model's training threshold"
                } else {
                    thresholdOrigin = "Otsu over the held-out nuclei; the model records no training threshold"
                }
            }
        }
        let set = try dataOptions.collect(labels: labelSource, input: loaded.architecture.input,
                                          reporterThreshold: reporterThreshold)
        let session = InferenceSession(model: loaded)
        let infectedClass = loaded.classNames.firstIndex(of: "infected") ?? (loaded.classNames.count - 1)
        let output = try session.probabilities(crops: set.crops, count: set.count)
        let classes = loaded.classNames.count
        let scores = (0..<set.count).map { output.values[$0 * classes + infectedClass] }
        let metrics = ClassificationMetrics.binary(scores: scores, labels: set.labels, threshold: threshold)
        let segmented = set.count + set.unlabelled
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(metrics)) as? [String: Any] ?? [:]
            object["labels"] = labelSource
            object["nuclei"] = set.count
            object["segmented_nuclei"] = segmented
            object["unlabelled_nuclei"] = set.unlabelled
            if let used = set.reporterThreshold {
                object["reporter_threshold"] = Double(used)
                object["reporter_threshold_origin"] = thresholdOrigin
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("model     \(loaded.sha256)")
        print("nuclei    \(set.count) (\(set.infected) infected by \(labelSource)) from \(set.imageSets.count) image sets")
        if let used = set.reporterThreshold {
            print(String(format: "reporter  threshold %.1f (%@)", used, thresholdOrigin))
        }
        print("unlabelled \(set.unlabelled) of \(segmented) segmented nuclei had no label match"
              + (set.unlabelled > 0 ? " (not scored)" : ""))
        print(String(format: "accuracy  %.4f\nprecision %.4f\nrecall    %.4f\nF1        %.4f", metrics.accuracy,
                     metrics.precision, metrics.recall, metrics.f1))
        // Per class: what separates methods when a share of one class is barely visible (issue 10's table).
        let c = metrics.confusion
        func share(_ right: Int, _ total: Int) -> String { total > 0 ? String(format: "%.4f", Double(right) / Double(total)) : "n/a" }
        print("per class uninfected \(share(c[0][0], c[0][0] + c[0][1]))  infected \(share(c[1][1], c[1][0] + c[1][1]))")
        print("ROC AUC   " + (metrics.rocAUC.map { String(format: "%.4f", $0) } ?? "n/a"))
        print("confusion [[TN, FP], [FN, TP]] = \(metrics.confusion)")
    }
}
