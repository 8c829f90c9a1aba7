import Analysis
import ArgumentParser
import Foundation
import NeuralNet

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the infected/uninfected classifier on nucleus crops labelled by a reporter channel or truth files.",
        discussion: """
            Nuclei are segmented on the nuclear channel; each is labelled infected when its mean reporter (GFP) \
            intensity is above a threshold (Otsu over all nuclei, or --reporter-threshold), or from the \
            ground-truth files of a synthetic campaign (--labels truth). The network sees the nuclear channel only.
            """)

    @OptionGroup var dataOptions: LabelledDataOptions

    @Option(help: "Label source: reporter or truth.")
    var labels = "reporter"

    @Option(help: "Output model directory.")
    var out: String

    @Option(help: "Maximum epochs (training stops early when validation loss stops improving).")
    var epochs = 30

    @Option(help: "Random seed: the same data and seed give the same model.")
    var seed: UInt64 = 1

    @Option(help: "Crop size in pixels.")
    var cropSize = 64

    @Option(help: "Use at most this many image sets (spread over the data).")
    var maxImageSets: Int?

    @Option(help: "Convolution blocks: 4 (the shipped model; its view spans a whole enlarged nucleus) or 3 (the earlier, 0.8× FLOPs network).")
    var stages = 4

    @Option(help: "Peak AdamW learning rate.")
    var learningRate: Float = 2e-3

    @Option(help: "Learning-rate schedule: cosine (decays to 1% by the last epoch, so the final weights settle) or constant.")
    var lrSchedule = "cosine"

    @Option(help: "Epochs of linear learning-rate warm-up (0: none).")
    var warmupEpochs = 1

    @Option(help: "Crops per optimiser step.")
    var batchSize = 32

    @Option(help: "Stop after this many epochs without a lower validation loss (default: never stop early with the cosine schedule, 6 with constant).")
    var patience: Int?

    @Option(help: "Recompute batch-norm statistics exactly from this many training crops before each validation and for the saved model (0: keep the moving averages).")
    var bnRecalibration = 2048

    @Option(help: "Fraction of the nuclei held out for validation and choosing the best epoch.")
    var validationFraction = 0.2

    @Option(help: "Validation split: image-set (whole image sets held out, no near-copies of training crops in validation) or nucleus.")
    var splitBy = "image-set"

    @Option(help: "Augmentation: basic (flips, 90° turns, gain, offset) or strong (also scale, aspect, shifts, blur, noise, gamma).")
    var augment = "basic"

    @Option(help: "Start from this model's weights (its architecture; --stages and --crop-size are ignored). Use a lower --learning-rate, e.g. 5e-4.")
    var fineTune: String?

    @Flag(help: "Skip temperature scaling (calibrated probabilities are fitted on the validation split by default).")
    var noCalibration = false

    func validate() throws {
        try dataOptions.check(labels: labels)
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard LearningRateSchedule(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be one of " + LearningRateSchedule.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard warmupEpochs >= 0, warmupEpochs < epochs else { throw ValidationError("--warmup-epochs must be in [0, epochs)") }
        guard [3, 4].contains(stages) else { throw ValidationError("--stages must be 3 or 4") }
        guard bnRecalibration >= 0 else { throw ValidationError("--bn-recalibration must not be negative") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard patience.map({ $0 >= 1 }) ?? true else { throw ValidationError("--patience must be at least 1") }
        guard ["image-set", "nucleus"].contains(splitBy) else { throw ValidationError("--split-by must be image-set or nucleus") }
        guard ["basic", "strong"].contains(augment) else { throw ValidationError("--augment must be basic or strong") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw ValidationError("--validation-fraction must be between 0 and 1")
        }
    }

    func run() throws {
        var architecture = Architecture.defaultClassifier(inputSize: cropSize, stages: stages)
        var startModel: Model?
        if let fineTune {
            let base = try Model.load(directory: URL(fileURLWithPath: fineTune))
            architecture = base.architecture
            architecture.provenance = nil
            startModel = base
        }
        let set = try dataOptions.collect(labels: labels, input: architecture.input, maxImageSets: maxImageSets)
        stderrLine("\(set.count) labelled nuclei (\(set.infected) infected) from \(set.imageSets.count) image sets"
                   + (set.reporterThreshold.map { String(format: "; reporter threshold %.1f", $0) } ?? "")
                   + (set.unlabelled > 0 ? "; \(set.unlabelled) nuclei without a truth match skipped" : ""))
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.seed = seed
        let schedule = LearningRateSchedule(rawValue: lrSchedule) ?? .cosine
        settings.learningRateSchedule = schedule
        settings.learningRate = learningRate
        settings.warmupEpochs = warmupEpochs
        settings.batchSize = batchSize
        settings.batchNormRecalibrationSamples = bnRecalibration
        settings.validationFraction = validationFraction
        settings.augmentation = augment == "strong" ? .strong : Augmentation()
        settings.initialWeights = startModel?.weights
        settings.temperatureScaling = !noCalibration
        settings.patience = patience ?? (schedule == .cosine ? epochs : 6)
        settings.trainingCommand = (["viroscope"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        settings.dataDescription = "\(set.count) nuclei (\(set.infected) infected), labels: \(labels)"
        let started = Date()
        var epochProgress = ProgressReporter("epoch 1/\(epochs)", terminalOnly: true)
        let (model, report) = try Trainer(architecture: architecture, settings: settings)
            .train(samples: set.crops, labels: set.labels, groups: splitBy == "image-set" ? set.origins : nil,
                   progress: { epoch in
                epochProgress.finish()
                epochProgress = ProgressReporter("epoch \(epoch.epoch + 1)/\(epochs)", terminalOnly: true)
                let elapsed = Date().timeIntervalSince(started)
                stderrLine(String(format: "epoch %2d/%d  loss %.4f  acc %.3f", epoch.epoch, epochs, epoch.trainLoss,
                                  epoch.trainAccuracy)
                           + (epoch.validationLoss.map { String(format: "  val loss %.4f", $0) } ?? "")
                           + (epoch.validationAccuracy.map { String(format: "  val acc %.3f", $0) } ?? "")
                           + "  " + ProgressReporter.timing(elapsed: elapsed, done: epoch.epoch, total: epochs))
            }, stepProgress: { step, steps in
                epochProgress.update(step, of: steps, unit: "batches")
            })
        epochProgress.finish()
        let directory = URL(fileURLWithPath: out)
        try model.save(to: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(report).write(to: directory.appendingPathComponent("training-report.json"))
        try TrainingLabels(source: labels, nuclearChannel: dataOptions.nuclearChannel,
                           reporterChannel: labels == "reporter" ? dataOptions.reporterChannel : nil,
                           reporterThreshold: set.reporterThreshold,
                           reporterThresholdCalibrated: labels == "reporter" ? dataOptions.reporterThreshold == nil : nil)
            .save(modelDirectory: directory)
        try ModelDomain(sample: set.domain, nuclearChannel: dataOptions.nuclearChannel,
                        source: "training data: " + dataOptions.data.joined(separator: ", "))?
            .save(modelDirectory: directory)
        print("model \(model.sha256) saved to \(out) (best epoch \(report.bestEpoch), "
              + String(format: "%.0f s", Date().timeIntervalSince(started)) + ")")
        if let startModel { print("fine-tuned from \(fineTune ?? "") (model \(startModel.sha256.prefix(12)))") }
        if let temperature = report.temperature {
            print(String(format: "calibration: temperature %.3f folded into the last layer", temperature))
        }
        if let split = report.validationSplit {
            print("validation: \(report.validationSamples) nuclei held out by \(split == "group" ? "whole image set" : "nucleus")"
                  + (report.operatingThreshold.map { String(format: "; best operating threshold p ≥ %.3f (Youden)", $0) } ?? ""))
        }
        if let validation = report.validation {
            print(String(format: "validation: accuracy %.3f  precision %.3f  recall %.3f  F1 %.3f",
                         validation.accuracy, validation.precision, validation.recall, validation.f1)
                  + (validation.rocAUC.map { String(format: "  ROC AUC %.3f", $0) } ?? ""))
        }
    }
}

func stderrLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A progress line that rewrites itself on a terminal and stays quiet in logs.
func progressLine(_ text: String) {
    guard isatty(STDERR_FILENO) == 1 else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
}

func endProgressLine() {
    guard isatty(STDERR_FILENO) == 1 else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
}
