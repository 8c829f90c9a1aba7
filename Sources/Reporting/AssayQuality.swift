import Foundation

/// How a plate's Z'-factor is conventionally read (Zhang, Chung & Oldenburg 1999).
public enum AssayReading: String, Sendable, Codable, Hashable {
    /// Z' > 0.5: controls are well separated; single-well hits are trustworthy.
    case excellent
    /// 0 ≤ Z' ≤ 0.5: usable with replicates.
    case marginal
    /// Z' < 0: control bands overlap; the plate cannot tell hits from noise.
    case unusable

    public init(zPrime: Double) {
        if zPrime > 0.5 {
            self = .excellent
        } else if zPrime >= 0 {
            self = .marginal
        } else {
            self = .unusable
        }
    }
}

/// Plate-quality statistics from positive- and negative-control wells. All return nil without at least two
/// wells of each control, or when the statistic is undefined (identical control means).
public enum AssayQuality {
    /// Z' = 1 − 3(σp + σn) / |μp − μn|.
    public static func zPrime(positive: [Double], negative: [Double]) -> Double? {
        guard let mp = Descriptive.mean(positive), let mn = Descriptive.mean(negative),
              let sp = Descriptive.standardDeviation(positive), let sn = Descriptive.standardDeviation(negative),
              mp != mn else { return nil }
        return 1 - 3 * (sp + sn) / abs(mp - mn)
    }

    /// Robust Z': medians for means and 1.4826·MAD for standard deviations, so one failed control well
    /// (a bubble, an empty well) does not condemn the plate.
    public static func robustZPrime(positive: [Double], negative: [Double]) -> Double? {
        guard positive.count >= 2, negative.count >= 2,
              let mp = Descriptive.median(positive), let mn = Descriptive.median(negative),
              let sp = Descriptive.robustStandardDeviation(positive), let sn = Descriptive.robustStandardDeviation(negative),
              mp != mn else { return nil }
        return 1 - 3 * (sp + sn) / abs(mp - mn)
    }

    /// Strictly standardised mean difference β = (μp − μn) / √(σp² + σn²), for independent controls.
    /// |β| ≥ 3 is conventionally a strong control separation; unlike Z' it does not saturate.
    public static func ssmd(positive: [Double], negative: [Double]) -> Double? {
        guard let mp = Descriptive.mean(positive), let mn = Descriptive.mean(negative),
              let sp = Descriptive.standardDeviation(positive), let sn = Descriptive.standardDeviation(negative) else { return nil }
        let spread = (sp * sp + sn * sn).squareRoot()
        // Controls without spread (rounding noise at most) make β infinite, which says nothing useful.
        guard spread > 1e-9 * max(abs(mp - mn), 1e-300) else { return nil }
        return (mp - mn) / spread
    }
}

/// Normalisation of a well's value to its plate's controls.
public enum Normalisation {
    /// Percent of positive control: 100 · (x − neg) / (pos − neg). 0 % is the uninfected background, 100 % the
    /// untreated infection; an antiviral's wells fall between. nil when the controls do not differ.
    public static func percentOfPositive(_ value: Double, negative: Double, positive: Double) -> Double? {
        let span = positive - negative
        guard span != 0, span.isFinite, value.isFinite else { return nil }
        return 100 * (value - negative) / span
    }
}
