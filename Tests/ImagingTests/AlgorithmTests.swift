import Foundation
import Testing
@testable import Imaging

@Suite struct AlgorithmTests {
    @Test(arguments: [(1.0, 17, 13), (2.0, 9, 3), (1.5, 1, 6), (0.7, 30, 30)])
    func gaussianMatchesDirectConvolution(sigma: Double, width: Int, height: Int) {
        var rng = SplitMix64(state: 99)
        let pixels = (0..<(width * height)).map { _ in Float(rng.uniform(0, 1000)) }
        let smoothed = GaussianFilter.smooth(pixels, width: width, height: height, sigma: sigma)
        let k = GaussianFilter.kernel(sigma: sigma), r = k.count / 2
        var worst: Float = 0
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for dy in -r...r {
                    for dx in -r...r {
                        let sx = min(width - 1, max(0, x + dx)), sy = min(height - 1, max(0, y + dy))
                        sum += k[dy + r] * k[dx + r] * pixels[sy * width + sx]
                    }
                }
                worst = max(worst, abs(sum - smoothed[y * width + x]))
            }
        }
        #expect(worst < 0.01)
    }

    @Test func distanceTransformMatchesBruteForce() {
        var rng = SplitMix64(state: 5)
        let width = 23, height = 17
        let mask = (0..<(width * height)).map { _ in UInt8(rng.uniform() < 0.8 ? 1 : 0) }
        let distance = DistanceTransform.euclidean(mask: mask, width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                var best = Double.infinity
                for v in 0..<height {
                    for u in 0..<width where mask[v * width + u] == 0 {
                        best = min(best, hypot(Double(x - u), Double(y - v)))
                    }
                }
                if mask[y * width + x] == 0 { best = 0 }
                #expect(abs(Double(distance[y * width + x]) - best) < 1e-4, "(\(x), \(y))")
            }
        }
    }

    @Test func holesAreFilledButBaysAreNot() {
        // A ring (hole inside) and a C shape (open to the edge of the image through a gap).
        let width = 20, height = 10
        var mask = [UInt8](repeating: 0, count: width * height)
        for y in 1...7 { for x in 1...7 where y == 1 || y == 7 || x == 1 || x == 7 { mask[y * width + x] = 1 } }
        for y in 1...7 { for x in 10...16 where y == 1 || y == 7 || x == 10 { mask[y * width + x] = 1 } }
        BinaryMorphology.fillHoles(&mask, width: width, height: height, objectConnectivity: 8)
        #expect(mask[4 * width + 4] == 1)
        #expect(mask[4 * width + 13] == 0)
        let labelled = ConnectedComponents.label(mask: mask, width: width, height: height, connectivity: 8)
        #expect(labelled.count == 2)
    }
}
