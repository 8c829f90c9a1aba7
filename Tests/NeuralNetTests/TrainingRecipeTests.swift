import Testing
@testable import NeuralNet

/// The training recipe beyond plain training: validation by group, fine-tuning, calibration, strong augmentation.
@Suite struct TrainingRecipeTests {
    private typealias Data = (samples: [Float], labels: [Int])

    private func calls(_ model: Model, _ data: Data) throws -> [Int] {
        let p = try InferenceSession(model: model).probabilities(crops: data.samples, count: data.labels.count)
        return (0..<data.labels.count).map { p.values[2 * $0 + 1] >= 0.5 ? 1 : 0 }
    }

    @Test func validationHoldsOutWholeGroups() throws {
        let data = TrainingTests.ringsAndBlobs(count: 400, seed: 1)
        let groups = data.labels.indices.map { $0 / 20 }  // 20 "image sets" of 20 crops
        let (_, report) = try Trainer(architecture: TrainingTests.tinyArchitecture, settings: TrainingTests.settings(seed: 3, epochs: 2))
            .train(samples: data.samples, labels: data.labels, groups: groups)
        #expect(report.validationSplit == "group")
        #expect(report.validationSamples % 20 == 0 && report.validationSamples >= 80 && report.validationSamples < 400)
        #expect(report.trainingSamples + report.validationSamples == 400)
        #expect(throws: TrainingError.self) {
            try Trainer(architecture: TrainingTests.tinyArchitecture, settings: TrainingTests.settings(seed: 3, epochs: 1))
                .train(samples: data.samples, labels: data.labels, groups: [1, 2])
        }
    }

    @Test func fineTuningStartsFromTheGivenWeights() throws {
        let data = TrainingTests.ringsAndBlobs(count: 480, seed: 1)
        let (base, _) = try Trainer(architecture: TrainingTests.tinyArchitecture, settings: TrainingTests.settings(seed: 3, epochs: 12))
            .train(samples: data.samples, labels: data.labels)
        var settings = TrainingTests.settings(seed: 9, epochs: 1)
        settings.learningRate = 1e-5
        settings.initialWeights = base.weights
        let (tuned, report) = try Trainer(architecture: TrainingTests.tinyArchitecture, settings: settings)
            .train(samples: data.samples, labels: data.labels)
        // One epoch at a tiny rate from random weights would be near chance; from the base model it stays good.
        #expect((report.epochs.first?.validationAccuracy ?? 0) > 0.9, "\(report.epochs)")
        let test = TrainingTests.ringsAndBlobs(count: 200, seed: 2)
        let agreement = zip(try calls(tuned, test), try calls(base, test)).filter { $0 == $1 }.count
        #expect(agreement >= 190)

        settings.initialWeights = ["conv1.weight": Tensor(zeros: [1, 1, 1, 1])]
        #expect(throws: TrainingError.self) {
            try Trainer(architecture: TrainingTests.tinyArchitecture, settings: settings).train(samples: data.samples, labels: data.labels)
        }
    }

    @Test func temperatureScalingChangesProbabilitiesNotCalls() throws {
        let data = TrainingTests.ringsAndBlobs(count: 480, seed: 1)
        let plain = try Trainer(architecture: TrainingTests.tinyArchitecture, settings: TrainingTests.settings(seed: 3, epochs: 6))
            .train(samples: data.samples, labels: data.labels)
        var settings = TrainingTests.settings(seed: 3, epochs: 6)
        settings.temperatureScaling = true
        let calibrated = try Trainer(architecture: TrainingTests.tinyArchitecture, settings: settings)
            .train(samples: data.samples, labels: data.labels)
        let temperature = try #require(calibrated.report.temperature)
        #expect(temperature >= 0.5 && temperature <= 20)
        #expect(plain.report.temperature == nil)
        let test = TrainingTests.ringsAndBlobs(count: 200, seed: 2)
        #expect(try calls(plain.model, test) == calls(calibrated.model, test))
        let threshold = try #require(calibrated.report.operatingThreshold)
        #expect(threshold > 0 && threshold < 1)
    }

    @Test func strongAugmentationIsDeterministicFiniteAndBeyondFlips() {
        let crop = (0..<(16 * 16)).map { Float($0 % 16) / 16 }
        func augmented(_ augmentation: Augmentation, seed: UInt64) -> [Float] {
            var out = [Float](repeating: 0, count: crop.count)
            var g = SeededGenerator(seed: seed)
            crop.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
                augmentation.apply(s.baseAddress!, d.baseAddress!, channels: 1, height: 16, width: 16, generator: &g)
            } }
            return out
        }
        let strong = augmented(.strong, seed: 4)
        #expect(strong == augmented(.strong, seed: 4))
        #expect(strong.allSatisfy { $0.isFinite })
        // Flips and turns only permute values; the strong set also resamples, blurs, adds noise and bends gamma.
        #expect(augmented(Augmentation(gainJitter: 0, offsetJitter: 0), seed: 4).sorted() == crop.sorted())
        var photometricOnly = Augmentation(flips: false, rotations: false, gainJitter: 0, offsetJitter: 0)
        photometricOnly.extra = Augmentation.Extra(noise: 0.05)
        #expect(augmented(photometricOnly, seed: 4).sorted() != crop.sorted())
        #expect(augmented(Augmentation(), seed: 4) == augmented(Augmentation(), seed: 4))
    }
}
