import Foundation

/// The selectivity index SI = CC50 / IC50: how far apart the concentration that halves viability and the one
/// that halves infection are. SI ≥ 10 is the usual bar for an antiviral worth following.
public struct SelectivityIndex: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Both CC50 and IC50 were fitted.
        case estimate
        /// CC50 lies above the highest tested concentration, so SI > value (a lower bound, no interval).
        case lowerBound = "lower-bound"
    }

    public var kind: Kind
    public var value: Double
    /// 95 % interval, only for `estimate`, when both fits gave standard errors.
    public var lower: Double?
    public var upper: Double?

    /// SI from fitted CC50 and IC50, with the interval from their log10 standard errors added in quadrature
    /// (the two fits use different wells' responses, so they are treated as independent).
    public static func estimate(ic50: Double, ic50LogSE: Double?, cc50: Double, cc50LogSE: Double?,
                                z: Double = 1.959964) -> SelectivityIndex? {
        guard ic50 > 0, cc50 > 0, ic50.isFinite, cc50.isFinite else { return nil }
        let value = cc50 / ic50
        guard let a = ic50LogSE, let b = cc50LogSE, a.isFinite, b.isFinite else {
            return SelectivityIndex(kind: .estimate, value: value, lower: nil, upper: nil)
        }
        let se = (a * a + b * b).squareRoot()
        let log = log10(value)
        return SelectivityIndex(kind: .estimate, value: value, lower: pow(10, log - z * se), upper: pow(10, log + z * se))
    }

    /// SI > highest / IC50 when viability never halves within the tested range.
    public static func bound(ic50: Double, highestConcentration: Double) -> SelectivityIndex? {
        guard ic50 > 0, highestConcentration > 0, ic50.isFinite, highestConcentration.isFinite else { return nil }
        return SelectivityIndex(kind: .lowerBound, value: highestConcentration / ic50, lower: nil, upper: nil)
    }
}
