import Foundation
import Testing
import ScreenStatistics

@Suite struct ViabilityAndSelectivityTests {
    @Test func viabilityIsTheCountOverTheReferenceMean() throws {
        let references = [100.0, 110, 90, 100]  // mean 100, SD 8.165, CV 0.0816
        let half = try #require(Viability.estimate(count: 50, references: references))
        #expect(abs(half.percent - 50) < 1e-12)
        // Well variance max(1/50, CV²) = 0.02, reference mean CV²/4 = 0.001667: se = 0.1472.
        let se = (0.02 + (8.16496580927726 / 100) * (8.16496580927726 / 100) / 4).squareRoot()
        #expect(abs(half.lower - 50 * exp(-1.959964 * se)) < 1e-9)
        #expect(abs(half.upper - 50 * exp(1.959964 * se)) < 1e-9)
        let full = try #require(Viability.estimate(count: 100, references: references))
        #expect(full.lower < 100 && full.upper > 100 && full.lower > 70)
        let none = try #require(Viability.estimate(count: 0, references: references))
        #expect(none.percent == 0 && none.lower == 0 && none.upper > 0)
        #expect(Viability.estimate(count: 10, references: []) == nil)
        #expect(Viability.estimate(count: 10, references: [0, 0]) == nil)
    }

    @Test func selectivityIndexWithInterval() throws {
        let si = try #require(SelectivityIndex.estimate(ic50: 0.5, ic50LogSE: 0.03, cc50: 40, cc50LogSE: 0.04))
        #expect(si.kind == .estimate && abs(si.value - 80) < 1e-9)
        // log10 SE = 0.05 → ×/÷ 10^(1.96·0.05) = 1.2530.
        #expect(abs(try #require(si.lower) - 80 / pow(10, 1.959964 * 0.05)) < 1e-9)
        #expect(abs(try #require(si.upper) - 80 * pow(10, 1.959964 * 0.05)) < 1e-9)
        let noSE = try #require(SelectivityIndex.estimate(ic50: 2, ic50LogSE: nil, cc50: 10, cc50LogSE: 0.1))
        #expect(noSE.value == 5 && noSE.lower == nil)
        #expect(SelectivityIndex.estimate(ic50: 0, ic50LogSE: nil, cc50: 1, cc50LogSE: nil) == nil)
    }

    @Test func selectivityIndexBoundWhenViabilityNeverHalves() throws {
        let bound = try #require(SelectivityIndex.bound(ic50: 0.3, highestConcentration: 30))
        #expect(bound.kind == .lowerBound && abs(bound.value - 100) < 1e-9 && bound.lower == nil)
    }
}
