import Foundation

/// Runs a model on batches of crops. A session owns scratch buffers, so it is meant for one thread at a time;
/// give each worker thread its own session over the shared `Model`. With `threads > 1` the session splits each
/// batch over that many threads itself (sgemm stays single-threaded: one small matrix per crop and layer).
public final class InferenceSession {
    public let model: Model
    private let runners: [SampleRunner]

    /// A session with `threads` parallel lanes (each with its own scratch memory).
    public init(model: Model, threads: Int = 1) {
        BLASThreads.ensureConfigured()
        self.model = model
        self.runners = (0..<max(1, threads)).map { _ in SampleRunner(plan: model.plan) }
    }

    /// Class probabilities, `[N, classes]`, for a batch `[N, C, H, W]` matching the model's input.
    /// Throws `TensorError.unexpectedShape` when the crops have another size.
    public func probabilities(_ batch: Tensor) throws -> Tensor {
        guard batch.shape.count == 4, Array(batch.shape.dropFirst()) == model.inputShape else {
            throw TensorError.unexpectedShape(expected: [-1] + model.inputShape, got: batch.shape)
        }
        return Tensor([batch.batchSize, model.plan.classes], run(batch.values, count: batch.batchSize))
    }

    /// Convenience over flat crops: `crops` holds `count` samples of `C×H×W` values each, row-major.
    public func probabilities(crops: [Float], count: Int) throws -> Tensor {
        try probabilities(try Tensor(shape: [count] + model.inputShape, values: crops))
    }

    private func run(_ input: [Float], count n: Int) -> [Float] {
        let inSize = model.plan.inputCount, classes = model.plan.classes
        var out = [Float](repeating: 0, count: n * classes)
        input.withUnsafeBufferPointer { ip in
            out.withUnsafeMutableBufferPointer { op in
                let src = SendablePointer(pointer: UnsafeMutablePointer(mutating: ip.baseAddress!))
                let dst = SendablePointer(pointer: op.baseAddress!)
                let lanes = min(runners.count, n)
                if lanes <= 1 {
                    for s in 0..<n { runners[0].run(src.pointer + s * inSize, dst.pointer + s * classes) }
                    return
                }
                let runners = self.runners
                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                    let lo = n * lane / lanes, hi = n * (lane + 1) / lanes
                    for s in lo..<hi { runners[lane].run(src.pointer + s * inSize, dst.pointer + s * classes) }
                }
            }
        }
        return out
    }
}

/// A raw pointer handed to lanes that write disjoint ranges.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}

/// Executes the plan on one sample at a time so every activation stays in cache. Owns its scratch memory.
final class SampleRunner: @unchecked Sendable {
    let plan: InferencePlan
    private let bufA: UnsafeMutablePointer<Float>, bufB: UnsafeMutablePointer<Float>
    private let col: UnsafeMutablePointer<Float>, raw: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>
    private let sizes: (act: Int, col: Int, raw: Int, pad: Int)

    init(plan: InferencePlan) {
        self.plan = plan
        var act = plan.inputCount, colSize = 1, rawSize = 1, padSize = 1
        for op in plan.ops {
            act = max(act, op.outputCount)
            if case .conv(let c) = op {
                let g = c.geometry
                if !c.direct && !g.isPointwise { colSize = max(colSize, g.patchSize * g.outPixels) }
                rawSize = max(rawSize, g.outChannels * g.outPixels)
                if c.direct { padSize = max(padSize, (g.height + 2 * g.padding) * (g.width + 2 * g.padding) + 16) }
            }
        }
        sizes = (act, colSize, rawSize, padSize)
        bufA = .allocate(capacity: act); bufB = .allocate(capacity: act)
        col = .allocate(capacity: colSize); raw = .allocate(capacity: rawSize); padded = .allocate(capacity: padSize)
        padded.initialize(repeating: 0, count: padSize)
    }

    deinit {
        bufA.deallocate(); bufB.deallocate(); col.deallocate(); raw.deallocate(); padded.deallocate()
    }

