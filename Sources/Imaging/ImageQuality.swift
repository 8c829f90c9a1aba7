/// Per-field quality measures (CellProfiler's MeasureImageQuality, reduced to what decides whether a field can be
/// trusted): focus, saturation, how much of the field is nuclei, and how many nuclei were found.
public struct ImageQuality: Codable, Sendable, Equatable {
    /// Normalised Laplacian variance: variance of the 4-neighbour Laplacian over the variance of the image. Falls
    /// when the field is out of focus (edges soften); independent of gain and camera offset.
    public let focusScore: Double
    /// Share of pixels at or above the saturation level (the image's maximum when no level is known).
    public let saturatedFraction: Double
    /// Share of pixels inside the kept nuclei.
    public let foregroundFraction: Double
    public let nucleusCount: Int

    public init(focusScore: Double, saturatedFraction: Double, foregroundFraction: Double, nucleusCount: Int) {
        self.focusScore = focusScore
        self.saturatedFraction = saturatedFraction
        self.foregroundFraction = foregroundFraction
        self.nucleusCount = nucleusCount
    }

    /// Measures `image` and its `segmentation`. `saturationLevel` is the detector's top value (65,535 for
    /// 16-bit); nil uses the image's own maximum, so an unsaturated field counts only its brightest pixels.
    /// Non-finite pixels are left out.
    public static func measure(image: Image, segmentation: Segmentation, saturationLevel: Float? = nil)
        -> ImageQuality {
        let width = image.width, height = image.height, n = width * height
        guard n > 0 else { return ImageQuality(focusScore: 0, saturatedFraction: 0, foregroundFraction: 0, nucleusCount: 0) }
        let statistics = image.statistics
        let level = saturationLevel ?? statistics.maximum
        var sum = 0.0, sumSquares = 0.0, finite = 0.0, saturated = 0.0
        var lapSum = 0.0, lapSquares = 0.0, lapCount = 0.0
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n where p[i].isFinite {
                let v = Double(p[i])
                sum += v; sumSquares += v * v; finite += 1
                if p[i] >= level { saturated += 1 }
            }
            if width >= 3 && height >= 3 {
                for y in 1..<(height - 1) {
                    let row = y * width
                    for x in 1..<(width - 1) {
                        let c = p[row + x], l = p[row + x - 1], r = p[row + x + 1]
                        let u = p[row - width + x], d = p[row + width + x]
                        guard c.isFinite, l.isFinite, r.isFinite, u.isFinite, d.isFinite else { continue }
                        let lap = 4 * Double(c) - Double(l) - Double(r) - Double(u) - Double(d)
                        lapSum += lap; lapSquares += lap * lap; lapCount += 1
                    }
                }
            }
        }
        var focus = 0.0
        if finite > 1, lapCount > 1 {
            let variance = max(0, sumSquares / finite - (sum / finite) * (sum / finite))
            let lapVariance = max(0, lapSquares / lapCount - (lapSum / lapCount) * (lapSum / lapCount))
            focus = variance > 0 ? lapVariance / variance : 0
        }
        var inside = 0
        segmentation.labels.withUnsafeBufferPointer { l in for v in l where v != 0 { inside += 1 } }
        return ImageQuality(focusScore: focus, saturatedFraction: finite > 0 ? saturated / finite : 0,
                            foregroundFraction: Double(inside) / Double(n), nucleusCount: segmentation.count)
    }
}
