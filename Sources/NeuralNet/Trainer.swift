import Foundation

/// How the learning rate changes over training.
public enum LearningRateSchedule: String, Sendable, Codable, CaseIterable {
    /// The same rate for every step.
    case constant
    /// Cosine decay from the rate to 1% of it by the last step of `epochs`. The small late steps let the weights
    /// (and the batch-norm running statistics that follow them) settle, so validation loss stops jumping
    /// between epochs and the last epochs are the best ones.
    case cosine
}

/// Training hyper-parameters. The defaults suit a few thousand 64×64 nucleus crops.
public struct TrainingSettings: Sendable {
    public var epochs: Int = 30
    public var batchSize: Int = 32
    public var learningRate: Float = 2e-3
    public var learningRateSchedule: LearningRateSchedule = .constant
    /// Epochs of linear warm-up from a tenth of the rate (0: none); avoids large first Adam steps.
    public var warmupEpochs: Int = 0
    /// Before each validation and for the returned model, recompute every batch-norm layer's running mean and
    /// variance exactly from this many training crops (0: keep the moving averages). The moving averages trail
    /// weights that change fast, and a network that pools a small per-nucleus shift can then call a whole
    /// validation split one class; exact statistics make validation (and the kept model) match the weights.
    public var batchNormRecalibrationSamples: Int = 0
    public var weightDecay: Float = 1e-4
    /// Fraction of samples held out (after a seeded shuffle) for validation and early stopping; 0 disables both.
    public var validationFraction: Double = 0.2
    /// Stop after this many epochs without a lower validation loss; the best epoch's weights are kept.
    public var patience: Int = 6
    /// Fixes initialisation, the split, batch order, augmentation and dropout: same seed and data, same model bytes.
    public var seed: UInt64 = 1
    /// Per-class loss weights; nil weights classes by inverse frequency so a rare class is not ignored.
    public var classWeights: [Float]?
    public var augmentation: Augmentation = Augmentation()
    /// Start from these weights (every tensor of the architecture, e.g. an existing model's) instead of a random
    /// initialisation: fine-tuning a model on a lab's own plates.
    public var initialWeights: [String: Tensor]?
    /// After training, fit a temperature on the validation split and fold it into the last dense layer, so the
    /// probabilities are calibrated (a 0.9 is right about nine times in ten). Dividing the logits by T keeps
    /// every arg-max, so no call at 0.5 changes. Needs a validation split and a network ending dense → softmax.
    public var temperatureScaling = false
    /// Recorded in the model's provenance.
    public var trainingCommand: String?
    /// Recorded in the model's provenance (e.g. the campaign or files the crops came from).
    public var dataDescription: String?
    /// Provenance timestamp; nil uses the current time. Fixing it makes the whole model file reproducible.
    public var createdAt: String?

    public init() {}
}

/// One epoch's figures, reported through the progress callback and kept in the report.
public struct EpochReport: Sendable, Equatable, Codable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
}

/// What training did: every epoch, the epoch whose weights were kept, and validation metrics of the final model.
public struct TrainingReport: Sendable, Equatable, Codable {
    public var epochs: [EpochReport]
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    public var trainingSamples: Int
    public var validationSamples: Int
    public var classWeights: [Float]
    /// Metrics of the returned model on the validation split (nil without one).
    public var validation: ClassificationMetrics?
    /// How the validation split was drawn: `nucleus` (random crops) or `group` (whole image sets).
    public var validationSplit: String?
    /// The temperature folded into the last dense layer (nil when not calibrated).
    public var temperature: Double?
    /// p(infected) that maximises balanced accuracy (Youden's J) on the validation split, for the returned model.
    public var operatingThreshold: Double?
}