    /// Writes the class probabilities of the sample at `input` to `output`.
    func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        var src = input
        var dst = bufA
        for op in plan.ops {
            switch op {
            case .conv(let c): runConv(c, src, dst)
            case .affine(let scale, let shift, let sp):
                for ch in 0..<scale.count {
                    let a = scale[ch], b = shift[ch], o = ch * sp
                    for i in 0..<sp { dst[o + i] = src[o + i] * a + b }
                }
            case .relu(let n):
                for i in 0..<n { dst[i] = max(src[i], 0) }
            case .pool(let c, let h, let w, let k, let s, let isMax):
                pool(src, dst, channels: c, height: h, width: w, kernel: k, stride: s, isMax: isMax)
            case .globalAvgPool(let c, let sp):
                let inv = 1 / Float(sp)
                for ch in 0..<c {
                    var sum: Float = 0
                    let p = src + ch * sp
                    for i in 0..<sp { sum += p[i] }
                    dst[ch] = sum * inv
                }
            case .dense(let w, let b, let inF, let outF, let relu):
                w.withUnsafeBufferPointer { wp in
                    for o in 0..<outF {
                        let row = wp.baseAddress! + o * inF
                        var sum: Float = 0
                        for j in 0..<inF { sum += row[j] * src[j] }
                        let v = sum + b[o]
                        dst[o] = relu ? max(v, 0) : v
                    }
                }
            case .softmax(let n):
                dst.update(from: src, count: n)
                softmaxInPlace(dst, n)
            }
            src = UnsafePointer(dst)
            dst = dst == bufA ? bufB : bufA
        }
        output.update(from: src, count: plan.classes)
        softmaxInPlace(output, plan.classes)
    }

    private func runConv(_ c: ConvOp, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let g = c.geometry
        let target = c.pool == nil ? dst : raw
        if c.direct {
            directConv(c, src, target)
        } else {
            let b: UnsafePointer<Float>
            if g.isPointwise { b = src } else { im2col(g, src, col); b = UnsafePointer(col) }
            c.weight.withUnsafeBufferPointer { wp in
                sgemm(m: g.outChannels, n: g.outPixels, k: g.patchSize, a: wp.baseAddress!, lda: g.patchSize,
                      b: b, ldb: g.outPixels, c: target, ldc: g.outPixels)
            }
        }
        c.bias.withUnsafeBufferPointer { bp in
            if let (k, s) = c.pool {
                let ho = c.outHeight, wo = c.outWidth, h = g.outHeight, w = g.outWidth
                for o in 0..<g.outChannels {
                    let plane = raw + o * h * w, out = dst + o * ho * wo
                    let bias = bp[o]
                    if k == 2 && s == 2 {
                        for oy in 0..<ho {
                            let r0 = plane + 2 * oy * w, r1 = r0 + w, orow = out + oy * wo
                            for ox in 0..<wo {
                                let m = max(max(r0[2 * ox], r0[2 * ox + 1]), max(r1[2 * ox], r1[2 * ox + 1])) + bias
                                orow[ox] = c.relu ? max(m, 0) : m
                            }
                        }
                    } else {
                        for oy in 0..<ho {
                            for ox in 0..<wo {
                                var m = -Float.infinity
                                for ky in 0..<k { for kx in 0..<k { m = max(m, plane[(oy * s + ky) * w + ox * s + kx]) } }
                                m += bias
                                out[oy * wo + ox] = c.relu ? max(m, 0) : m
                            }
                        }
                    }
                }
            } else {
                let n = g.outPixels
                for o in 0..<g.outChannels {
                    let row = dst + o * n, bias = bp[o]
                    if c.relu { for i in 0..<n { row[i] = max(row[i] + bias, 0) } } else { for i in 0..<n { row[i] += bias } }
                }
            }
        }
    }

    /// One input channel, stride 1: pad once, then accumulate the k² taps 16 output pixels at a time in registers.
    private func directConv(_ c: ConvOp, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let g = c.geometry, k = g.kernel, p = g.padding
        let wp = g.width + 2 * p, ho = g.outHeight, wo = g.outWidth
        for y in 0..<g.height {
            (padded + (y + p) * wp + p).update(from: src + y * g.width, count: g.width)
        }
        let taps = k * k
        c.weight.withUnsafeBufferPointer { wbuf in
            let weights = wbuf.baseAddress!
            for o in 0..<g.outChannels {
                let wo0 = weights + o * taps
                let plane = dst + o * ho * wo
                for y in 0..<ho {
                    let orow = plane + y * wo
                    var x = 0
                    while x + 16 <= wo {
                        var acc = SIMD16<Float>(repeating: 0)
                        for ky in 0..<k {
                            let r = UnsafeRawPointer(padded + (y + ky) * wp + x)
                            for kx in 0..<k {
                                let v = r.loadUnaligned(fromByteOffset: kx * 4, as: SIMD16<Float>.self)
                                acc += wo0[ky * k + kx] * v
                            }
                        }
                        UnsafeMutableRawPointer(orow + x).storeBytes(of: acc, as: SIMD16<Float>.self)
                        x += 16
                    }
                    while x < wo {
                        var acc: Float = 0
                        for ky in 0..<k { for kx in 0..<k { acc += wo0[ky * k + kx] * padded[(y + ky) * wp + x + kx] } }
                        orow[x] = acc
                        x += 1
                    }
                }
            }
        }
    }

    private func pool(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, channels: Int, height h: Int,
                      width w: Int, kernel k: Int, stride s: Int, isMax: Bool) {
        let ho = (h - k) / s + 1, wo = (w - k) / s + 1
        let inv = 1 / Float(k * k)
        for ch in 0..<channels {
            let plane = src + ch * h * w, out = dst + ch * ho * wo
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var m = -Float.infinity, sum: Float = 0
                    for ky in 0..<k {
                        for kx in 0..<k { let v = plane[(oy * s + ky) * w + ox * s + kx]; m = max(m, v); sum += v }
                    }
                    out[oy * wo + ox] = isMax ? m : sum * inv
                }
            }
        }
    }
}
