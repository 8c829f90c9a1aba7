import Foundation
@testable import Imaging

/// Deterministic pseudo-random numbers (SplitMix64), so generated images are the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

struct Ellipse {
    var cx: Double, cy: Double, a: Double, b: Double, angle: Double, brightness: Double
    func contains(_ x: Double, _ y: Double) -> Bool {
        let dx = x - cx, dy = y - cy
        let u = dx * cos(angle) + dy * sin(angle), v = -dx * sin(angle) + dy * cos(angle)
        return (u * u) / (a * a) + (v * v) / (b * b) <= 1
    }
}

/// A 16-bit-like nuclear stain: uneven background, elliptical nuclei with texture, camera noise.
struct TestPlateImage {
    let image: Image
    let nuclei: [Ellipse]

    static func render(width: Int, height: Int, nuclei: [Ellipse], seed: UInt64, noise: Double = 80,
                       background: Double = 600) -> Image {
        var rng = SplitMix64(state: seed)
        var pixels = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                // Illumination falls off towards the corners, as with a real objective.
                let fx = Double(x) / Double(width) - 0.5, fy = Double(y) / Double(height) - 0.5
                let base = background * (1.6 - fx * fx - fy * fy)
                pixels[y * width + x] = Float(base)
            }
        }
        for e in nuclei {
            let r = Int(max(e.a, e.b).rounded(.up)) + 1
            for y in max(0, Int(e.cy) - r)...min(height - 1, Int(e.cy) + r) {
                for x in max(0, Int(e.cx) - r)...min(width - 1, Int(e.cx) + r) where e.contains(Double(x), Double(y)) {
                    pixels[y * width + x] += Float(e.brightness * (0.85 + 0.3 * rng.uniform()))
                }
            }
        }
        for i in pixels.indices { pixels[i] = Float(min(65_535, max(0, (Double(pixels[i]) + noise * rng.gaussian()).rounded()))) }
        return Image(width: width, height: height, pixels: pixels)
    }

    /// Well-separated nuclei of 12–34 px diameter, none touching the border.
    static func scattered(width: Int = 512, height: Int = 512, count: Int = 60, seed: UInt64 = 7) -> TestPlateImage {
        var rng = SplitMix64(state: seed)
        var nuclei: [Ellipse] = []
        var attempts = 0
        while nuclei.count < count && attempts < 20_000 {
            attempts += 1
            let a = rng.uniform(6, 17), b = a * rng.uniform(0.65, 1)
            let cx = rng.uniform(a + 4, Double(width) - a - 4), cy = rng.uniform(a + 4, Double(height) - a - 4)
            if nuclei.contains(where: { hypot($0.cx - cx, $0.cy - cy) < $0.a + a + 4 }) { continue }
            nuclei.append(Ellipse(cx: cx, cy: cy, a: a, b: b, angle: rng.uniform(0, .pi),
                                  brightness: rng.uniform(5_000, 20_000)))
        }
        return TestPlateImage(image: render(width: width, height: height, nuclei: nuclei, seed: seed &+ 1),
                              nuclei: nuclei)
    }
}

/// Detection F1 with one-to-one greedy matching of nearest centroids within `radius` pixels.
func detectionF1(found: [(Double, Double)], truth: [(Double, Double)], radius: Double = 5) -> Double {
    var pairs: [(Double, Int, Int)] = []
    for (i, f) in found.enumerated() {
        for (j, t) in truth.enumerated() {
            let d = hypot(f.0 - t.0, f.1 - t.1)
            if d <= radius { pairs.append((d, i, j)) }
        }
    }
    pairs.sort { $0.0 < $1.0 }
    var usedF = Set<Int>(), usedT = Set<Int>()
    for (_, i, j) in pairs where !usedF.contains(i) && !usedT.contains(j) { usedF.insert(i); usedT.insert(j) }
    let tp = Double(usedF.count)
    guard !found.isEmpty || !truth.isEmpty else { return 1 }
    return 2 * tp / Double(found.count + truth.count)
}
