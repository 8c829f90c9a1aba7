import Foundation

/// Training-time augmentation of nucleus crops. Nuclei have no preferred orientation, so flips and 90° rotations
/// are label-preserving; small gain and offset changes mimic staining and exposure differences between plates.
public struct Augmentation: Sendable, Equatable {
    public var flips: Bool
    /// 90° rotations (only applied to square crops).
    public var rotations: Bool
    /// Multiplies each crop by 1 + u·gainJitter, u uniform in [-1, 1].
    public var gainJitter: Float
    /// Adds u·offsetJitter, u uniform in [-1, 1].
    public var offsetJitter: Float

    /// Photometric and geometric changes beyond flips and gain (all off by default; see `strong`). Each is drawn
    /// per crop only when enabled, so the default stream of random numbers, and so the default model, is unchanged.
    public var extra = Extra()

    /// Imaging differences a model meets on other microscopes and cell lines: nuclei a little larger or smaller
    /// or squashed, off-centre, out of focus, noisier, with another intensity response.
    public struct Extra: Sendable, Equatable {
        /// Scale factor 1 + u·scaleJitter (u uniform in [-1, 1]), and a further 1 + u·aspectJitter on the y axis.
        public var scaleJitter: Float = 0
        public var aspectJitter: Float = 0
        /// Shift of up to this many pixels on each axis.
        public var shift: Float = 0
        /// Gaussian blur with a sigma drawn uniformly in [0, blurSigma] pixels.
        public var blurSigma: Float = 0
        /// Gaussian noise with a standard deviation drawn uniformly in [0, noise] (crop units, ~0–1).
        public var noise: Float = 0
        /// Gamma exp(u·gammaJitter) applied to positive values (crops are normalised to about 0–1).
        public var gammaJitter: Float = 0

        public init(scaleJitter: Float = 0, aspectJitter: Float = 0, shift: Float = 0, blurSigma: Float = 0,
                    noise: Float = 0, gammaJitter: Float = 0) {
            self.scaleJitter = scaleJitter; self.aspectJitter = aspectJitter; self.shift = shift
            self.blurSigma = blurSigma; self.noise = noise; self.gammaJitter = gammaJitter
        }

        var geometric: Bool { scaleJitter > 0 || aspectJitter > 0 || shift > 0 }
    }

    public init(flips: Bool = true, rotations: Bool = true, gainJitter: Float = 0.1, offsetJitter: Float = 0.05) {
        self.flips = flips; self.rotations = rotations; self.gainJitter = gainJitter; self.offsetJitter = offsetJitter
    }

    /// The default flips, rotations and gain plus scale ±15 %, aspect ±10 %, shifts of 3 px, blur up to σ 1 px,
    /// noise up to 0.03 and gamma 0.74–1.35: for models meant to work beyond the plates they were trained on.
    public static var strong: Augmentation {
        var augmentation = Augmentation()
        augmentation.extra = Extra(scaleJitter: 0.15, aspectJitter: 0.1, shift: 3, blurSigma: 1, noise: 0.03, gammaJitter: 0.3)
        return augmentation
    }

    /// No augmentation.
    public static let none = Augmentation(flips: false, rotations: false, gainJitter: 0, offsetJitter: 0)

