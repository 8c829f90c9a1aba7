import Foundation
@testable import NeuralNet

/// Random values in [-1, 1) from a fixed seed.
func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (g.nextUnitFloat() * 2 - 1) * scale }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    Tensor(shape, randomValues(shape.reduce(1, *), seed: seed, scale: scale))
}

/// Values at least `gap` apart, in random order: no ties for max pooling and no values near ReLU's kink,
/// so finite differences never cross a corner.
func wellSeparatedTensor(_ shape: [Int], seed: UInt64, gap: Float = 0.05) -> Tensor {
    let n = shape.reduce(1, *)
    var g = SeededGenerator(seed: seed)
    var values = (0..<n).map { Float($0) - Float(n) / 2 + 0.5 }.map { $0 * gap }
    g.shuffle(&values)
    return Tensor(shape, values)
}

/// max |a - b| / max |b|.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    var diff: Float = 0, scale: Float = 1e-12
    for i in 0..<a.count { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
    return diff / scale
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var d: Float = 0
    for i in 0..<a.count { d = max(d, abs(a[i] - b[i])) }
    return d
}

/// A fresh temporary directory, removed by the caller with `cleanup`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Resolves an architecture and gives it random weights, with batch-norm statistics far from the identity so
/// folding is actually exercised.
func randomModelWeights(_ architecture: Architecture, seed: UInt64) throws -> [String: Tensor] {
    let resolved = try architecture.resolve(source: "test")
    var g = SeededGenerator(seed: seed)
    var weights = Network.initialWeights(resolved, generator: &g)
    for name in weights.keys.sorted() {
        let t = weights[name]!
        if name.hasSuffix(".running_var") {
            weights[name] = Tensor(t.shape, t.values.map { _ in 0.5 + g.nextUnitFloat() })
        } else if name.hasSuffix(".running_mean") || name.hasSuffix(".bias") {
            weights[name] = Tensor(t.shape, t.values.map { _ in g.nextUnitFloat() * 0.4 - 0.2 })
        } else if name.hasPrefix("bn"), name.hasSuffix(".weight") {
            weights[name] = Tensor(t.shape, t.values.map { _ in 0.5 + g.nextUnitFloat() })
        }
    }
    return weights
}

/// Direct-definition convolution in Double: the reference the fast paths are checked against.
func naiveConv(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int, kernel k: Int, stride s: Int,
               padding p: Int) -> Tensor {
    let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
    let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
    var out = [Float](repeating: 0, count: n * outChannels * ho * wo)
    for b in 0..<n {
        for o in 0..<outChannels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var acc = Double(bias?[o] ?? 0)
                    for ci in 0..<c {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * s + ky - p, ix = ox * s + kx - p
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                acc += Double(weight[((o * c + ci) * k + ky) * k + kx]) * Double(x.values[((b * c + ci) * h + iy) * w + ix])
                            }
                        }
                    }
                    out[((b * outChannels + o) * ho + oy) * wo + ox] = Float(acc)
                }
            }
        }
    }
    return Tensor([n, outChannels, ho, wo], out)
}
