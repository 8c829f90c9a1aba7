import Testing
@testable import NeuralNet

/// Every layer's backward pass against central finite differences of L = Σ y·r (accumulated in Double).
@Suite struct LayerBackwardTests {
    static let eps: Float = 1e-2

    /// Checks input and parameter gradients at up to `samples` coordinates each.
    func check(_ layer: NetworkLayer, input: Tensor, seed: UInt64, samples: Int = 24,
               reset: () -> Void = {}) {
        reset()
        let y = layer.forward(input, training: true)
        let r = randomTensor(y.shape, seed: seed)
        for p in layer.parameters { p.grad = [Float](repeating: 0, count: p.grad.count) }
        let dx = layer.backward(r)
        #expect(dx.shape == input.shape)

        func loss(_ x: Tensor) -> Double {
            reset()
            let out = layer.forward(x, training: true)
            var sum = 0.0
            for i in 0..<out.count { sum += Double(out.values[i]) * Double(r.values[i]) }
            return sum
        }
        var g = SeededGenerator(seed: seed &+ 99)
        for _ in 0..<min(samples, input.count) {
            let i = g.nextInt(below: input.count)
            var plus = input, minus = input
            plus.values[i] += Self.eps; minus.values[i] -= Self.eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * Self.eps)
            #expect(abs(numeric - Double(dx.values[i])) < 2e-3 * max(1, abs(numeric)), "input[\(i)]")
        }
        for p in layer.parameters {
            let analytic = p.grad
            for _ in 0..<min(samples, p.value.count) {
                let i = g.nextInt(below: p.value.count)
                let original = p.value[i]
                p.value[i] = original + Self.eps
                let lp = loss(input)
                p.value[i] = original - Self.eps
                let lm = loss(input)
                p.value[i] = original
                let numeric = (lp - lm) / Double(2 * Self.eps)
                #expect(abs(numeric - Double(analytic[i])) < 2e-3 * max(1, abs(numeric)), "\(p.name)[\(i)]")
            }
        }
    }

    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (5, 2, 0)])
    func conv(kernel: Int, stride: Int, padding: Int) {
        let g = ConvGeometry(inChannels: 2, height: 9, width: 8, outChannels: 3, kernel: kernel, stride: stride, padding: padding)
        let layer = Conv2DLayer(
            geometry: g,
            weight: Parameter(name: "w", shape: [3, 2, kernel, kernel], value: randomValues(3 * 2 * kernel * kernel, seed: 2), decays: true),
            bias: Parameter(name: "b", shape: [3], value: randomValues(3, seed: 3), decays: false))
        check(layer, input: randomTensor([2, 2, 9, 8], seed: 1), seed: 4)
    }

    @Test func batchNorm() {
        let layer = BatchNormLayer(name: "bn", gamma: Parameter(name: "bn.weight", shape: [3], value: [1.5, 0.7, -0.4], decays: false),
                                   beta: Parameter(name: "bn.bias", shape: [3], value: [0.1, -0.2, 0.3], decays: false),
                                   runningMean: [0, 0, 0], runningVar: [1, 1, 1], epsilon: 1e-5, momentum: 0.1)
        check(layer, input: randomTensor([4, 3, 3, 3], seed: 5, scale: 2), seed: 6)
        let dense = BatchNormLayer(name: "bn", gamma: Parameter(name: "bn.weight", shape: [5], value: randomValues(5, seed: 7), decays: false),
                                   beta: Parameter(name: "bn.bias", shape: [5], value: randomValues(5, seed: 8), decays: false),
                                   runningMean: [Float](repeating: 0, count: 5), runningVar: [Float](repeating: 1, count: 5),
                                   epsilon: 1e-5, momentum: 0.1)
        check(dense, input: randomTensor([6, 5], seed: 9, scale: 2), seed: 10)
    }

    @Test func reluAndPools() {
        check(ReLULayer(), input: wellSeparatedTensor([2, 2, 5, 5], seed: 11), seed: 12)
        check(PoolLayer(kernel: 2, stride: 2, isMax: true), input: wellSeparatedTensor([2, 2, 6, 6], seed: 13), seed: 14)
        check(PoolLayer(kernel: 3, stride: 2, isMax: true), input: wellSeparatedTensor([1, 2, 7, 7], seed: 15), seed: 16)
        check(PoolLayer(kernel: 3, stride: 1, isMax: false), input: randomTensor([2, 2, 5, 6], seed: 17), seed: 18)
        check(GlobalAvgPoolLayer(), input: randomTensor([2, 3, 4, 4], seed: 19), seed: 20)
    }

    @Test func denseDropoutSoftmax() {
        let dense = DenseLayer(weight: Parameter(name: "w", shape: [4, 12], value: randomValues(48, seed: 21), decays: true),
                               bias: Parameter(name: "b", shape: [4], value: randomValues(4, seed: 22), decays: false))
        check(dense, input: randomTensor([3, 3, 2, 2], seed: 23), seed: 24)
        let dropout = DropoutLayer(rate: 0.3, seed: 1)
        check(dropout, input: randomTensor([3, 10], seed: 25), seed: 26, reset: { dropout.generator = SeededGenerator(seed: 77) })
        check(SoftmaxLayer(), input: randomTensor([3, 4], seed: 27, scale: 2), seed: 28)
    }

    @Test func softmaxCrossEntropyGradient() {
        let logits = randomTensor([5, 3], seed: 29, scale: 2)
        let labels = [0, 2, 1, 1, 0]
        let weights: [Float] = [1, 2, 0.5]
        let (_, grad) = softmaxCrossEntropy(logits: logits, labels: labels, classWeights: weights)
        var g = SeededGenerator(seed: 30)
        for _ in 0..<10 {
            let i = g.nextInt(below: logits.count)
            var plus = logits, minus = logits
            plus.values[i] += 1e-2; minus.values[i] -= 1e-2
            let numeric = (Double(softmaxCrossEntropy(logits: plus, labels: labels, classWeights: weights).loss)
                - Double(softmaxCrossEntropy(logits: minus, labels: labels, classWeights: weights).loss)) / 2e-2
            #expect(abs(numeric - Double(grad.values[i])) < 2e-3 * max(1, abs(numeric)))
        }
    }
}