/// Why training could not start.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case sampleCountMismatch(values: Int, labels: Int, sampleSize: Int)
    case labelOutOfRange(index: Int, label: Int, classes: Int)
    case tooFewSamples(Int)
    case invalidSettings(String)

    public var description: String {
        switch self {
        case .sampleCountMismatch(let v, let l, let s):
            return "\(v) sample values do not make \(l) samples of \(s) values each"
        case .labelOutOfRange(let i, let l, let k): return "label \(l) of sample \(i) is not a class index below \(k)"
        case .tooFewSamples(let n): return "\(n) samples are too few to train on"
        case .invalidSettings(let s): return "invalid training settings: \(s)"
        }
    }
}

/// Trains an architecture from scratch with AdamW on weighted softmax cross-entropy, with augmentation,
/// a validation split and early stopping. Single-threaded and deterministic for a given seed.
public final class Trainer {
    public let architecture: Architecture
    public let settings: TrainingSettings

    public init(architecture: Architecture, settings: TrainingSettings = TrainingSettings()) {
        self.architecture = architecture
        self.settings = settings
    }

    /// Trains on `samples` (N×C×H×W values, row-major) with class-index `labels`; `progress` is called after each
    /// epoch, `stepProgress` after each optimiser step with the step within the epoch and the steps per epoch
    /// (for a progress bar). Returns the model with the best validation loss (or the last epoch's, without validation).
    ///
    /// `groups` (one per sample, e.g. the image set a crop came from) makes the validation split hold out whole
    /// groups: neighbouring nuclei of one image share its focus, stain and background, and a split by nucleus
    /// lets the network be validated on near-copies of what it trained on.
    public func train(samples: [Float], labels: [Int], groups: [Int]? = nil, progress: ((EpochReport) -> Void)? = nil,
                      stepProgress: ((_ step: Int, _ steps: Int) -> Void)? = nil) throws
        -> (model: Model, report: TrainingReport)
    {
        BLASThreads.ensureConfigured()
        let resolved: [ResolvedLayer]
        do { resolved = try architecture.resolve(source: "architecture") } catch let e as ArchitectureError {
            throw ModelError.invalidArchitecture(source: e.source, reason: e.reason)
        }
        let shape = [architecture.input.channels, architecture.input.height, architecture.input.width]
        let sampleSize = shape.reduce(1, *), classes = architecture.classNames.count
        guard samples.count == labels.count * sampleSize else {
            throw TrainingError.sampleCountMismatch(values: samples.count, labels: labels.count, sampleSize: sampleSize)
        }
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw TrainingError.labelOutOfRange(index: i, label: labels[i], classes: classes)
        }
        guard labels.count >= 2 else { throw TrainingError.tooFewSamples(labels.count) }
        guard settings.epochs > 0, settings.batchSize > 0, settings.learningRate > 0, settings.batchNormRecalibrationSamples >= 0,
              settings.validationFraction >= 0, settings.validationFraction < 1,
              settings.warmupEpochs >= 0, settings.warmupEpochs < settings.epochs else {
            throw TrainingError.invalidSettings("epochs, batch size and learning rate must be positive, validation fraction in [0, 1), warm-up epochs in [0, epochs)")
        }
        if let w = settings.classWeights, w.count != classes || w.contains(where: { $0 < 0 }) {
            throw TrainingError.invalidSettings("class weights must be \(classes) non-negative numbers")
        }

        if let groups, groups.count != labels.count {
            throw TrainingError.invalidSettings("\(groups.count) groups for \(labels.count) samples")
        }
        var generator = SeededGenerator(seed: settings.seed)
        var order = Array(labels.indices)
        generator.shuffle(&order)
        let validationCount = settings.validationFraction > 0 ? max(1, Int(Double(labels.count) * settings.validationFraction)) : 0
        var validationIndices = Array(order.prefix(validationCount))
        var trainIndices = Array(order.dropFirst(validationCount))
        var split = "nucleus"
        if let groups, validationCount > 0, Set(groups).count >= 2 {
            // Whole groups, in a seeded order, until the validation split is as large as asked (never all groups).
            var ids = Array(Set(groups)).sorted()
            generator.shuffle(&ids)
            var held = Set<Int>(), heldCount = 0
            let sizes = Dictionary(grouping: groups, by: { $0 }).mapValues(\.count)
            for id in ids.dropLast() where heldCount < validationCount {
                held.insert(id)
                heldCount += sizes[id] ?? 0
            }
            validationIndices = order.filter { held.contains(groups[$0]) }
            trainIndices = order.filter { !held.contains(groups[$0]) }
            split = "group"
        }
        guard !trainIndices.isEmpty else { throw TrainingError.tooFewSamples(labels.count) }

