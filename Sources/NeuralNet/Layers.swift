/// A trainable tensor with its gradient. `decays` is false for biases and batch-norm parameters, which
/// weight decay should not shrink.
final class Parameter {
    let name: String
    let shape: [Int]
    var value: [Float]
    var grad: [Float]
    let decays: Bool

    init(name: String, shape: [Int], value: [Float], decays: Bool) {
        precondition(shape.reduce(1, *) == value.count)
        self.name = name
        self.shape = shape
        self.value = value
        self.grad = [Float](repeating: 0, count: value.count)
        self.decays = decays
    }
}

/// One layer of the training-time network: batch forward (caching what backward needs) and backward
/// (accumulating parameter gradients, returning the input gradient). Not thread-safe; one per trainer.
protocol NetworkLayer: AnyObject {
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
    var parameters: [Parameter] { get }
    /// Adds the layer's tensors (parameters and running statistics) under their file names.
    func export(into tensors: inout [String: Tensor])
}

extension NetworkLayer {
    var parameters: [Parameter] { [] }
    func export(into tensors: inout [String: Tensor]) {
        for p in parameters { tensors[p.name] = Tensor(p.shape, p.value) }
    }
}

final class Conv2DLayer: NetworkLayer {
    let geometry: ConvGeometry
    let weight: Parameter  // [O, C, k, k] stored as [O, C·k·k]
    let bias: Parameter?
    private var input: Tensor?

