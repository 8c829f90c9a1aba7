/// Adam with decoupled weight decay (Loshchilov & Hutter): decay shrinks weights directly instead of being
/// folded into the gradient, so it is not rescaled by Adam's per-parameter step sizes. Biases and batch-norm
/// parameters are not decayed.
final class AdamW {
    /// Variable so the trainer can follow a learning-rate schedule step by step.
    var learningRate: Float
    let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private let parameters: [Parameter]
    private var m: [[Float]], v: [[Float]]
    private var step = 0

    init(parameters: [Parameter], learningRate: Float, weightDecay: Float, beta1: Float = 0.9, beta2: Float = 0.999,
         epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate; self.weightDecay = weightDecay
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    func zeroGradients() {
        for p in parameters { for i in 0..<p.grad.count { p.grad[i] = 0 } }
    }

    func update() {
        step += 1
        let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
        for (j, p) in parameters.enumerated() {
            let decay = p.decays ? 1 - learningRate * weightDecay : 1
            p.value.withUnsafeMutableBufferPointer { w in
                p.grad.withUnsafeBufferPointer { g in
                    m[j].withUnsafeMutableBufferPointer { mm in
                        v[j].withUnsafeMutableBufferPointer { vv in
                            for i in 0..<w.count {
                                mm[i] = beta1 * mm[i] + (1 - beta1) * g[i]
                                vv[i] = beta2 * vv[i] + (1 - beta2) * g[i] * g[i]
                                let update = (mm[i] / c1) / ((vv[i] / c2).squareRoot() + epsilon)
                                w[i] = w[i] * decay - learningRate * update
                            }
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
