/// Elementary functions written with plain IEEE-754 arithmetic only.
///
/// Why: libm's `log`, `exp`, `sin` may differ in the last bit between glibc and Apple's libm, and one bit is
/// enough to change a rounded pixel and break "same seed, same bytes" across platforms. These are accurate to a
/// few ulps, which is plenty for drawing images; exactness across machines is what matters here.
public enum DeterministicMath {
    static let ln2 = 0.693_147_180_559_945_309_417_232_121_458
    static let twoPi = 6.283_185_307_179_586_476_925_286_766_559

    /// Natural logarithm; `-infinity` for 0, NaN for negative or NaN input.
    public static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else {
            if x == 0 { return -.infinity }
            return x == .infinity ? .infinity : .nan
        }
        // x = m * 2^e with m in [1, 2); fold m into [sqrt(1/2), sqrt(2)) so the series converges fast.
        var exponent = Double(Int(x.exponent))
        var m = x.significand
        if m > 1.414_213_562_373_095_048_8 {
            m *= 0.5
            exponent += 1
        }
        // ln m = 2 atanh(t), t = (m - 1) / (m + 1), |t| < 0.172.
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var term = t
        var sum = 0.0
        var denominator = 1.0
        for _ in 0..<12 {
            sum += term / denominator
            term *= t2
            denominator += 2
        }
        return 2 * sum + exponent * ln2
    }

    /// e^x; 0 below about -745 and +infinity above about 709, as IEEE doubles would give.
    public static func exp(_ x: Double) -> Double {
        guard x.isFinite else { return x.isNaN ? .nan : (x > 0 ? .infinity : 0) }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        // x = k ln2 + r, |r| <= ln2 / 2.
        let k = (x / ln2).rounded()
        // Cody–Waite: ln2 split so k * ln2High is exact and the reduction loses nothing for large |x|.
        let r = (x - k * 6.931_471_803_691_238_164_90e-01) - k * 1.908_214_929_270_587_700_02e-10
        var term = 1.0
        var sum = 1.0
        for n in 1...16 {
            term *= r / Double(n)
            sum += term
        }
        return scale(sum, byPowerOfTwo: Int(k))
    }

    /// x^y for x > 0 (what dose-response curves need).
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 1 { return x }
        if y == 0 { return 1 }
        return exp(y * log(x))
    }

    public static func sin(_ x: Double) -> Double {
        let (s, _) = sinCos(x)
        return s
    }

    public static func cos(_ x: Double) -> Double {
        let (_, c) = sinCos(x)
        return c
    }

    /// Sine and cosine together, by Taylor series after reducing to [-pi, pi] (meant for moderate angles).
    public static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
        let r = x - (x / twoPi).rounded() * twoPi
        let r2 = r * r
        var sinTerm = r
        var cosTerm = 1.0
        var sinSum = r
        var cosSum = 1.0
        var n = 1.0
        for _ in 0..<22 {
            sinTerm *= -r2 / ((n + 1) * (n + 2))
            cosTerm *= -r2 / (n * (n + 1))
            sinSum += sinTerm
            cosSum += cosTerm
            n += 2
        }
        return (sinSum, cosSum)
    }

    /// value * 2^power, in steps so subnormal results and large powers stay exact.
    private static func scale(_ value: Double, byPowerOfTwo power: Int) -> Double {
        var result = value
        var remaining = power
        while remaining > 1000 {
            result *= 0x1.0p1000
            remaining -= 1000
        }
        while remaining < -1000 {
            result *= 0x1.0p-1000
            remaining += 1000
        }
        return result * Double(sign: .plus, exponent: remaining, significand: 1)
    }
}