        let classWeights = settings.classWeights ?? {
            var counts = [Int](repeating: 0, count: classes)
            for i in trainIndices { counts[labels[i]] += 1 }
            return counts.map { $0 > 0 ? Float(trainIndices.count) / Float(classes * $0) : 0 }
        }()

        var startWeights = Network.initialWeights(resolved, generator: &generator)
        if let given = settings.initialWeights {
            do { _ = try Model(architecture: architecture, weights: given) } catch {
                throw TrainingError.invalidSettings("the weights to fine-tune do not fit the architecture: \(error)")
            }
            startWeights = given
        }
        let network = Network(resolved: resolved, weights: startWeights, dropoutSeed: settings.seed)
        // The loss works on logits; a trailing softmax layer is skipped in training and evaluation.
        let logitLayers = architecture.layers.last?.type == .softmax ? network.layers.count - 1 : network.layers.count
        let optimiser = AdamW(parameters: network.parameters, learningRate: settings.learningRate,
                              weightDecay: settings.weightDecay)

        var epochs: [EpochReport] = []
        var best: (loss: Double, epoch: Int, weights: [String: Tensor])?
        var stoppedEarly = false
        var batch = [Float](repeating: 0, count: settings.batchSize * sampleSize)
        let stepsPerEpoch = (trainIndices.count + settings.batchSize - 1) / settings.batchSize
        var step = 0
        for epoch in 1...settings.epochs {
            generator.shuffle(&trainIndices)
            var lossSum = 0.0, correct = 0
            var start = 0, stepInEpoch = 0
            while start < trainIndices.count {
                let ids = Array(trainIndices[start..<min(start + settings.batchSize, trainIndices.count)])
                start += ids.count
                stepInEpoch += 1
                defer { stepProgress?(stepInEpoch, stepsPerEpoch) }
                samples.withUnsafeBufferPointer { src in
                    batch.withUnsafeMutableBufferPointer { dst in
                        for (j, i) in ids.enumerated() {
                            settings.augmentation.apply(src.baseAddress! + i * sampleSize, dst.baseAddress! + j * sampleSize,
                                                        channels: shape[0], height: shape[1], width: shape[2],
                                                        generator: &generator)
                        }
                    }
                }
                let x = Tensor([ids.count] + shape, Array(batch.prefix(ids.count * sampleSize)))
                let batchLabels = ids.map { labels[$0] }
                optimiser.learningRate = learningRate(step: step, stepsPerEpoch: stepsPerEpoch)
                step += 1
                optimiser.zeroGradients()
                let logits = network.forward(x, training: true, upTo: logitLayers)
                let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: batchLabels, classWeights: classWeights)
                _ = network.backward(gradient, from: logitLayers)
                optimiser.update()
                lossSum += Double(loss) * Double(ids.count)
                correct += zip(argmaxRows(logits), batchLabels).filter { $0 == $1 }.count
            }
            var report = EpochReport(epoch: epoch, trainLoss: lossSum / Double(trainIndices.count),
                                     trainAccuracy: Double(correct) / Double(trainIndices.count))
            if settings.batchNormRecalibrationSamples > 0 {
                recalibrateBatchNorm(network, samples: samples,
                                     indices: Array(trainIndices.prefix(settings.batchNormRecalibrationSamples)), shape: shape)
            }
            if !validationIndices.isEmpty {
                let (loss, accuracy) = evaluate(network, logitLayers: logitLayers, samples: samples, labels: labels,
                                                indices: validationIndices, shape: shape, classWeights: classWeights)
                report.validationLoss = loss
                report.validationAccuracy = accuracy
                if best == nil || loss < best!.loss { best = (loss, epoch, network.exportWeights()) }
            }
            epochs.append(report)
            progress?(report)
            if let b = best, epoch - b.epoch >= settings.patience, epoch < settings.epochs {
                stoppedEarly = true
                break
            }
        }

        var finalWeights = best?.weights ?? network.exportWeights()
        let bestEpoch = best?.epoch ?? epochs.count
        var temperature: Double?
        if settings.temperatureScaling, !validationIndices.isEmpty,
           let calibrated = try Calibration.foldTemperature(architecture: architecture, weights: finalWeights,
                                                            samples: samples, labels: labels, indices: validationIndices,
                                                            sampleSize: sampleSize) {
            finalWeights = calibrated.weights
            temperature = calibrated.temperature
        }
        var arch = architecture
        var provenance = Provenance(createdAt: settings.createdAt ?? ISO8601DateFormatter().string(from: Date()), software: "viroscope NeuralNet",
                                    trainingCommand: settings.trainingCommand, data: settings.dataDescription,
                                    seed: settings.seed, epochs: bestEpoch)
        var model = try Model(architecture: arch, weights: finalWeights)
        var metrics: ClassificationMetrics?
        if !validationIndices.isEmpty {
            let m = try validationMetrics(model, samples: samples, labels: labels, indices: validationIndices, sampleSize: sampleSize)
            metrics = m
            provenance.metrics = ["val_accuracy": m.accuracy, "val_precision": m.precision, "val_recall": m.recall,
                                  "val_f1": m.f1]
            if let auc = m.rocAUC { provenance.metrics["val_roc_auc"] = auc }
            if let loss = epochs[bestEpoch - 1].validationLoss { provenance.metrics["val_loss"] = loss }
        }
        arch.provenance = provenance
        model = try Model(architecture: arch, weights: finalWeights)
        var operatingThreshold: Double?
        if !validationIndices.isEmpty {
            operatingThreshold = try Calibration.youdenThreshold(model, samples: samples, labels: labels,
                                                                 indices: validationIndices, sampleSize: sampleSize)
        }
        let report = TrainingReport(epochs: epochs, bestEpoch: bestEpoch, stoppedEarly: stoppedEarly,
                                    trainingSamples: trainIndices.count, validationSamples: validationIndices.count,
                                    classWeights: classWeights, validation: metrics,
                                    validationSplit: validationIndices.isEmpty ? nil : split,
                                    temperature: temperature, operatingThreshold: operatingThreshold)
        return (model, report)
    }

    /// The rate for a zero-based optimiser step under the schedule and warm-up.
    func learningRate(step: Int, stepsPerEpoch: Int) -> Float {
        let base = settings.learningRate
        let warmupSteps = settings.warmupEpochs * stepsPerEpoch
        if step < warmupSteps {
            return base * (0.1 + 0.9 * Float(step) / Float(warmupSteps))
        }
        switch settings.learningRateSchedule {
        case .constant:
            return base
        case .cosine:
            let total = max(1, settings.epochs * stepsPerEpoch - warmupSteps - 1)
            let progress = min(1, Double(step - warmupSteps) / Double(total))
            let floor = 0.01
            return base * Float(floor + (1 - floor) * 0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    /// Sets each batch-norm layer's running statistics to the mean and unbiased variance of its input over
    /// `indices`, in inference mode and layer by layer, so every layer sees exactly what inference will feed it.
    private func recalibrateBatchNorm(_ network: Network, samples: [Float], indices: [Int], shape: [Int]) {
        let sampleSize = shape.reduce(1, *)
        for (position, layer) in network.layers.enumerated() {
            guard let bn = layer as? BatchNormLayer else { continue }
            let c = bn.runningMean.count
            var sum = [Double](repeating: 0, count: c), sq = [Double](repeating: 0, count: c)
            var count = 0.0
            var start = 0
            while start < indices.count {
                let ids = Array(indices[start..<min(start + 256, indices.count)])
                start += ids.count
                var values = [Float]()
                values.reserveCapacity(ids.count * sampleSize)
                for i in ids { values.append(contentsOf: samples[(i * sampleSize)..<((i + 1) * sampleSize)]) }
                let x = network.forward(Tensor([ids.count] + shape, values), training: false, upTo: position)
                let sp = x.count / (ids.count * c)
                x.values.withUnsafeBufferPointer { xp in
                    for s in 0..<ids.count {
                        for ch in 0..<c {
                            let row = xp.baseAddress! + (s * c + ch) * sp
                            var a: Float = 0, b: Float = 0
                            for i in 0..<sp { let v = row[i]; a += v; b += v * v }
                            sum[ch] += Double(a); sq[ch] += Double(b)
                        }
                    }
                }
                count += Double(ids.count * sp)
            }
            guard count > 1 else { continue }
            for ch in 0..<c {
                let mean = sum[ch] / count
                let variance = max(0, sq[ch] / count - mean * mean) * count / (count - 1)
                bn.runningMean[ch] = Float(mean)
                bn.runningVar[ch] = Float(variance)
            }
        }
    }

    private func evaluate(_ network: Network, logitLayers: Int, samples: [Float], labels: [Int], indices: [Int],
                          shape: [Int], classWeights: [Float]) -> (loss: Double, accuracy: Double) {
        let sampleSize = shape.reduce(1, *)
        var lossSum = 0.0, weightSum = 0.0, correct = 0
        var start = 0
        while start < indices.count {
            let ids = Array(indices[start..<min(start + 256, indices.count)])
            start += ids.count
            var values = [Float]()
            values.reserveCapacity(ids.count * sampleSize)
            for i in ids { values.append(contentsOf: samples[(i * sampleSize)..<((i + 1) * sampleSize)]) }
            let logits = network.forward(Tensor([ids.count] + shape, values), training: false, upTo: logitLayers)
            let batchLabels = ids.map { labels[$0] }
            let (loss, _) = softmaxCrossEntropy(logits: logits, labels: batchLabels, classWeights: classWeights)
            let w = batchLabels.reduce(0.0) { $0 + Double(classWeights[$1]) }
            lossSum += Double(loss) * w
            weightSum += w
            correct += zip(argmaxRows(logits), batchLabels).filter { $0 == $1 }.count
        }
        return (weightSum > 0 ? lossSum / weightSum : 0, Double(correct) / Double(indices.count))
    }

    private func validationMetrics(_ model: Model, samples: [Float], labels: [Int], indices: [Int],
                                   sampleSize: Int) throws -> ClassificationMetrics {
        var values = [Float]()
        values.reserveCapacity(indices.count * sampleSize)
        for i in indices { values.append(contentsOf: samples[(i * sampleSize)..<((i + 1) * sampleSize)]) }
        let p = try InferenceSession(model: model).probabilities(crops: values, count: indices.count)
        let k = p.sampleSize
        let scores = (0..<indices.count).map { p.values[$0 * k + min(1, k - 1)] }
        return ClassificationMetrics.binary(scores: scores, labels: indices.map { labels[$0] == 1 ? 1 : 0 })
    }
}

func argmaxRows(_ t: Tensor) -> [Int] {
    let k = t.sampleSize
    return (0..<t.batchSize).map { s in
        var best = 0
        for j in 1..<k where t.values[s * k + j] > t.values[s * k + best] { best = j }
        return best
    }
}
