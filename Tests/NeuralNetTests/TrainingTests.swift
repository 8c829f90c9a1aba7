import Testing
@testable import NeuralNet

@Suite struct TrainingTests {
    /// 16×16 crops: class 1 is a bright ring, class 0 a bright centre blob; position, size, brightness and noise vary.
    static func ringsAndBlobs(count: Int, seed: UInt64) -> (samples: [Float], labels: [Int]) {
        var g = SeededGenerator(seed: seed)
        var samples = [Float](), labels = [Int]()
        for i in 0..<count {
            let label = i % 2
            let cy = 7.5 + (g.nextUnitFloat() - 0.5) * 2, cx = 7.5 + (g.nextUnitFloat() - 0.5) * 2
            let radius = 3.5 + g.nextUnitFloat() * 1.5
            let brightness = 0.6 + g.nextUnitFloat() * 0.4
            for y in 0..<16 {
                for x in 0..<16 {
                    let d = ((Float(y) - cy) * (Float(y) - cy) + (Float(x) - cx) * (Float(x) - cx)).squareRoot()
                    let signal: Float = label == 1 ? (abs(d - radius) < 1.2 ? 1 : 0) : (d < radius * 0.6 ? 1 : 0)
                    samples.append(signal * brightness + g.nextGaussian() * 0.1)
                }
            }
            labels.append(label)
        }
        return (samples, labels)
    }

    static let tinyArchitecture = Architecture(
        input: InputSpec(channels: 1, height: 16, width: 16, normalisation: "none"),
        layers: [.conv2d(name: "conv1", filters: 8, kernel: 3, padding: 1, bias: false), .batchNorm(name: "bn1"), .relu,
                 .maxPool(kernel: 2), .conv2d(name: "conv2", filters: 16, kernel: 3, padding: 1), .relu, .globalAvgPool,
                 .dropout(rate: 0.1), .dense(name: "fc", units: 2), .softmax],
        classNames: ["uninfected", "infected"])

    static func settings(seed: UInt64, epochs: Int) -> TrainingSettings {
        var s = TrainingSettings()
        s.epochs = epochs
        s.seed = seed
        s.batchSize = 32
        s.learningRate = 5e-3
        s.patience = 4
        s.createdAt = "2026-01-01T00:00:00Z"
        return s
    }

    @Test func learnsRingsVersusBlobs() throws {
        let data = Self.ringsAndBlobs(count: 480, seed: 1)
        var reports: [EpochReport] = []
        let (model, report) = try Trainer(architecture: Self.tinyArchitecture, settings: Self.settings(seed: 3, epochs: 12))
            .train(samples: data.samples, labels: data.labels) { reports.append($0) }
        #expect(reports == report.epochs)
        #expect(report.validationSamples == 96)
        let validation = try #require(report.validation)
        #expect(validation.accuracy > 0.95, "validation accuracy \(validation.accuracy)")

        // Fresh data the model never saw, through the fused inference path.
        let test = Self.ringsAndBlobs(count: 200, seed: 2)
        let p = try InferenceSession(model: model).probabilities(crops: test.samples, count: 200)
        let scores = (0..<200).map { p.values[2 * $0 + 1] }
        let metrics = ClassificationMetrics.binary(scores: scores, labels: test.labels)
        #expect(metrics.accuracy > 0.95, "test accuracy \(metrics.accuracy)")
        #expect((metrics.rocAUC ?? 0) > 0.98)
        #expect(model.architecture.provenance?.metrics["val_accuracy"] == validation.accuracy)
    }

    @Test func sameSeedGivesSameModel() throws {
        let data = Self.ringsAndBlobs(count: 96, seed: 4)
        let a = try Trainer(architecture: Self.tinyArchitecture, settings: Self.settings(seed: 5, epochs: 2))
            .train(samples: data.samples, labels: data.labels)
        let b = try Trainer(architecture: Self.tinyArchitecture, settings: Self.settings(seed: 5, epochs: 2))
            .train(samples: data.samples, labels: data.labels)
        let c = try Trainer(architecture: Self.tinyArchitecture, settings: Self.settings(seed: 6, epochs: 2))
            .train(samples: data.samples, labels: data.labels)
        #expect(a.model.sha256 == b.model.sha256)
        #expect(a.report == b.report)
        #expect(a.model.weightsBytes != c.model.weightsBytes)
    }

    @Test func badInputsAreRejected() {
        let trainer = Trainer(architecture: Self.tinyArchitecture, settings: Self.settings(seed: 1, epochs: 1))
        #expect(throws: TrainingError.sampleCountMismatch(values: 10, labels: 2, sampleSize: 256)) {
            try trainer.train(samples: [Float](repeating: 0, count: 10), labels: [0, 1])
        }
        #expect(throws: TrainingError.labelOutOfRange(index: 1, label: 2, classes: 2)) {
            try trainer.train(samples: [Float](repeating: 0, count: 512), labels: [0, 2])
        }
    }

    @Test func augmentationPermutesPixelsAndKeepsOrientationFree() {
        let crop = (0..<(2 * 5 * 5)).map(Float.init)
        var out = [Float](repeating: 0, count: crop.count)
        var g = SeededGenerator(seed: 1)
        var seen = Set<[Float]>()
        for _ in 0..<64 {
            crop.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
                Augmentation(gainJitter: 0, offsetJitter: 0).apply(s.baseAddress!, d.baseAddress!, channels: 2, height: 5, width: 5, generator: &g)
            } }
            #expect(out.sorted() == crop)
            // Both channels move together: channel 1 stays channel 0 plus 25.
            #expect(Array(out[25...]) == out[..<25].map { $0 + 25 })
            seen.insert(out)
        }
        #expect(seen.count == 8)  // the dihedral group of the square
        crop.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
            Augmentation.none.apply(s.baseAddress!, d.baseAddress!, channels: 2, height: 5, width: 5, generator: &g)
        } }
        #expect(out == crop)
    }
}

@Suite struct MetricsTests {
    @Test func binaryMetricsByHand() {
        let scores: [Float] = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1]
        let labels = [1, 1, 1, 0, 0, 0]
        let m = ClassificationMetrics.binary(scores: scores, labels: labels)
        #expect(m.confusion == [[2, 1], [1, 2]])
        #expect(abs(m.accuracy - 4.0 / 6) < 1e-12)
        #expect(abs(m.precision - 2.0 / 3) < 1e-12)
        #expect(abs(m.recall - 2.0 / 3) < 1e-12)
        #expect(abs(m.f1 - 2.0 / 3) < 1e-12)
        // Pairs (pos, neg) ranked correctly: 0.9 and 0.8 beat all 3; 0.3 beats 0.2 and 0.1 → 8 of 9.
        #expect(abs((m.rocAUC ?? 0) - 8.0 / 9) < 1e-12)
    }

    @Test func aucCountsTiesAsHalf() {
        #expect(ClassificationMetrics.rocAUC(scores: [0.5, 0.5], labels: [1, 0]) == 0.5)
        #expect(ClassificationMetrics.rocAUC(scores: [0.7, 0.5, 0.5], labels: [1, 1, 0]) == 0.75)
        #expect(ClassificationMetrics.rocAUC(scores: [0.1, 0.2], labels: [1, 1]) == nil)
        let none = ClassificationMetrics.binary(scores: [0.1, 0.2], labels: [0, 0])
        #expect(none.precision == 0 && none.recall == 0 && none.f1 == 0)
    }
}
