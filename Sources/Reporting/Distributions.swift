import Foundation

/// The few distribution functions the report needs, written out so the product has no numerics dependency:
/// the standard normal quantile (for Wilson intervals at any confidence) and Student's t and the F
/// distribution (for the IC50 confidence interval and the test that a dose response exists at all).
public enum Distributions {
    /// Φ(x), the standard normal cumulative distribution.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for 0 < p < 1, by bisection on `normalCDF` (accurate to ~1e-12; speed is irrelevant here).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1 is required")
        return bisect(lower: -40, upper: 40) { normalCDF($0) - p }
    }

    /// Regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
    public static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logPowers - logBeta
        // The fraction converges fast only for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x > (a + 1) / (a + b + 2) {
            return 1 - exp(logFront) * betaFraction(1 - x, b, a) / b
        }
        return exp(logFront) * betaFraction(x, a, b) / a
    }

    private static func betaFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...500 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }

    /// P(T ≤ t) for Student's t with `degreesOfFreedom` > 0.
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t quantile: the value t with P(T ≤ t) = p. `studentTQuantile(0.975, 10)` ≈ 2.228.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "p in (0, 1) and positive degrees of freedom are required")
        return bisect(lower: -1e7, upper: 1e7) { studentTCDF($0, degreesOfFreedom: df) - p }
    }

    /// P(F > f) for the F distribution with (d1, d2) degrees of freedom: the p-value of an F test.
    public static func fSurvival(_ f: Double, _ d1: Double, _ d2: Double) -> Double {
        guard f > 0 else { return 1 }
        return 1 - incompleteBeta(d1 * f / (d1 * f + d2), d1 / 2, d2 / 2)
    }

    /// Root of an increasing function on [lower, upper].
    private static func bisect(lower: Double, upper: Double, _ f: (Double) -> Double) -> Double {
        var low = lower
        var high = upper
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if f(middle) < 0 { low = middle } else { high = middle }
            if high - low <= 1e-13 * max(1, abs(middle)) { break }
        }
        return (low + high) / 2
    }
}
