import Foundation

/// Descriptive statistics on plain arrays. Each returns nil when the sample is too small for the value to
/// mean anything (an empty mean, a standard deviation of one value), so callers never print NaN.
public enum Descriptive {
    public static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation (n − 1 in the denominator): replicate wells are a sample of the condition.
    public static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// Median absolute deviation from the median, unscaled. Multiply by 1.4826 (`madScale`) to estimate
    /// the standard deviation of normal data while ignoring outlier wells.
    public static func medianAbsoluteDeviation(_ values: [Double]) -> Double? {
        guard let center = median(values) else { return nil }
        return median(values.map { abs($0 - center) })
    }

    /// 1 / Φ⁻¹(3/4): makes the MAD a consistent estimator of σ for normal data.
    public static let madScale = 1.4826

    /// Robust standard deviation: 1.4826 · MAD.
    public static func robustStandardDeviation(_ values: [Double]) -> Double? {
        medianAbsoluteDeviation(values).map { madScale * $0 }
    }
}
