/// A convolution ready for inference: batch norm folded into weights and bias, ReLU and a following max pool
/// fused into its epilogue (ReLU and max commute with adding a per-channel bias, so pooling runs first on the raw
/// sums and bias + ReLU touch only the pooled values).
struct ConvOp: Sendable {
    let geometry: ConvGeometry
    /// `[O, C·k·k]` in (c, ky, kx) order, or in (ky, kx, c) order with `shiftedCopies`.
    let weight: [Float]
    let bias: [Float]
    let relu: Bool
    /// Fused max pool window and stride, or nil.
    let pool: (kernel: Int, stride: Int)?
    /// A following global average pool is fused: the output is one mean per channel.
    let globalAverage: Bool
    /// Stride 1 with a kernel wider than 1: run on a zero-padded copy of the input with full padded-width rows, so
    /// every im2col row is one contiguous copy (sgemm computes a few extra, ignored, columns per output row).
    /// (A direct SIMD kernel for the one-channel first layer was measured 15% slower overall than sgemm:
    /// Swift code is compiled for baseline x86-64, while OpenBLAS picks AVX-512 kernels at run time.)
    var padded: Bool { geometry.stride == 1 && geometry.kernel > 1 }
    /// Padded convs with enough input channels skip the full im2col (k² shifted copies of the input): only the k
    /// horizontal shifts are copied, one after another, and for each kernel row ky the rows (kx, c) of the patch
    /// matrix then sit at a constant stride in that buffer, so k accumulating sgemms over K = k·C read it in place.
    /// Measured 6% (conv2) and 2% (conv3) faster on the default classifier; with one input channel the three
    /// K = 3 products are 40% slower than one K = 9 product, hence the channel threshold.
    var shiftedCopies: Bool { ConvOp.usesShiftedCopies(geometry) }
    static func usesShiftedCopies(_ g: ConvGeometry) -> Bool { g.stride == 1 && g.kernel > 1 && g.inChannels >= 8 }
    /// Elements of one padded input copy (all channels).
    var paddedCount: Int { geometry.inChannels * paddedHeight * paddedWidth }
    /// Rows share their zero padding: the `p` zeros at the start of a row are also the right padding of the row
    /// above, so a row is `W + p` wide rather than `W + 2p` and sgemm wastes `k − 1 − p` columns per row instead of
    /// `k − 1` (1 instead of 2 for 3×3 "same" convs). Needs `p ≤ k − 1`, true of every useful padding.
    var paddedWidth: Int {
        geometry.width + (geometry.padding <= geometry.kernel - 1 ? geometry.padding : 2 * geometry.padding)
    }
    var paddedHeight: Int { geometry.height + 2 * geometry.padding }
    /// Row stride of the raw sgemm output.
    var rawRowStride: Int { padded ? paddedWidth : geometry.outWidth }
    /// Columns of the sgemm.
    var gemmColumns: Int { geometry.outHeight * rawRowStride }
    /// Compute the output pixel-major (`[pixels, O]`) instead of channel-major. OpenBLAS's SkylakeX sgemm runs
    /// 15–20% faster that way when the patch is long and the outputs few (measured: 32×1056×144 at 117 against
    /// 102 GFLOP/s), and slower otherwise (64×272×288, and any K = 9 first layer).
    var transposedOutput: Bool { geometry.patchSize >= 64 && geometry.outChannels <= 32 }

    var outChannels: Int { geometry.outChannels }
    var outHeight: Int { pool.map { (geometry.outHeight - $0.kernel) / $0.stride + 1 } ?? geometry.outHeight }
    var outWidth: Int { pool.map { (geometry.outWidth - $0.kernel) / $0.stride + 1 } ?? geometry.outWidth }
}

/// One step of the per-sample inference program.
enum PlanOp: Sendable {
    case conv(ConvOp)
    /// Standalone batch norm (not after a conv or dense layer): per-channel scale and shift.
    case affine(scale: [Float], shift: [Float], spatial: Int)
    case relu(count: Int)
    case pool(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, isMax: Bool)
    case globalAvgPool(channels: Int, spatial: Int)
    /// `[out, in]` weights; bias already includes a folded batch norm.
    case dense(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int, relu: Bool)
    /// A softmax that is not the network's last layer.
    case softmax(count: Int)

    /// Elements this step writes.
    var outputCount: Int {
        switch self {
        case .conv(let c): return c.globalAverage ? c.outChannels : c.outChannels * c.outHeight * c.outWidth
        case .affine(let s, _, let sp): return s.count * sp
        case .relu(let n): return n
        case .pool(let c, let h, let w, let k, let s, _): return c * ((h - k) / s + 1) * ((w - k) / s + 1)
        case .globalAvgPool(let c, _): return c
        case .dense(_, _, _, let o, _): return o
        case .softmax(let n): return n
        }
    }
}

