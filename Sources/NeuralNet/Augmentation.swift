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

    public init(flips: Bool = true, rotations: Bool = true, gainJitter: Float = 0.1, offsetJitter: Float = 0.05) {
        self.flips = flips; self.rotations = rotations; self.gainJitter = gainJitter; self.offsetJitter = offsetJitter
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
    }
}
