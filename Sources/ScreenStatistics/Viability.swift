import Foundation

/// A well's viability: its nuclei count as a percentage of the plate's untreated reference wells, with an
/// approximate 95 % interval.
public struct ViabilityEstimate: Sendable, Hashable, Codable {
    public var percent: Double
    public var lower: Double
    public var upper: Double
}

/// Viability from nuclei counts. A compound that kills cells lowers the infection rate of the survivors only
/// by accident, and lowers the count for sure, so the count is the guard against the classic false hit.
public enum Viability {
    /// The well's count over the mean count of the reference wells (nuclei per imaged site; pass counts per
    /// site when wells have different site numbers).
    ///
    /// The interval is on the log ratio, whose variance adds the well's own scatter and the uncertainty of the
    /// reference mean. A single well's scatter is the larger of the Poisson term 1/count and the reference wells'
    /// squared coefficient of variation (real wells vary more than Poisson: seeding, evaporation); the reference
    /// mean's is CV²/n. nil without at least one reference well with nuclei.
    public static func estimate(count: Double, references: [Double], z: Double = 1.959964) -> ViabilityEstimate? {
        guard count.isFinite, count >= 0, let mean = RobustStatistics.mean(references), mean > 0 else { return nil }
        let percent = 100 * count / mean
        let cv = RobustStatistics.standardDeviation(references).map { $0 / mean } ?? 0
        let wellVariance = max(count > 0 ? 1 / count : 1, cv * cv)
        let se = (wellVariance + cv * cv / Double(references.count)).squareRoot()
        guard count > 0 else {
            // log(0) has no interval; the upper bound is what one nucleus would have given.
            return ViabilityEstimate(percent: 0, lower: 0, upper: 100 * exp(log(1 / mean) + z * se))
        }
        return ViabilityEstimate(percent: percent, lower: percent * exp(-z * se), upper: percent * exp(z * se))
    }
}