    init(geometry: ConvGeometry, weight: Parameter, bias: Parameter?) {
        self.geometry = geometry
        self.weight = weight
        self.bias = bias
    }

    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry, n = x.batchSize
        if training { input = x }
        var out = [Float](repeating: 0, count: n * g.outChannels * g.outPixels)
        var col = [Float](repeating: 0, count: g.isPointwise ? 0 : g.patchSize * g.outPixels)
        let inSize = g.inChannels * g.height * g.width, outSize = g.outChannels * g.outPixels
        x.values.withUnsafeBufferPointer { xp in
            weight.value.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    col.withUnsafeMutableBufferPointer { cp in
                        for s in 0..<n {
                            let src = xp.baseAddress! + s * inSize
                            let b: UnsafePointer<Float>
                            if g.isPointwise { b = src } else { im2col(g, src, cp.baseAddress!); b = UnsafePointer(cp.baseAddress!) }
                            let dst = op.baseAddress! + s * outSize
                            sgemm(m: g.outChannels, n: g.outPixels, k: g.patchSize, a: wp.baseAddress!, lda: g.patchSize,
                                  b: b, ldb: g.outPixels, c: dst, ldc: g.outPixels)
                            if let bias {
                                for o in 0..<g.outChannels {
                                    let bo = bias.value[o]
                                    let row = dst + o * g.outPixels
                                    for i in 0..<g.outPixels { row[i] += bo }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor([n, g.outChannels, g.outHeight, g.outWidth], out)
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("backward before a training forward") }
        let g = geometry, n = x.batchSize
        let inSize = g.inChannels * g.height * g.width, outSize = g.outChannels * g.outPixels
        var dx = [Float](repeating: 0, count: x.count)
        var col = [Float](repeating: 0, count: g.patchSize * g.outPixels)
        var dcol = [Float](repeating: 0, count: g.patchSize * g.outPixels)
        x.values.withUnsafeBufferPointer { xp in
        dy.values.withUnsafeBufferPointer { dyp in
        weight.value.withUnsafeBufferPointer { wp in
        weight.grad.withUnsafeMutableBufferPointer { gwp in
        dx.withUnsafeMutableBufferPointer { dxp in
        col.withUnsafeMutableBufferPointer { cp in
        dcol.withUnsafeMutableBufferPointer { dcp in
            for s in 0..<n {
                let src = xp.baseAddress! + s * inSize
                let dys = dyp.baseAddress! + s * outSize
                let b: UnsafePointer<Float>
                if g.isPointwise { b = src } else { im2col(g, src, cp.baseAddress!); b = UnsafePointer(cp.baseAddress!) }
                sgemm(transB: true, m: g.outChannels, n: g.patchSize, k: g.outPixels, a: dys, lda: g.outPixels,
                      b: b, ldb: g.outPixels, beta: 1, c: gwp.baseAddress!, ldc: g.patchSize)
                let dxs = dxp.baseAddress! + s * inSize
                if g.isPointwise {
                    sgemm(transA: true, m: g.patchSize, n: g.outPixels, k: g.outChannels, a: wp.baseAddress!,
                          lda: g.patchSize, b: dys, ldb: g.outPixels, c: dxs, ldc: g.outPixels)
                } else {
                    sgemm(transA: true, m: g.patchSize, n: g.outPixels, k: g.outChannels, a: wp.baseAddress!,
                          lda: g.patchSize, b: dys, ldb: g.outPixels, c: dcp.baseAddress!, ldc: g.outPixels)
                    col2imAdd(g, dcp.baseAddress!, dxs)
                }
            }
        }}}}}}}
        if let bias {
            for s in 0..<n {
                for o in 0..<g.outChannels {
                    let base = s * outSize + o * g.outPixels
                    var sum: Float = 0
                    for i in 0..<g.outPixels { sum += dy.values[base + i] }
                    bias.grad[o] += sum
                }
            }
        }
        return Tensor(x.shape, dx)
    }
}

/// Batch normalisation over channels (axis 1) of `[N, C, H, W]` or `[N, C]`. Training uses batch statistics and
/// updates the running ones (unbiased variance, like PyTorch); inference uses the running ones.
final class BatchNormLayer: NetworkLayer {
    let name: String
    let gamma: Parameter, beta: Parameter
    var runningMean: [Float], runningVar: [Float]
    let epsilon: Float, momentum: Float
    private var xhat: [Float] = [], invStd: [Float] = [], cachedShape: [Int] = []

    init(name: String, gamma: Parameter, beta: Parameter, runningMean: [Float], runningVar: [Float],
         epsilon: Float, momentum: Float) {
        self.name = name; self.gamma = gamma; self.beta = beta
        self.runningMean = runningMean; self.runningVar = runningVar
        self.epsilon = epsilon; self.momentum = momentum
    }

    var parameters: [Parameter] { [gamma, beta] }

    func export(into tensors: inout [String: Tensor]) {
        let c = gamma.value.count
        tensors[gamma.name] = Tensor([c], gamma.value)
        tensors[beta.name] = Tensor([c], beta.value)
        tensors["\(name).running_mean"] = Tensor([c], runningMean)
        tensors["\(name).running_var"] = Tensor([c], runningVar)
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.batchSize, c = x.shape[1], sp = x.count / (n * c)
        var out = [Float](repeating: 0, count: x.count)
        if !training {
            x.values.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
                for ch in 0..<c {
                    let scale = gamma.value[ch] / (runningVar[ch] + epsilon).squareRoot()
                    let shift = beta.value[ch] - runningMean[ch] * scale
                    for s in 0..<n {
                        let base = (s * c + ch) * sp
                        for i in 0..<sp { op[base + i] = xp[base + i] * scale + shift }
                    }
                }
            } }
            return Tensor(x.shape, out)
        }
        let m = Double(n * sp)
        xhat = [Float](repeating: 0, count: x.count)
        invStd = [Float](repeating: 0, count: c)
        cachedShape = x.shape
        x.values.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
        xhat.withUnsafeMutableBufferPointer { hp in
            for ch in 0..<c {
                // Per-sample partial sums in Float (vectorised), accumulated across samples in Double.
                var sum = 0.0, sq = 0.0
                for s in 0..<n {
                    let row = xp.baseAddress! + (s * c + ch) * sp
                    var a: Float = 0, b: Float = 0
                    for i in 0..<sp { let v = row[i]; a += v; b += v * v }
                    sum += Double(a); sq += Double(b)
                }
                let mean = sum / m
                let variance = max(0, sq / m - mean * mean)
                let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                invStd[ch] = inv
                let mf = Float(mean), g = gamma.value[ch], bt = beta.value[ch]
                for s in 0..<n {
                    let base = (s * c + ch) * sp
                    for i in 0..<sp {
                        let h = (xp[base + i] - mf) * inv
                        hp[base + i] = h
                        op[base + i] = h * g + bt
                    }
                }
                let unbiased = m > 1 ? variance * m / (m - 1) : variance
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mf
                runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * Float(unbiased)
            }
        } } }
        return Tensor(x.shape, out)
    }

    func backward(_ dy: Tensor) -> Tensor {
        let n = cachedShape[0], c = cachedShape[1], sp = dy.count / (n * c)
        let m = Float(n * sp)
        var dx = [Float](repeating: 0, count: dy.count)
        dy.values.withUnsafeBufferPointer { dp in
        xhat.withUnsafeBufferPointer { hp in
        dx.withUnsafeMutableBufferPointer { xp in
            for ch in 0..<c {
                var sumDy: Float = 0, sumDyX: Float = 0
                for s in 0..<n {
                    let base = (s * c + ch) * sp
                    for i in 0..<sp { sumDy += dp[base + i]; sumDyX += dp[base + i] * hp[base + i] }
                }
                gamma.grad[ch] += sumDyX
                beta.grad[ch] += sumDy
                let k = gamma.value[ch] * invStd[ch] / m
                for s in 0..<n {
                    let base = (s * c + ch) * sp
                    for i in 0..<sp { xp[base + i] = k * (m * dp[base + i] - sumDy - hp[base + i] * sumDyX) }
                }
            }
        } } }
        return Tensor(cachedShape, dx)
    }
}

