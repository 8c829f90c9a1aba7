import Foundation

/// Separable Gaussian smoothing with edge replication (scipy's "nearest"), kernel truncated at 4 sigma.
enum GaussianFilter {
    static func kernel(sigma: Double) -> [Float] {
        let radius = max(1, Int((4 * sigma).rounded(.up)))
        var weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let sum = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= sum }
        return weights
    }

    /// Returns a smoothed copy; `sigma <= 0` returns the input unchanged.
    ///
    /// The horizontal pass fills a ring of `2 * radius + 1` rows just ahead of the vertical pass, so the
    /// intermediate image never exists in full and the working set stays in cache.
    static func smooth(_ pixels: [Float], width: Int, height: Int, sigma: Double) -> [Float] {
        guard sigma > 0, width > 0, height > 0 else { return pixels }
        let weights = kernel(sigma: sigma)
        let radius = weights.count / 2
        let ringSize = 2 * radius + 1
        var ring = [Float](repeating: 0, count: ringSize * width)
        var padded = [Float](repeating: 0, count: width + 2 * radius)
        var output = [Float](repeating: 0, count: width * height)
        weights.withUnsafeBufferPointer { k in
            pixels.withUnsafeBufferPointer { src in
                ring.withUnsafeMutableBufferPointer { ring in
                    padded.withUnsafeMutableBufferPointer { pad in
                        output.withUnsafeMutableBufferPointer { dst in
                            let wc = k[radius]
                            @inline(__always) func slot(_ row: Int) -> UnsafeMutablePointer<Float> {
                                ring.baseAddress! + (row % ringSize) * width
                            }
                            var computed = -1
                            for y in 0..<height {
                                let needed = min(height - 1, y + radius)
                                while computed < needed {
                                    computed += 1
                                    // Horizontal pass of source row `computed`, mirrored taps folded together.
                                    let row = src.baseAddress! + computed * width
                                    for i in 0..<radius {
                                        pad[i] = row[0]
                                        pad[radius + width + i] = row[width - 1]
                                    }
                                    for x in 0..<width { pad[radius + x] = row[x] }
                                    let out = slot(computed)
                                    let centre = pad.baseAddress! + radius
                                    for x in 0..<width { out[x] = wc * centre[x] }
                                    for j in 1...radius {
                                        let w = k[radius + j]
                                        let left = centre - j, right = centre + j
                                        for x in 0..<width { out[x] += w * (left[x] + right[x]) }
                                    }
                                }
                                let out = dst.baseAddress! + y * width
                                let centre = slot(y)
                                for x in 0..<width { out[x] = wc * centre[x] }
                                for j in 1...radius {
                                    let up = slot(max(0, y - j)), down = slot(min(height - 1, y + j))
                                    let w = k[radius + j]
                                    for x in 0..<width { out[x] += w * (up[x] + down[x]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
