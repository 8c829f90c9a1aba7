import Foundation
import Testing
import Reporting

@Suite struct StatisticsTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-4) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test func wilsonKnownValues() throws {
        let zero = try #require(Proportion.wilson(successes: 0, trials: 10))
        #expect(zero.lower == 0 && close(zero.upper, 0.27753))
        let half = try #require(Proportion.wilson(successes: 5, trials: 10))
        #expect(close(half.lower, 0.23659) && close(half.upper, 0.76341))
        let hundred = try #require(Proportion.wilson(successes: 50, trials: 100))
        #expect(close(hundred.lower, 0.40383) && close(hundred.upper, 0.59617))
        let all = try #require(Proportion.wilson(successes: 10, trials: 10))
        #expect(close(all.lower, 0.72247) && all.upper == 1)
        #expect(Proportion.wilson(successes: 0, trials: 0) == nil)
        #expect(Proportion.wilson(successes: 11, trials: 10) == nil)
        let wide = try #require(Proportion.wilson(successes: 5, trials: 10, confidence: 0.99))
        #expect(wide.lower < half.lower)
    }

    @Test func quantiles() {
        #expect(close(Distributions.normalQuantile(0.975), 1.959964, 1e-6))
        #expect(close(Distributions.studentTQuantile(0.975, degreesOfFreedom: 1), 12.7062, 1e-3))
        #expect(close(Distributions.studentTQuantile(0.975, degreesOfFreedom: 10), 2.228139, 1e-5))
        #expect(close(Distributions.studentTQuantile(0.025, degreesOfFreedom: 5), -2.570582, 1e-5))
        #expect(close(Distributions.fSurvival(3.0, 3, 10), 0.0817469, 1e-6))
    }

    @Test func descriptive() {
        let values = [1.0, 2, 3, 4, 100]
        #expect(Descriptive.mean(values) == 22)
        #expect(Descriptive.median(values) == 3)
        #expect(Descriptive.medianAbsoluteDeviation(values) == 1)
        #expect(close(Descriptive.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), 2.13809, 1e-5))
        #expect(Descriptive.standardDeviation([1]) == nil)
        #expect(Descriptive.median([]) == nil)
    }

    @Test func zPrimeKnownExample() throws {
        // μp = 80, σp = 2; μn = 10, σn = 2  →  Z' = 1 − 3·4/70 = 0.828571…
        let positive = [78.0, 80, 82]
        let negative = [8.0, 10, 12]
        let z = try #require(AssayQuality.zPrime(positive: positive, negative: negative))
        #expect(close(z, 1 - 12.0 / 70.0, 1e-12))
        #expect(AssayReading(zPrime: z) == .excellent)
        #expect(close(AssayQuality.ssmd(positive: positive, negative: negative), 70 / 8.0.squareRoot(), 1e-9))
        // Robust Z' ignores one wrecked control well; the classic one collapses.
        let wrecked = [78.0, 80, 82, 81, 5]
        let robust = try #require(AssayQuality.robustZPrime(positive: wrecked, negative: negative))
        #expect(robust > 0.5)
        #expect(try #require(AssayQuality.zPrime(positive: wrecked, negative: negative)) < 0)
        #expect(AssayReading(zPrime: 0.3) == .marginal && AssayReading(zPrime: -0.1) == .unusable)
        #expect(AssayQuality.zPrime(positive: [1], negative: [0, 1]) == nil)
    }

    @Test func percentOfPositive() {
        #expect(Normalisation.percentOfPositive(45, negative: 10, positive: 80) == 50)
        #expect(Normalisation.percentOfPositive(5, negative: 5, positive: 5) == nil)
    }
}

@Suite struct LogisticFitTests {
    static let concentrations = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30]

    func curve(_ x: Double, top: Double = 100, bottom: Double = 5, ic50: Double = 0.5, hill: Double = 1.2) -> Double {
        bottom + (top - bottom) / (1 + pow(x / ic50, hill))
    }

    @Test func recoversNoiselessParameters() throws {
        let points = Self.concentrations.flatMap { x in [DosePoint(concentration: x, response: curve(x)), DosePoint(concentration: x, response: curve(x))] }
        let fit = try LogisticFit.fit(points).get()
        #expect(abs(fit.ic50 - 0.5) / 0.5 < 1e-4)
        #expect(abs(fit.top - 100) < 1e-3 && abs(fit.bottom - 5) < 1e-3 && abs(fit.hill - 1.2) < 1e-3)
        #expect(fit.rSquared > 0.999999)
    }

    @Test func recoversNoisyIC50WithinItsInterval() throws {
        // Deterministic pseudo-noise (a fixed LCG), SD about 4 % of the span, triplicates.
        var state: UInt64 = 12345
        func noise() -> Double {
            var sum = 0.0
            for _ in 0..<12 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                sum += Double(state >> 11) / Double(1 << 53)
            }
            return (sum - 6) * 4
        }
        var points: [DosePoint] = []
        for x in Self.concentrations {
            for _ in 0..<3 { points.append(DosePoint(concentration: x, response: curve(x, ic50: 0.2, hill: 1) + noise())) }
        }
        let fit = try LogisticFit.fit(points).get()
        #expect(abs(log10(fit.ic50 / 0.2)) < 0.15)
        let lower = try #require(fit.ic50Lower)
        let upper = try #require(fit.ic50Upper)
        #expect(lower < 0.2 && 0.2 < upper)
        #expect(lower < fit.ic50 && fit.ic50 < upper)
        #expect(fit.rSquared > 0.9)
    }

    @Test func increasingResponseHasPositiveHillWithSwappedAsymptotes() throws {
        let points = Self.concentrations.map { DosePoint(concentration: $0, response: curve($0, top: 0, bottom: 90, ic50: 1, hill: 1)) }
        let fit = try LogisticFit.fit(points).get()
        #expect(abs(fit.ic50 - 1) < 1e-3 && fit.hill > 0 && abs(fit.top) < 1e-3 && abs(fit.bottom - 90) < 1e-3)
    }

    @Test func failsOnFlatNoisyAndSparseData() {
        let flat = Self.concentrations.map { DosePoint(concentration: $0, response: 50) }
        #expect(LogisticFit.fit(flat) == .failure(.noDoseResponse(pValue: nil)))
        let jitter = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.4, -0.3, 0.1]
        let noisyFlat = zip(Self.concentrations, jitter).map { DosePoint(concentration: $0, response: 50 + $1) }
        guard case .failure = LogisticFit.fit(noisyFlat) else {
            Issue.record("a flat, noisy series gave a fit")
            return
        }
        let sparse = [0.1, 1, 10].map { DosePoint(concentration: $0, response: curve($0)) }
        #expect(LogisticFit.fit(sparse) == .failure(.notEnoughPoints(distinctConcentrations: 3)))
        let zeros = [0.0, 0, 1, 10, 100].map { DosePoint(concentration: $0, response: 1) }
        #expect(LogisticFit.fit(zeros) == .failure(.notEnoughPoints(distinctConcentrations: 3)))
    }

    @Test func exactlyFourPointsFitButHaveNoInterval() throws {
        let points = [0.01, 0.1, 1, 10].map { DosePoint(concentration: $0, response: curve($0, ic50: 0.3, hill: 1)) }
        let fit = try LogisticFit.fit(points).get()
        #expect(abs(fit.ic50 - 0.3) / 0.3 < 1e-3)
        #expect(fit.ic50Lower == nil)
    }
}
