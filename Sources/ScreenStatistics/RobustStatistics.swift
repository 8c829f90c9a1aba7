/// Order statistics the screen normalisations are built on. Each returns nil for a sample too small to give
/// the value a meaning, so callers never print NaN.
public enum RobustStatistics {
    /// 1 / Φ⁻¹(3/4): scales the median absolute deviation to estimate σ of normal data (R's `mad` default).
    public static let madScale = 1.4826

    /// The median; the mean of the two middle values for an even count, as R's `median`.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// 1.4826 · median |x − median(x)|: a standard deviation that a few hit or failed wells do not inflate.
    public static func mad(_ values: [Double]) -> Double? {
        guard let centre = median(values) else { return nil }
        return median(values.map { abs($0 - centre) }).map { madScale * $0 }
    }

    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation (n − 1): replicate wells are a sample of the compound's effect.
    public static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}