    /// Transforms one `[C, H, W]` crop in `src` into `dst`, drawing from `generator`.
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, channels: Int, height h: Int, width w: Int,
               generator g: inout SeededGenerator) {
        let flipX = flips && g.nextInt(below: 2) == 1
        let flipY = flips && g.nextInt(below: 2) == 1
        let turns = rotations && h == w ? g.nextInt(below: 4) : 0
        let gain = 1 + (g.nextUnitFloat() * 2 - 1) * gainJitter
        let offset = (g.nextUnitFloat() * 2 - 1) * offsetJitter
        for c in 0..<channels {
            let sp = src + c * h * w, dp = dst + c * h * w
            for y in 0..<h {
                for x in 0..<w {
                    // Output pixel (y, x) reads the source pixel that the rotation and flips move there.
                    var sy = y, sx = x
                    switch turns {
                    case 1: (sy, sx) = (x, w - 1 - y)
                    case 2: (sy, sx) = (h - 1 - y, w - 1 - x)
                    case 3: (sy, sx) = (h - 1 - x, y)
                    default: break
                    }
                    if flipX { sx = w - 1 - sx }
                    if flipY { sy = h - 1 - sy }
                    dp[y * w + x] = sp[sy * w + sx] * gain + offset
                }
            }
        }
        if extra != Extra() { applyExtra(dst, channels: channels, height: h, width: w, generator: &g) }
    }

    /// The `extra` changes, in place on an already flipped and rotated crop. Geometry moves every channel;
    /// blur, gamma and noise touch the first (the image) only, so a mask channel stays a mask.
    private func applyExtra(_ crop: UnsafeMutablePointer<Float>, channels: Int, height h: Int, width w: Int,
                            generator g: inout SeededGenerator) {
        func uniform() -> Float { g.nextUnitFloat() * 2 - 1 }
        let plane = h * w
        var scratch = [Float](repeating: 0, count: plane)
        if extra.geometric {
            let sx = 1 + uniform() * extra.scaleJitter
            let sy = sx * (1 + uniform() * extra.aspectJitter)
            let dx = uniform() * extra.shift, dy = uniform() * extra.shift
            let cx = Float(w - 1) / 2, cy = Float(h - 1) / 2
            for c in 0..<channels {
                let p = crop + c * plane
                for y in 0..<h {
                    // Bilinear read of the source point that lands on (y, x); edges are replicated.
                    let fy = min(Float(h - 1), max(0, (Float(y) - cy - dy) / sy + cy))
                    let y0 = Int(fy), y1 = min(h - 1, y0 + 1), ty = fy - Float(y0)
                    for x in 0..<w {
                        let fx = min(Float(w - 1), max(0, (Float(x) - cx - dx) / sx + cx))
                        let x0 = Int(fx), x1 = min(w - 1, x0 + 1), tx = fx - Float(x0)
                        let top = p[y0 * w + x0] * (1 - tx) + p[y0 * w + x1] * tx
                        let bottom = p[y1 * w + x0] * (1 - tx) + p[y1 * w + x1] * tx
                        scratch[y * w + x] = top * (1 - ty) + bottom * ty
                    }
                }
                for i in 0..<plane { p[i] = scratch[i] }
            }
        }
        if extra.blurSigma > 0 {
            let sigma = g.nextUnitFloat() * extra.blurSigma
            if sigma > 0.25 {
                let radius = Int((3 * sigma).rounded(.up))
                var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
                let total = kernel.reduce(0, +)
                kernel = kernel.map { $0 / total }
                do {
                    let p = crop
                    for y in 0..<h {
                        for x in 0..<w {
                            var sum: Float = 0
                            for k in -radius...radius { sum += kernel[k + radius] * p[y * w + min(w - 1, max(0, x + k))] }
                            scratch[y * w + x] = sum
                        }
                    }
                    for y in 0..<h {
                        for x in 0..<w {
                            var sum: Float = 0
                            for k in -radius...radius { sum += kernel[k + radius] * scratch[min(h - 1, max(0, y + k)) * w + x] }
                            p[y * w + x] = sum
                        }
                    }
                }
            }
        }
        if extra.gammaJitter > 0 {
            let gamma = exp(uniform() * extra.gammaJitter)
            for i in 0..<plane where crop[i] > 0 { crop[i] = pow(crop[i], gamma) }
        }
        if extra.noise > 0 {
            let sd = g.nextUnitFloat() * extra.noise
            for i in 0..<plane { crop[i] += g.nextGaussian() * sd }
        }
    }
}
