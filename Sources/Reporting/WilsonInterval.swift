import Foundation

/// A proportion with its Wilson score confidence interval.
///
/// Wilson rather than the textbook p ± z·√(p(1−p)/n) because infection rates are often near 0 % (negative
/// controls) or 100 % (positive controls), where the textbook interval collapses to zero width or leaves [0, 1].
/// The interval treats nuclei as independent; replicate wells (see the condition level) show the real spread.
public struct Proportion: Sendable, Hashable, Codable {
    public var successes: Int
    public var trials: Int
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double

    /// nil when there are no trials (a well with no nuclei has no infection rate) or the counts are inconsistent.
    public static func wilson(successes: Int, trials: Int, confidence: Double = 0.95) -> Proportion? {
        guard trials > 0, successes >= 0, successes <= trials, confidence > 0, confidence < 1 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z = Distributions.normalQuantile(1 - (1 - confidence) / 2)
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return Proportion(successes: successes, trials: trials, estimate: p,
                          lower: max(0, center - half), upper: min(1, center + half), confidence: confidence)
    }
}
