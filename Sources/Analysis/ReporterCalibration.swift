import Foundation

/// The reporter (GFP) bar that separates infected from uninfected nuclei, found from the data as the published
/// method did: Otsu's threshold on the per-nucleus mean reporter intensities.
///
/// Computed over many images at once (a campaign's control wells, a training set), never per image: an image
/// of a negative-control well has only one population and would be split in the middle of its noise.
public enum ReporterCalibration {
    /// Otsu's threshold on `means`, computed on log intensities because reporter brightness spans decades.
    /// - Returns: nil when there are fewer than 2 distinct values, so no bar can be drawn.
    public static func threshold(means: [Float], bins: Int = 256) -> Float? {
        let logs = means.filter { $0.isFinite && $0 >= 0 }.map { log1p(Double($0)) }
        guard let low = logs.min(), let high = logs.max(), high > low else { return nil }
        let width = (high - low) / Double(bins)
        var histogram = [Double](repeating: 0, count: bins)
        for value in logs { histogram[min(bins - 1, Int((value - low) / width))] += 1 }
        let total = Double(logs.count)
        let weightedTotal = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        var backgroundWeight = 0.0, backgroundSum = 0.0
        var best = -1.0, bestBin = 0
        for bin in 0..<(bins - 1) {
            backgroundWeight += histogram[bin]
            backgroundSum += Double(bin) * histogram[bin]
            let foregroundWeight = total - backgroundWeight
            guard backgroundWeight > 0, foregroundWeight > 0 else { continue }
            let meanBackground = backgroundSum / backgroundWeight
            let meanForeground = (weightedTotal - backgroundSum) / foregroundWeight
            let between = backgroundWeight * foregroundWeight * (meanBackground - meanForeground) * (meanBackground - meanForeground)
            if between > best { best = between; bestBin = bin }
        }
        return Float(expm1(low + Double(bestBin + 1) * width))
    }

    /// Labels each nucleus 1 (infected) when its reporter mean is above `threshold`, else 0.
    public static func labels(means: [Float], threshold: Float) -> [Int] {
        means.map { $0 > threshold ? 1 : 0 }
    }
}
