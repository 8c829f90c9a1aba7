import Testing
import ScreenStatistics

@Suite struct HitCallingTests {
    func well(_ plate: String, _ well: String, z: Double?, inhibition: Double?, viability: Double?) -> ReplicateObservation {
        ReplicateObservation(plate: plate, well: well, infectionRate: 0.3, score: z, inhibition: inhibition, viability: viability)
    }

    @Test func activeAndViableIsAHit() {
        let call = HitCalling.call(compound: "A", replicates: [
            well("P1", "C05", z: -4.2, inhibition: 62, viability: 95), well("P2", "C05", z: -3.8, inhibition: 58, viability: 101),
        ], rule: HitRule())
        #expect(call.outcome == .hit)
        #expect(abs((call.score ?? 0) + 4.0) < 1e-12)
        #expect(call.concordance == 1)
        #expect(call.reason.contains("score -4 <= -3") && call.reason.contains("inhibition 60 % >= 50 %"))
    }

    /// Killing the cells lowers infection too: such a compound is never a hit, however strong.
    @Test func cytotoxicCompoundsAreNeverHits() {
        let call = HitCalling.call(compound: "Tox", replicates: [
            well("P1", "D07", z: -9, inhibition: 95, viability: 30), well("P2", "D07", z: -8, inhibition: 93, viability: 41),
        ], rule: HitRule())
        #expect(call.outcome == .cytotoxic && !call.isHit)
        #expect(call.reason.contains("cytotoxic"))
        let calls = HitCalling.call(["Tox": call.replicates, "Inert": [well("P1", "E02", z: 0.3, inhibition: 2, viability: 99)]],
                                    rule: HitRule())
        #expect(calls.allSatisfy { !$0.isHit })
    }

    @Test func replicatesCombineByMeanOrMedianWithConcordance() throws {
        let replicates = [well("P1", "A05", z: -5, inhibition: 70, viability: 90), well("P2", "A05", z: -4, inhibition: 55, viability: 92),
                          well("P3", "A05", z: 0.5, inhibition: 4, viability: 88)]
        let mean = HitCalling.call(compound: "X", replicates: replicates, rule: HitRule(combination: .mean))
        #expect(abs((mean.score ?? 0) + 8.5 / 3) < 1e-12)
        // Mean z −2.83 misses −3 but mean inhibition 43 % misses 50 %: not a hit; two of three replicates disagree.
        #expect(mean.outcome == .inactive)
        #expect(abs((mean.concordance ?? 0) - 1.0 / 3) < 1e-12)
        let median = HitCalling.call(compound: "X", replicates: replicates, rule: HitRule(combination: .median))
        #expect(median.score == -4 && median.outcome == .hit)
        #expect(abs((median.concordance ?? 0) - 2.0 / 3) < 1e-12)
        #expect(abs(try #require(median.scoreSpread) - 1.4826) < 1e-12)  // MAD of −5, −4, 0.5 about −4 is 1
    }

    @Test func thresholdsCanBeChangedOrLeftOut() {
        let replicate = [well("P1", "B03", z: -2.5, inhibition: 45, viability: 75)]
        #expect(HitCalling.call(compound: "Y", replicates: replicate, rule: HitRule()).outcome == .inactive)
        #expect(HitCalling.call(compound: "Y", replicates: replicate, rule: HitRule(scoreThreshold: -2)).outcome == .hit)
        #expect(HitCalling.call(compound: "Y", replicates: replicate,
                                rule: HitRule(scoreThreshold: nil, inhibitionThreshold: 40, viabilityThreshold: 80)).outcome == .cytotoxic)
        #expect(HitCalling.call(compound: "Z", replicates: [well("P1", "B04", z: nil, inhibition: nil, viability: nil)],
                                rule: HitRule()).outcome == .noData)
    }

    @Test func hitsComeFirstStrongestFirst() {
        let calls = HitCalling.call([
            "weak": [well("P1", "A01", z: -3.5, inhibition: 40, viability: 90)],
            "strong": [well("P1", "A02", z: -8, inhibition: 90, viability: 90)],
            "inert": [well("P1", "A03", z: 1, inhibition: -5, viability: 100)],
            "toxic": [well("P1", "A04", z: -12, inhibition: 99, viability: 10)],
        ], rule: HitRule())
        #expect(calls.map(\.compound) == ["strong", "weak", "toxic", "inert"])
    }
}
