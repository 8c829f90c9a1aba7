import Testing
import ScreenStatistics

@Suite struct NormalisationTests {
    @Test func robustZByHand() throws {
        // median 3; |x - 3| = 2, 1, 0, 1, 97 → MAD 1 → scale 1.4826.
        let z = RobustZ.scores([1, 2, 3, 4, 100])
        let expected = [-2 / 1.4826, -1 / 1.4826, 0, 1 / 1.4826, 97 / 1.4826]
        for (value, want) in zip(z, expected) {
            #expect(abs(try #require(value) - want) < 1e-12)
        }
        // An even count: median of 0.2, 0.4, 0.5, 0.9 is 0.45; deviations 0.25, 0.05, 0.05, 0.45 → MAD 0.15.
        let even = RobustZ.scores([0.2, 0.4, 0.5, 0.9])
        #expect(abs(try #require(even[0]) - (0.2 - 0.45) / (1.4826 * 0.15)) < 1e-12)
        #expect(abs(try #require(even[3]) - (0.9 - 0.45) / (1.4826 * 0.15)) < 1e-12)
    }

    @Test func robustZWithoutSpreadIsNil() {
        #expect(RobustZ.scores([0.5, 0.5, 0.5, 0.9]).allSatisfy { $0 == nil })
        #expect(RobustZ.scores([]).isEmpty)
    }

    @Test func percentOfControlAndInhibitionByHand() throws {
        // Negative (no virus) 2 %, positive (virus, no compound) 72 %.
        let poc = try #require(ControlNormalisation.percentOfControl(0.37, negative: 0.02, positive: 0.72))
        let npi = try #require(ControlNormalisation.percentInhibition(0.37, negative: 0.02, positive: 0.72))
        #expect(abs(poc - 50) < 1e-9 && abs(npi - 50) < 1e-9)
        #expect(abs(try #require(ControlNormalisation.percentInhibition(0.72, negative: 0.02, positive: 0.72))) < 1e-9)
        #expect(abs(try #require(ControlNormalisation.percentInhibition(0.09, negative: 0.02, positive: 0.72)) - 90) < 1e-9)
        #expect(ControlNormalisation.percentInhibition(0.3, negative: 0.4, positive: 0.4) == nil)
    }

    @Test func normalisationNamesAreTheFlagValues() {
        #expect(ScreenNormalisation.allCases.map(\.rawValue) == ["poc", "npi", "robust-z", "b-score"])
        #expect(ScreenNormalisation.bScore.isZScale && !ScreenNormalisation.npi.isZScale)
    }
}
