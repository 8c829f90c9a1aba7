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
    static func smooth(_ pixels: [Float], width: Int, height: Int, sigma: Double) -> [Float] {
        guard sigma > 0, width > 0, height > 0 else { return pixels }
        let weights = kernel(sigma: sigma)
        let radius = weights.count / 2
        var horizontal = [Float](repeating: 0, count: width * height)
        var output = [Float](repeating: 0, count: width * height)
        var padded = [Float](repeating: 0, count: width + 2 * radius)
        weights.withUnsafeBufferPointer { k in
            pixels.withUnsafeBufferPointer { src in
                horizontal.withUnsafeMutableBufferPointer { tmp in
                    padded.withUnsafeMutableBufferPointer { pad in
                        for y in 0..<height {
                            let row = src.baseAddress! + y * width
                            for i in 0..<radius {
                                pad[i] = row[0]
                                pad[radius + width + i] = row[width - 1]
                            }
                            for x in 0..<width { pad[radius + x] = row[x] }
                            // Symmetric kernel: add the mirrored taps first, halving the multiplications.
                            let out = tmp.baseAddress! + y * width
                            let centre = pad.baseAddress! + radius
                            let wc = k[radius]
                            for x in 0..<width { out[x] = wc * centre[x] }
                            for j in 1...radius {
                                let w = k[radius + j]
                                let left = centre - j, right = centre + j
                                for x in 0..<width { out[x] += w * (left[x] + right[x]) }
                            }
                        }
                    }
                }
            }
            horizontal.withUnsafeBufferPointer { tmp in
                output.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let out = dst.baseAddress! + y * width
                        let centre = tmp.baseAddress! + y * width
                        let wc = k[radius]
                        for x in 0..<width { out[x] = wc * centre[x] }
                        for j in 1...radius {
                            let up = tmp.baseAddress! + max(0, y - j) * width
                            let down = tmp.baseAddress! + min(height - 1, y + j) * width
                            let w = k[radius + j]
                            for x in 0..<width { out[x] += w * (up[x] + down[x]) }
                        }
                    }
                }
            }
        }
        return output
    }
}
