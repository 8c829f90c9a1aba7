import Testing
@testable import NeuralNet

/// The fused inference plan (folded batch norm, fused ReLU and pooling, padded-row im2col) against the unfused
/// training-time network in inference mode.
@Suite struct InferenceTests {
    func compare(_ arch: Architecture, batch: Int, seed: UInt64, threads: Int = 1) throws {
        let weights = try randomModelWeights(arch, seed: seed)
        let model = try Model(architecture: arch, weights: weights)
        let network = Network(resolved: model.resolved, weights: weights, dropoutSeed: 0)
        let x = randomTensor([batch] + model.inputShape, seed: seed + 1)
        var reference = network.forward(x, training: false)
        if arch.layers.last?.type != .softmax { reference = softmaxRows(reference) }
        let fused = try InferenceSession(model: model, threads: threads).probabilities(x)
        #expect(fused.shape == [batch, arch.classNames.count])
        #expect(maxAbsDifference(fused.values, reference.values) < 1e-5)
    }

    @Test func defaultClassifierFoldingMatchesUnfused() throws {
        let arch = Architecture.defaultClassifier(inputSize: 64)
        let model = try Model(architecture: arch, weights: try randomModelWeights(arch, seed: 1))
        guard case .conv(let first) = model.plan.ops.first else { Issue.record("plan does not start with a conv"); return }
        #expect(first.padded && first.relu && first.pool != nil)
        #expect(!model.plan.ops.contains { if case .affine = $0 { return true } else { return false } })
        try compare(arch, batch: 3, seed: 1)
        try compare(arch, batch: 7, seed: 2, threads: 2)
    }

    @Test func otherLayoutsMatchUnfused() throws {
        // Two input channels (im2col first layer), strided conv with bias, standalone BN, avg pool, 1×1 conv,
        // dense→BN→ReLU→dense, no trailing softmax.
        let arch = Architecture(
            input: InputSpec(channels: 2, height: 17, width: 15, normalisation: "none"),
            layers: [.conv2d(name: "c1", filters: 5, kernel: 3, stride: 2, padding: 1), .relu,
                     .batchNorm(name: "bn1"), .avgPool(kernel: 2), .conv2d(name: "c2", filters: 4, kernel: 1),
                     .maxPool(kernel: 3, stride: 1), .relu, .dense(name: "d1", units: 6), .batchNorm(name: "bn2"), .relu,
                     .dropout(rate: 0.5), .dense(name: "d2", units: 3)],
            classNames: ["a", "b", "c"])
        try compare(arch, batch: 4, seed: 3)
        // One-channel 5×5 padded first layer, odd sizes, 2×2 pool dropping the last row.
        let direct = Architecture(
            input: InputSpec(channels: 1, height: 21, width: 37, normalisation: "none"),
            layers: [.conv2d(name: "c1", filters: 3, kernel: 5, padding: 2), .maxPool(kernel: 2), .globalAvgPool,
                     .dense(name: "d", units: 2), .softmax],
            classNames: ["uninfected", "infected"])
        try compare(direct, batch: 2, seed: 4)
        // Padded conv writing straight into the next padded conv's input, then conv + BN + global pool without ReLU.
        let chained = Architecture(
            input: InputSpec(channels: 2, height: 10, width: 12, normalisation: "none"),
            layers: [.conv2d(name: "c1", filters: 4, kernel: 3, padding: 1), .conv2d(name: "c2", filters: 5, kernel: 3, padding: 1, bias: false),
                     .batchNorm(name: "bn"), .globalAvgPool, .dense(name: "d", units: 2), .softmax],
            classNames: ["uninfected", "infected"])
        try compare(chained, batch: 3, seed: 5)
        // Unpadded, over-padded and very over-padded stride-1 convs (shared-row padding and its fallback).
        let paddings = Architecture(
            input: InputSpec(channels: 4, height: 9, width: 11, normalisation: "none"),
            layers: [.conv2d(name: "c1", filters: 3, kernel: 5, padding: 0), .relu,
                     .conv2d(name: "c2", filters: 4, kernel: 3, padding: 2), .relu,
                     .conv2d(name: "c3", filters: 2, kernel: 3, padding: 3), .globalAvgPool,
                     .dense(name: "d", units: 2), .softmax],
            classNames: ["uninfected", "infected"])
        let paddingOps = try Model(architecture: paddings, weights: try randomModelWeights(paddings, seed: 6)).plan.ops
        guard case .conv(let first) = paddingOps.first else { Issue.record("no conv first"); return }
        #expect(first.padded && !first.shiftedCopies && first.transposedOutput)
        try compare(paddings, batch: 2, seed: 6)
        // Long patches with few outputs take the pixel-major sgemm: with a 3×3/2 pool, without pooling into a
        // padded conv, and with a fused global pool.
        let transposed = Architecture(
            input: InputSpec(channels: 8, height: 11, width: 13, normalisation: "none"),
            layers: [.conv2d(name: "c1", filters: 12, kernel: 3, padding: 1), .relu, .maxPool(kernel: 3, stride: 2),
                     .conv2d(name: "c2", filters: 16, kernel: 3, padding: 1), .relu,
                     .conv2d(name: "c3", filters: 8, kernel: 3, padding: 1, bias: false), .batchNorm(name: "bn"),
                     .conv2d(name: "c4", filters: 6, kernel: 3, padding: 1), .relu, .globalAvgPool,
                     .dense(name: "d", units: 2), .softmax],
            classNames: ["uninfected", "infected"])
        let model = try Model(architecture: transposed, weights: try randomModelWeights(transposed, seed: 7))
        let convs = model.plan.ops.compactMap { if case .conv(let c) = $0 { return c } else { return nil } }
        #expect(convs.map(\.transposedOutput) == [true, true, true, true])
        #expect(convs.last?.globalAverage == true)
        #expect(convs.allSatisfy { $0.shiftedCopies })
        try compare(transposed, batch: 3, seed: 7)
    }

    @Test func wrongInputShapeIsRejected() throws {
        let arch = Architecture.defaultClassifier(inputSize: 32)
        let model = try Model(architecture: arch, weights: try randomModelWeights(arch, seed: 5))
        let session = InferenceSession(model: model)
        #expect(throws: TensorError.self) { try session.probabilities(Tensor(zeros: [2, 1, 64, 64])) }
        #expect(throws: TensorError.self) { try session.probabilities(crops: [Float](repeating: 0, count: 100), count: 1) }
        let p = try session.probabilities(crops: [Float](repeating: 0.5, count: 2 * 32 * 32), count: 2)
        #expect(p.shape == [2, 2])
        #expect(abs(p.values[0] + p.values[1] - 1) < 1e-6)
    }
}