/// The inference program compiled from a model: dropout removed, batch norm folded, activations fused, and a
/// final softmax always applied (a trailing softmax layer is not applied twice).
struct InferencePlan: Sendable {
    let ops: [PlanOp]
    let inputCount: Int
    let classes: Int

    init(resolved: [ResolvedLayer], weights: [String: Tensor]) {
        let layers = resolved.filter { $0.spec.type != .dropout }
        var ops: [PlanOp] = []
        var i = 0
        func bnFold(_ index: Int) -> (scale: [Float], shift: [Float])? {
            guard index < layers.count, layers[index].spec.type == .batchNorm, let n = layers[index].spec.name else { return nil }
            let eps = layers[index].spec.epsilon ?? 1e-5
            let g = weights["\(n).weight"]!.values, b = weights["\(n).bias"]!.values
            let m = weights["\(n).running_mean"]!.values, v = weights["\(n).running_var"]!.values
            var scale = [Float](repeating: 0, count: g.count), shift = scale
            for c in 0..<g.count {
                // Computed in Double so folding adds no more rounding than the unfolded layer would.
                let s = Double(g[c]) / (Double(v[c]) + Double(eps)).squareRoot()
                scale[c] = Float(s)
                shift[c] = Float(Double(b[c]) - Double(m[c]) * s)
            }
            return (scale, shift)
        }
        while i < layers.count {
            let r = layers[i], l = r.spec
            switch l.type {
            case .conv2d, .dense:
                let n = l.name ?? ""
                let outCount = r.outputShape[0]
                var w = weights["\(n).weight"]!.values
                var bias = weights["\(n).bias"]?.values ?? [Float](repeating: 0, count: outCount)
                var next = i + 1
                if let (scale, shift) = bnFold(next) {
                    let per = w.count / outCount
                    for o in 0..<outCount {
                        for j in 0..<per { w[o * per + j] = Float(Double(w[o * per + j]) * Double(scale[o])) }
                        bias[o] = Float(Double(bias[o]) * Double(scale[o]) + Double(shift[o]))
                    }
                    next += 1
                }
                var relu = false
                if next < layers.count, layers[next].spec.type == .relu { relu = true; next += 1 }
                if l.type == .dense {
                    ops.append(.dense(weight: w, bias: bias, inFeatures: r.inputShape.reduce(1, *), outFeatures: outCount, relu: relu))
                } else {
                    var pool: (Int, Int)?
                    if next < layers.count, layers[next].spec.type == .maxPool {
                        let k = layers[next].spec.kernel ?? 1
                        pool = (k, layers[next].spec.stride ?? k)
                        next += 1
                    }
                    let g = ConvGeometry(inChannels: r.inputShape[0], height: r.inputShape[1], width: r.inputShape[2],
                                         outChannels: outCount, kernel: l.kernel ?? 1, stride: l.stride ?? 1,
                                         padding: l.padding ?? 0)
                    var globalAverage = false
                    if pool == nil, next < layers.count, layers[next].spec.type == .globalAvgPool {
                        globalAverage = true
                        next += 1
                    }
                    if ConvOp.usesShiftedCopies(g) {
                        // (c, ky, kx) → (ky, kx, c), the row order of the shifted-copy patch matrix.
                        let c = g.inChannels, k = g.kernel, per = g.patchSize
                        var reordered = w
                        for o in 0..<outCount {
                            for ch in 0..<c { for ky in 0..<k { for kx in 0..<k {
                                reordered[o * per + (ky * k + kx) * c + ch] = w[o * per + (ch * k + ky) * k + kx]
                            } } }
                        }
                        w = reordered
                    }
                    ops.append(.conv(ConvOp(geometry: g, weight: w, bias: bias, relu: relu, pool: pool,
                                            globalAverage: globalAverage)))
                }
                i = next
            case .batchNorm:
                let (scale, shift) = bnFold(i)!
                ops.append(.affine(scale: scale, shift: shift, spatial: r.inputShape.dropFirst().reduce(1, *)))
                i += 1
            case .relu:
                ops.append(.relu(count: r.inputShape.reduce(1, *)))
                i += 1
            case .maxPool, .avgPool:
                let k = l.kernel ?? 1
                ops.append(.pool(channels: r.inputShape[0], height: r.inputShape[1], width: r.inputShape[2],
                                 kernel: k, stride: l.stride ?? k, isMax: l.type == .maxPool))
                i += 1
            case .globalAvgPool:
                ops.append(.globalAvgPool(channels: r.inputShape[0], spatial: r.inputShape[1] * r.inputShape[2]))
                i += 1
            case .softmax:
                if i != layers.count - 1 { ops.append(.softmax(count: r.inputShape.reduce(1, *))) }
                i += 1
            case .dropout:
                i += 1
            }
        }
        self.ops = ops
        self.inputCount = resolved.first.map { $0.inputShape.reduce(1, *) } ?? 0
        self.classes = resolved.last?.outputShape.reduce(1, *) ?? 0
    }
}
