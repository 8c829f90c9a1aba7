/// How a well's infection rate is put on a scale comparable across plates.
///
/// Control-based scales (percent of control, NPI) use the plate's positive controls (virus, no compound: full
/// infection) and negative controls (no virus: background). Sample-based scales (robust z, B-score) use the
/// plate's own sample wells, on the assumption that most compounds of a primary screen do nothing; they need no
/// controls and tolerate a drifting control column, but not a plate dense with actives.
public enum ScreenNormalisation: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// 100 · (x − neg) / (pos − neg): 100 % is untreated infection, 0 % the uninfected background.
    case percentOfControl = "poc"
    /// Normalised percent inhibition, 100 · (pos − x) / (pos − neg): 0 % does nothing, 100 % abolishes infection.
    case npi
    /// (x − median) / (1.4826 · MAD) over the plate's sample wells.
    case robustZ = "robust-z"
    /// Residual of a two-way median polish (rows, columns) over the plate's sample wells divided by
    /// 1.4826 · MAD of the residuals (Brideau et al. 2003): removes row, column and edge effects.
    case bScore = "b-score"

    public var description: String { rawValue }

    /// True for robust z and B-score, whose values are in units of the plate's spread (hit rule: ≤ −3).
    public var isZScale: Bool { self == .robustZ || self == .bScore }
}

/// Control-based normalisations of one value. nil when the controls do not differ (no assay window).
public enum ControlNormalisation {
    public static func percentOfControl(_ value: Double, negative: Double, positive: Double) -> Double? {
        let span = positive - negative
        guard span != 0, span.isFinite, value.isFinite else { return nil }
        return 100 * (value - negative) / span
    }

    public static func percentInhibition(_ value: Double, negative: Double, positive: Double) -> Double? {
        let span = positive - negative
        guard span != 0, span.isFinite, value.isFinite else { return nil }
        return 100 * (positive - value) / span
    }
}

/// Robust z-scores of the sample wells of one plate.
public enum RobustZ {
    /// (x − median) / (1.4826 · MAD) for every value, median and MAD taken over `values` themselves.
    /// nil entries when the MAD is 0 (more than half the wells identical: no spread to scale by).
    public static func scores(_ values: [Double]) -> [Double?] {
        guard let centre = RobustStatistics.median(values), let spread = RobustStatistics.mad(values), spread > 0 else {
            return values.map { _ in nil }
        }
        return values.map { ($0 - centre) / spread }
    }
}
