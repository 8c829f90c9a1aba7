/// A Gaussian blur approximated by three box filters per axis (running sums), O(n) whatever the sigma: the
/// intensity seeds blur the image to the nucleus size (sigma of several pixels), where the exact kernel of
/// `GaussianFilter` would cost tens of taps per pixel on 2048² images.
enum BoxBlur {
    /// Box radius for three passes approximating `sigma` (the variance of a box of width w is (w² - 1) / 12).
    static func radius(sigma: Double) -> Int {
        let width = (4 * sigma * sigma + 1).squareRoot()  // 3 passes: 3 (w² - 1) / 12 = sigma²
        return max(0, Int(((width - 1) / 2).rounded()))
    }

    /// Returns a blurred copy; edges replicate the border pixel. `sigma <= 0.5` returns the input.
    static func gaussianApproximation(_ pixels: [Float], width: Int, height: Int, sigma: Double) -> [Float] {
        let r = radius(sigma: sigma)
        guard r > 0, width > 0, height > 0 else { return pixels }
        var a = pixels
        var b = [Float](repeating: 0, count: pixels.count)
        for _ in 0..<3 {
            horizontal(a, into: &b, width: width, height: height, radius: r)
            vertical(b, into: &a, width: width, height: height, radius: r)
        }
        return a
    }

    private static func horizontal(_ source: [Float], into output: inout [Float], width: Int, height: Int,
                                   radius: Int) {
        let scale = 1 / Float(2 * radius + 1)
        source.withUnsafeBufferPointer { s in
            output.withUnsafeMutableBufferPointer { o in
                for y in 0..<height {
                    let row = y * width
                    @inline(__always) func at(_ x: Int) -> Float { s[row + min(width - 1, max(0, x))] }
                    var sum: Float = 0
                    for x in -radius...radius { sum += at(x) }
                    for x in 0..<width {
                        o[row + x] = sum * scale
                        sum += at(x + radius + 1) - at(x - radius)
                    }
                }
            }
        }
    }

    private static func vertical(_ source: [Float], into output: inout [Float], width: Int, height: Int,
                                 radius: Int) {
        let scale = 1 / Float(2 * radius + 1)
        var sums = [Float](repeating: 0, count: width)
        source.withUnsafeBufferPointer { s in
            output.withUnsafeMutableBufferPointer { o in
                sums.withUnsafeMutableBufferPointer { sum in
                    @inline(__always) func row(_ y: Int) -> Int { min(height - 1, max(0, y)) * width }
                    for y in -radius...radius {
                        let r = row(y)
                        for x in 0..<width { sum[x] += s[r + x] }
                    }
                    for y in 0..<height {
                        let out = y * width, add = row(y + radius + 1), drop = row(y - radius)
                        for x in 0..<width {
                            o[out + x] = sum[x] * scale
                            sum[x] += s[add + x] - s[drop + x]
                        }
                    }
                }
            }
        }
    }
}