final class ReLULayer: NetworkLayer {
    private var input: [Float] = []
    func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { input = x.values }
        return Tensor(x.shape, x.values.map { fastMax($0, 0) })
    }
    func backward(_ dy: Tensor) -> Tensor {
        var dx = dy.values
        input.withUnsafeBufferPointer { xp in
            dx.withUnsafeMutableBufferPointer { dp in
                for i in 0..<dp.count { dp[i] = xp[i] > 0 ? dp[i] : 0 }
            }
        }
        return Tensor(dy.shape, dx)
    }
}

/// Max or average pooling with a square window, no padding.
final class PoolLayer: NetworkLayer {
    let kernel: Int, stride: Int, isMax: Bool
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

    init(kernel: Int, stride: Int, isMax: Bool) { self.kernel = kernel; self.stride = stride; self.isMax = isMax }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let ho = (h - kernel) / stride + 1, wo = (w - kernel) / stride + 1
        var out = [Float](repeating: 0, count: n * c * ho * wo)
        let keepArgmax = training && isMax
        if training { inputShape = x.shape }
        var indices = [Int32](repeating: 0, count: keepArgmax ? out.count : 0)
        let inv = 1 / Float(kernel * kernel)
        x.values.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
        indices.withUnsafeMutableBufferPointer { ap in
            for plane in 0..<(n * c) {
                let ib = plane * h * w, ob = plane * ho * wo
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var best = -Float.infinity, bestIndex = 0, sum: Float = 0
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let idx = (oy * stride + ky) * w + ox * stride + kx
                                let v = xp[ib + idx]
                                if v > best { best = v; bestIndex = idx }
                                sum += v
                            }
                        }
                        op[ob + oy * wo + ox] = isMax ? best : sum * inv
                        if keepArgmax { ap[ob + oy * wo + ox] = Int32(bestIndex) }
                    }
                }
            }
        } } }
        if keepArgmax { argmax = indices }
        return Tensor([n, c, ho, wo], out)
    }

    func backward(_ dy: Tensor) -> Tensor {
        let h = inputShape[2], w = inputShape[3], ho = dy.shape[2], wo = dy.shape[3]
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        let inv = 1 / Float(kernel * kernel)
        for plane in 0..<(dy.shape[0] * dy.shape[1]) {
            let ib = plane * h * w, ob = plane * ho * wo
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let g = dy.values[ob + oy * wo + ox]
                    if isMax {
                        dx[ib + Int(argmax[ob + oy * wo + ox])] += g
                    } else {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel { dx[ib + (oy * stride + ky) * w + ox * stride + kx] += g * inv }
                        }
                    }
                }
            }
        }
        return Tensor(inputShape, dx)
    }
}

final class GlobalAvgPoolLayer: NetworkLayer {
    private var inputShape: [Int] = []
    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0], c = x.shape[1], sp = x.count / (n * c)
        inputShape = x.shape
        var out = [Float](repeating: 0, count: n * c)
        for plane in 0..<(n * c) {
            var sum: Float = 0
            for i in 0..<sp { sum += x.values[plane * sp + i] }
            out[plane] = sum / Float(sp)
        }
        return Tensor([n, c], out)
    }
    func backward(_ dy: Tensor) -> Tensor {
        let sp = inputShape.dropFirst(2).reduce(1, *)
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        for plane in 0..<dy.count {
            let g = dy.values[plane] / Float(sp)
            for i in 0..<sp { dx[plane * sp + i] = g }
        }
        return Tensor(inputShape, dx)
    }
}

