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
    private let col: UnsafeMutablePointer<Float>, raw: UnsafeMutablePointer<Float>
    /// One zero-bordered input copy per padded conv (index by op), so borders never hold another layer's data.
    private let paddedInputs: [UnsafeMutablePointer<Float>?]
    private let allocations: [UnsafeMutablePointer<Float>]

    init(plan: InferencePlan) {
        self.plan = plan
        var act = plan.inputCount, colSize = 1, rawSize = 1
        var padded: [UnsafeMutablePointer<Float>?] = []
        for op in plan.ops {
            act = max(act, op.outputCount)
            guard case .conv(let c) = op else { padded.append(nil); continue }
            let g = c.geometry
            if c.shiftedCopies {
                colSize = max(colSize, g.kernel * c.paddedCount)
            } else if !g.isPointwise {
                colSize = max(colSize, g.patchSize * c.gemmColumns)
            }
            colSize = max(colSize, c.rawRowStride, g.outChannels)  // epilogues borrow `col` for a row or a pixel
            rawSize = max(rawSize, g.outChannels * c.gemmColumns)
            if c.padded {
                // The last im2col row reads k − 2 values past the final channel: keep that slack zeroed too.
                let n = g.inChannels * c.paddedHeight * c.paddedWidth + g.kernel
                let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
                p.initialize(repeating: 0, count: n)
                padded.append(p)
            } else {
                padded.append(nil)
            }
        }
        paddedInputs = padded
        bufA = .allocate(capacity: act); bufB = .allocate(capacity: act)
        col = .allocate(capacity: colSize); raw = .allocate(capacity: rawSize)
        allocations = [bufA, bufB, col, raw] + padded.compactMap { $0 }
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// Writes the class probabilities of the sample at `input` to `output`.
    func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        var src = input
        var dst = bufA
        var inputIsPadded = false
        for (index, op) in plan.ops.enumerated() {
            switch op {
            case .conv(let c):
                // When the next step is a padded conv, write straight into the interior of its padded input.
                var layout = c.globalAverage ? OutputLayout(base: dst, rowStride: 1, planeStride: 1)
                    : OutputLayout(base: dst, rowStride: c.outWidth, planeStride: c.outHeight * c.outWidth)
                var writesNextInput = false
                if !c.globalAverage, index + 1 < plan.ops.count, case .conv(let next) = plan.ops[index + 1],
                   let target = paddedInputs[index + 1] {
                    let p = next.geometry.padding, wp = next.paddedWidth
                    layout = OutputLayout(base: target + p * wp + p, rowStride: wp, planeStride: next.paddedHeight * wp)
                    writesNextInput = true
                }
                runConv(c, src, layout, paddedInput: paddedInputs[index], inputIsPadded: inputIsPadded)
                inputIsPadded = writesNextInput
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
                for ch in 0..<c { dst[ch] = sum(src + ch * sp, sp) * inv }
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

    /// Where a conv writes its output: channel planes of `rowStride`-wide rows.
    struct OutputLayout {
        let base: UnsafeMutablePointer<Float>
        let rowStride: Int
        let planeStride: Int
    }

    private func runConv(_ c: ConvOp, _ src: UnsafePointer<Float>, _ out: OutputLayout,
                         paddedInput: UnsafeMutablePointer<Float>?, inputIsPadded: Bool) {
        let g = c.geometry
        let columns = c.gemmColumns
        if let padded = paddedInput {
            let hp = c.paddedHeight, wp = c.paddedWidth, p = g.padding, k = g.kernel
            if !inputIsPadded {
                for ch in 0..<g.inChannels {
                    let plane = padded + ch * hp * wp + p * wp + p, from = src + ch * g.height * g.width
                    for y in 0..<g.height { (plane + y * wp).update(from: from + y * g.width, count: g.width) }
                }
            }
            if c.shiftedCopies {
                // Block kx holds the padded input moved left by kx (the slack after `padded` is zero).
                let count = c.paddedCount
                for kx in 0..<k { (col + kx * count).update(from: padded + kx, count: count) }
                let blockK = k * g.inChannels, planeSize = hp * wp
                c.weight.withUnsafeBufferPointer { wbuf in
                    for ky in 0..<k {
                        let rows = UnsafePointer(col + ky * wp), weights = wbuf.baseAddress! + ky * blockK
                        let beta: Float = ky == 0 ? 0 : 1
                        if c.transposedOutput {
                            sgemm(transA: true, transB: true, m: columns, n: g.outChannels, k: blockK, a: rows,
                                  lda: planeSize, b: weights, ldb: g.patchSize, beta: beta, c: raw, ldc: g.outChannels)
                        } else {
                            sgemm(m: g.outChannels, n: columns, k: blockK, a: weights, lda: g.patchSize,
                                  b: rows, ldb: planeSize, beta: beta, c: raw, ldc: columns)
                        }
                    }
                }
            } else {
                var row = col
                for ch in 0..<g.inChannels {
                    for ky in 0..<k {
                        for kx in 0..<k {
                            row.update(from: padded + ch * hp * wp + ky * wp + kx, count: columns)
                            row += columns
                        }
                    }
                }
                gemm(c, UnsafePointer(col), columns)
            }
        } else {
            if g.isPointwise {
                gemm(c, src, columns)
            } else {
                im2col(g, src, col)
                gemm(c, UnsafePointer(col), columns)
            }
        }
        if c.transposedOutput {
            transposedEpilogue(c, out)
            return
        }
        let stride = c.rawRowStride, h = g.outHeight, w = g.outWidth
        c.bias.withUnsafeBufferPointer { bp in
            for o in 0..<g.outChannels {
                let plane = raw + o * columns
                let bias = bp[o], floor: Float = c.relu ? 0 : -.infinity
                let dst = out.base + o * out.planeStride
                if c.globalAverage {
                    out.base[o * out.planeStride] = meanAfterEpilogue(c, plane, rowStride: stride, bias: bias, floor: floor)
                } else if let (k, s) = c.pool {
                    let ho = c.outHeight, wo = c.outWidth
                    if k == 2 && s == 2 {
                        // Vertical max over contiguous rows vectorises; then pairs along the row.
                        let vertical = col
                        for oy in 0..<ho {
                            let r0 = plane + 2 * oy * stride, r1 = r0 + stride, orow = dst + oy * out.rowStride
                            for x in 0..<(2 * wo) { vertical[x] = fastMax(r0[x], r1[x]) }
                            var ox = 0
                            while ox + 4 <= wo {
                                let v = UnsafeRawPointer(vertical + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                let even = v.evenHalf, odd = v.oddHalf
                                var m = even.replacing(with: odd, where: odd .> even) + bias
                                m.replace(with: floor, where: m .< floor)
                                UnsafeMutableRawPointer(orow + ox).storeBytes(of: m, as: SIMD4<Float>.self)
                                ox += 4
                            }
                            while ox < wo {
                                orow[ox] = fastMax(fastMax(vertical[2 * ox], vertical[2 * ox + 1]) + bias, floor)
                                ox += 1
                            }
                        }
                    } else {
                        for oy in 0..<ho {
                            for ox in 0..<wo {
                                var m = -Float.infinity
                                for ky in 0..<k { for kx in 0..<k { m = fastMax(m, plane[(oy * s + ky) * stride + ox * s + kx]) } }
                                dst[oy * out.rowStride + ox] = fastMax(m + bias, floor)
                            }
                        }
                    }
                } else {
                    for y in 0..<h {
                        let r = plane + y * stride, orow = dst + y * out.rowStride
                        for x in 0..<w { orow[x] = fastMax(r[x] + bias, floor) }
                    }
                }
            }
        }
    }

    /// One sgemm over a patch matrix `[C·k·k, columns]` into `raw`, channel- or pixel-major.
    private func gemm(_ c: ConvOp, _ patches: UnsafePointer<Float>, _ columns: Int) {
        let g = c.geometry
        c.weight.withUnsafeBufferPointer { wp in
            if c.transposedOutput {
                sgemm(transA: true, transB: true, m: columns, n: g.outChannels, k: g.patchSize, a: patches, lda: columns,
                      b: wp.baseAddress!, ldb: g.patchSize, c: raw, ldc: g.outChannels)
            } else {
                sgemm(m: g.outChannels, n: columns, k: g.patchSize, a: wp.baseAddress!, lda: g.patchSize,
                      b: patches, ldb: columns, c: raw, ldc: columns)
            }
        }
    }

    /// Bias, ReLU and pooling for a pixel-major raw output (`raw[pixel · O + o]`): the inner loops run over
    /// output channels, which are contiguous there.
    private func transposedEpilogue(_ c: ConvOp, _ out: OutputLayout) {
        let g = c.geometry, channels = g.outChannels, stride = c.rawRowStride
        let floor: Float = c.relu ? 0 : -.infinity
        c.bias.withUnsafeBufferPointer { bp in
            let bias = bp.baseAddress!
            if c.globalAverage {
                let sums = col
                sums.update(repeating: 0, count: channels)
                for y in 0..<g.outHeight {
                    for x in 0..<g.outWidth {
                        let px = raw + (y * stride + x) * channels
                        for o in 0..<channels { sums[o] += fastMax(px[o] + bias[o], floor) }
                    }
                }
                let inv = 1 / Float(g.outHeight * g.outWidth)
                for o in 0..<channels { out.base[o * out.planeStride] = sums[o] * inv }
            } else if let (k, s) = c.pool {
                let best = col
                for oy in 0..<c.outHeight {
                    for ox in 0..<c.outWidth {
                        best.update(repeating: -.infinity, count: channels)
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let px = raw + ((oy * s + ky) * stride + ox * s + kx) * channels
                                for o in 0..<channels { best[o] = fastMax(best[o], px[o]) }
                            }
                        }
                        let target = out.base + oy * out.rowStride + ox
                        for o in 0..<channels { target[o * out.planeStride] = fastMax(best[o] + bias[o], floor) }
                    }
                }
            } else {
                for y in 0..<g.outHeight {
                    for x in 0..<g.outWidth {
                        let px = raw + (y * stride + x) * channels
                        let target = out.base + y * out.rowStride + x
                        for o in 0..<channels { target[o * out.planeStride] = fastMax(px[o] + bias[o], floor) }
                    }
                }
            }
        }
    }

    /// Mean over the valid output pixels of max(raw + bias, floor), for a conv fused with global average pooling.
    private func meanAfterEpilogue(_ c: ConvOp, _ plane: UnsafePointer<Float>, rowStride: Int, bias: Float,
                                   floor: Float) -> Float {
        let h = c.geometry.outHeight, w = c.geometry.outWidth
        var total: Float = 0
        for y in 0..<h {
            let r = plane + y * rowStride
            var acc = SIMD8<Float>(repeating: 0)
            var x = 0
            while x + 8 <= w {
                let v = UnsafeRawPointer(r + x).loadUnaligned(as: SIMD8<Float>.self) + bias
                acc += v.replacing(with: floor, where: v .< floor)
                x += 8
            }
            total += acc.sum()
            while x < w { total += fastMax(r[x] + bias, floor); x += 1 }
        }
        return total / Float(h * w)
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

/// `a > b ? a : b`: compiles to a single maxps, unlike `Swift.max`, whose NaN handling costs four instructions.
/// Activations are finite, so the NaN rule does not matter here.
@inline(__always)
func fastMax(_ a: Float, _ b: Float) -> Float { a > b ? a : b }

/// Sum with eight independent partial sums, so the loop vectorises instead of waiting on one accumulator.
@inline(__always)
func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
    var total = acc.sum()
    while i < n { total += p[i]; i += 1 }
    return total
}
