import Foundation

/// Why a field should be left out of a well's rate.
public enum ImageQualityFlag: String, Codable, Sendable, CaseIterable, Comparable {
    /// Focus far below the campaign's own fields (robust z of log focus under the limit).
    case outOfFocus = "out-of-focus"
    /// Too many saturated pixels: intensities, and so the classifier's input, are clipped.
    case saturated
    /// Too few nuclei to say anything (no cells, or nothing segmented).
    case empty

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The limits that turn measures into flags. Focus is judged against the campaign's own fields (robust z), so
/// one setting serves every magnification and stain; saturation and emptiness are absolute, because a
/// cytotoxic compound really does empty a well and must not be hidden as a quality problem.
public struct ImageQualityLimits: Codable, Sendable, Equatable {
    /// A field is out of focus when the robust z of its log focus score is below this.
    public var focusRobustZ: Double = -3
    /// A field is saturated when more than this share of its pixels is at the saturation level.
    public var saturatedFraction: Double = 0.01
    /// A field is empty when it has fewer nuclei than this.
    public var minimumNucleusCount: Int = 1

    public init() {}

    /// Nil when the limits can work; otherwise what is wrong.
    public var problem: String? {
        if !(focusRobustZ.isFinite && focusRobustZ < 0) { return "focus robust z limit must be a negative number" }
        if !(saturatedFraction >= 0 && saturatedFraction <= 1) { return "saturated fraction must be within 0…1" }
        if minimumNucleusCount < 0 { return "minimum nucleus count must be ≥ 0" }
        return nil
    }
}

/// The verdict on one field: its flags, each with a reason a person can read.
public struct ImageQualityAssessment: Codable, Sendable, Equatable {
    public let flags: [ImageQualityFlag]
    public let reasons: [String]
    public var isFlagged: Bool { !flags.isEmpty }
}

public enum ImageQualityFlagger {
    /// Flags each field against `limits` and against the distribution of all `fields` (a campaign's, or a
    /// plate's). Deterministic and order-independent: the median and MAD do not depend on the order.
    public static func assess(_ fields: [ImageQuality], limits: ImageQualityLimits = ImageQualityLimits())
        -> [ImageQualityAssessment] {
        let logFocus = fields.map { log(max($0.focusScore, 1e-12)) }
        let (centre, spread) = robustCentreAndSpread(logFocus)
        return fields.enumerated().map { index, field in
            var flags: [ImageQualityFlag] = [], reasons: [String] = []
            if let spread, fields.count >= 5 {
                let z = (logFocus[index] - centre) / spread
                if z < limits.focusRobustZ {
                    flags.append(.outOfFocus)
                    reasons.append(String(format: "focus score %.4g is %.1f robust SD below the campaign's median %.4g",
                                          field.focusScore, -z, exp(centre)))
                }
            }
            if field.saturatedFraction > limits.saturatedFraction {
                flags.append(.saturated)
                reasons.append(String(format: "%.2f%% of pixels saturated (limit %.2f%%)",
                                      100 * field.saturatedFraction, 100 * limits.saturatedFraction))
            }
            if field.nucleusCount < limits.minimumNucleusCount {
                flags.append(.empty)
                reasons.append("\(field.nucleusCount) nuclei (minimum \(limits.minimumNucleusCount))")
            }
            return ImageQualityAssessment(flags: flags, reasons: reasons)
        }
    }

    /// Median and 1.4826 × MAD (a standard deviation for normal data); nil spread when it is zero or there are
    /// too few values to judge.
    static func robustCentreAndSpread(_ values: [Double]) -> (Double, Double?) {
        guard !values.isEmpty else { return (0, nil) }
        let sorted = values.sorted()
        let median = quantile(sorted, 0.5)
        let deviations = values.map { abs($0 - median) }.sorted()
        let mad = 1.4826 * quantile(deviations, 0.5)
        return (median, mad > 1e-9 ? mad : nil)
    }

    private static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(sorted.count - 1, lower + 1)
        let fraction = position - Double(lower)
        return sorted[lower] * (1 - fraction) + sorted[upper] * fraction
    }
}