/// Fully connected: y = x·Wᵀ + b with W stored `[out, in]` (PyTorch's layout); image inputs are flattened.
final class DenseLayer: NetworkLayer {
    let weight: Parameter, bias: Parameter
    let inFeatures: Int, outFeatures: Int
    private var input: Tensor?

    init(weight: Parameter, bias: Parameter) {
        self.weight = weight; self.bias = bias
        outFeatures = weight.shape[0]; inFeatures = weight.shape[1]
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.batchSize
        if training { input = x }
        var out = [Float](repeating: 0, count: n * outFeatures)
        for s in 0..<n { for o in 0..<outFeatures { out[s * outFeatures + o] = bias.value[o] } }
        x.values.withUnsafeBufferPointer { xp in
            weight.value.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    sgemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: xp.baseAddress!, lda: inFeatures,
                          b: wp.baseAddress!, ldb: inFeatures, beta: 1, c: op.baseAddress!, ldc: outFeatures)
                }
            }
        }
        return Tensor([n, outFeatures], out)
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("backward before a training forward") }
        let n = x.batchSize
        var dx = [Float](repeating: 0, count: x.count)
        dy.values.withUnsafeBufferPointer { dyp in
            x.values.withUnsafeBufferPointer { xp in
                weight.grad.withUnsafeMutableBufferPointer { gp in
                    sgemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dyp.baseAddress!, lda: outFeatures,
                          b: xp.baseAddress!, ldb: inFeatures, beta: 1, c: gp.baseAddress!, ldc: inFeatures)
                }
            }
            weight.value.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    sgemm(m: n, n: inFeatures, k: outFeatures, a: dyp.baseAddress!, lda: outFeatures,
                          b: wp.baseAddress!, ldb: inFeatures, c: dxp.baseAddress!, ldc: inFeatures)
                }
            }
        }
        for s in 0..<n { for o in 0..<outFeatures { bias.grad[o] += dy.values[s * outFeatures + o] } }
        return Tensor(x.shape, dx)
    }
}

/// Inverted dropout: at training time zeroes each value with probability `rate` and scales the rest by
/// 1/(1-rate), so inference is the identity.
final class DropoutLayer: NetworkLayer {
    let rate: Float
    var generator: SeededGenerator
    private var mask: [Float] = []

    init(rate: Float, seed: UInt64) { self.rate = rate; generator = SeededGenerator(seed: seed) }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { mask = []; return x }
        let keep = 1 / (1 - rate)
        mask = (0..<x.count).map { _ in generator.nextUnitFloat() < rate ? 0 : keep }
        var out = x.values
        for i in 0..<out.count { out[i] *= mask[i] }
        return Tensor(x.shape, out)
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard !mask.isEmpty else { return dy }
        var dx = dy.values
        for i in 0..<dx.count { dx[i] *= mask[i] }
        return Tensor(dy.shape, dx)
    }
}

final class SoftmaxLayer: NetworkLayer {
    private var output: Tensor?
    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = softmaxRows(x)
        if training { output = y }
        return y
    }
    func backward(_ dy: Tensor) -> Tensor {
        guard let y = output else { preconditionFailure("backward before a training forward") }
        let f = y.sampleSize
        var dx = [Float](repeating: 0, count: y.count)
        for s in 0..<y.batchSize {
            var dot: Float = 0
            for j in 0..<f { dot += dy.values[s * f + j] * y.values[s * f + j] }
            for j in 0..<f { dx[s * f + j] = y.values[s * f + j] * (dy.values[s * f + j] - dot) }
        }
        return Tensor(y.shape, dx)
    }
}

/// Row-wise softmax over features, shifted by the row maximum for stability.
func softmaxRows(_ x: Tensor) -> Tensor {
    let f = x.sampleSize
    var out = x.values
    out.withUnsafeMutableBufferPointer { p in
        for s in 0..<x.batchSize { softmaxInPlace(p.baseAddress! + s * f, f) }
    }
    return Tensor(x.shape, out)
}

@inline(__always)
func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, p[j]) }
    var sum: Float = 0
    for j in 0..<n { let e = expf(p[j] - m); p[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<n { p[j] *= inv }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
