/// The training-time network: every layer kept separate (batch norm with batch statistics, dropout active)
/// so gradients flow through each. Inference uses the fused `InferencePlan` instead.
final class Network {
    let resolved: [ResolvedLayer]
    let layers: [NetworkLayer]

    /// Builds layers from checked weights (see `Model.validate`); `dropoutSeed` fixes the dropout masks.
    init(resolved: [ResolvedLayer], weights: [String: Tensor], dropoutSeed: UInt64) {
        self.resolved = resolved
        var layers: [NetworkLayer] = []
        var dropoutIndex: UInt64 = 0
        for r in resolved {
            let l = r.spec
            func param(_ suffix: String, decays: Bool) -> Parameter {
                let name = "\(l.name ?? "").\(suffix)"
                let t = weights[name]!
                return Parameter(name: name, shape: t.shape, value: t.values, decays: decays)
            }
            switch l.type {
            case .conv2d:
                let g = ConvGeometry(inChannels: r.inputShape[0], height: r.inputShape[1], width: r.inputShape[2],
                                     outChannels: r.outputShape[0], kernel: l.kernel ?? 1, stride: l.stride ?? 1,
                                     padding: l.padding ?? 0)
                layers.append(Conv2DLayer(geometry: g, weight: param("weight", decays: true),
                                          bias: (l.bias ?? true) ? param("bias", decays: false) : nil))
            case .batchNorm:
                let n = l.name ?? ""
                layers.append(BatchNormLayer(
                    name: n, gamma: param("weight", decays: false), beta: param("bias", decays: false),
                    runningMean: weights["\(n).running_mean"]!.values, runningVar: weights["\(n).running_var"]!.values,
                    epsilon: l.epsilon ?? 1e-5, momentum: l.momentum ?? 0.1))
            case .relu: layers.append(ReLULayer())
            case .maxPool, .avgPool:
                let k = l.kernel ?? 1
                layers.append(PoolLayer(kernel: k, stride: l.stride ?? k, isMax: l.type == .maxPool))
            case .globalAvgPool: layers.append(GlobalAvgPoolLayer())
            case .dense: layers.append(DenseLayer(weight: param("weight", decays: true), bias: param("bias", decays: false)))
            case .dropout:
                dropoutIndex += 1
                layers.append(DropoutLayer(rate: l.rate ?? 0, seed: dropoutSeed &+ dropoutIndex &* 0x9E37_79B9))
            case .softmax: layers.append(SoftmaxLayer())
            }
        }
        self.layers = layers
    }

    /// He-normal weights for conv and dense layers (suited to ReLU), zero biases, identity batch norms.
    static func initialWeights(_ resolved: [ResolvedLayer], generator: inout SeededGenerator) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for r in resolved {
            for (name, shape) in r.parameters {
                let count = shape.reduce(1, *)
                var values = [Float](repeating: 0, count: count)
                if name.hasSuffix(".weight") && r.spec.type != .batchNorm {
                    let fanIn = shape.dropFirst().reduce(1, *)
                    let std = (2 / Float(fanIn)).squareRoot()
                    for i in 0..<count { values[i] = generator.nextGaussian() * std }
                } else if r.spec.type == .batchNorm && (name.hasSuffix(".weight") || name.hasSuffix(".running_var")) {
                    values = [Float](repeating: 1, count: count)
                }
                out[name] = Tensor(shape, values)
            }
        }
        return out
    }

    var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    func forward(_ x: Tensor, training: Bool, upTo end: Int? = nil) -> Tensor {
        var t = x
        for l in layers.prefix(end ?? layers.count) { t = l.forward(t, training: training) }
        return t
    }

    func backward(_ dy: Tensor, from end: Int? = nil) -> Tensor {
        var g = dy
        for l in layers.prefix(end ?? layers.count).reversed() { g = l.backward(g) }
        return g
    }

    func exportWeights() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for l in layers { l.export(into: &out) }
        return out
    }
}
