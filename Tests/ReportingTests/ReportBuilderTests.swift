import Foundation
import Testing
import Reporting
import Screening

@Suite struct ReportBuilderTests {
    /// Two plates, four wells each, numbers small enough to check by hand.
    func handMade() -> [WellMeasurement] {
        func w(_ plate: String, _ well: String, _ nuclei: Int, _ infected: Int, control: ControlKind? = nil,
               treatment: String? = nil, concentration: Double? = nil, done: Int = 2) -> WellMeasurement {
            WellMeasurement(plate: plate, well: SampleCampaign.well(well), treatment: treatment, concentration: concentration,
                            unit: "uM", virus: control == .negative ? nil : "HSV-1", control: control,
                            imageSets: 2, imageSetsDone: done, nuclei: nuclei, infected: infected)
        }
        return [
            w("P1", "A01", 100, 10, control: .negative), w("P1", "A02", 100, 20, control: .negative),
            w("P1", "B01", 100, 80, control: .positive), w("P1", "B02", 100, 90, control: .positive),
            w("P1", "C01", 200, 100, treatment: "X", concentration: 1),
            w("P2", "A01", 50, 5, control: .negative), w("P2", "B01", 50, 45, control: .positive),
            w("P2", "C01", 0, 0, treatment: "X", concentration: 1, done: 1),
        ]
    }

    @Test func levelsOfAHandMadeCampaign() throws {
        let report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: handMade())
        // Summary: 8 wells, 16 image sets of which 15 done → still running.
        #expect(report.summary.plates == 2 && report.summary.wells == 8)
        #expect(report.summary.imageSets == 16 && report.summary.imageSetsDone == 15)
        #expect(!report.summary.complete)
        #expect(report.summary.status == "still running: 15 of 16 image sets done (93.8 %)")
        #expect(report.summary.nuclei == 700 && report.summary.infected == 350)
        #expect(report.summary.infectionRate == 0.5)

        // Wells: C01 of P1 at 50 %, against P1 controls neg 15 %, pos 85 % → 50 % of positive.
        let c01 = try #require(report.wells.first { $0.plate == "P1" && $0.well.description == "C01" })
        #expect(c01.infectionRate == 0.5)
        #expect(abs((c01.percentOfPositive ?? .nan) - 50) < 1e-9)
        #expect(abs((c01.infectionRateLower ?? .nan) - 0.43135) < 1e-4)
        let empty = try #require(report.wells.first { $0.plate == "P2" && $0.well.description == "C01" })
        #expect(empty.infectionRate == nil && empty.percentOfPositive == nil)

        // Plates: P1 has two of each control; Z' = 1 − 3(0.0707 + 0.0707)/0.7.
        let p1 = try #require(report.plates.first { $0.plate == "P1" })
        let sd = (0.005).squareRoot()
        #expect(abs((p1.zPrime ?? .nan) - (1 - 3 * 2 * sd / 0.7)) < 1e-9)
        #expect(p1.reading == .marginal)  // Z′ ≈ 0.394
        #expect(p1.positiveControls == 2 && p1.negativeControls == 2)
        let p2 = try #require(report.plates.first { $0.plate == "P2" })
        #expect(p2.zPrime == nil && p2.reading == nil)
        #expect(p2.positiveMean == 0.9)

        // Conditions: X at 1 µM has one replicate with nuclei (P2's well has none); controls are their own rows.
        let x = try #require(report.conditions.first { $0.treatment == "X" })
        #expect(x.replicates == 1 && x.meanInfectionRate == 0.5 && x.sdInfectionRate == nil)
        #expect(report.conditions.filter { $0.control == .positive }.first?.replicates == 3)
        #expect(report.doseResponses.isEmpty)
    }

    @Test func completeWhenEverythingIsDoneUnlessTheDatabaseSaysRunning() {
        let wells = SampleCampaign.doseResponsePlates()
        #expect(ReportBuilder.build(campaign: SampleCampaign.info(), wells: wells).summary.status == "complete")
        #expect(!ReportBuilder.build(campaign: SampleCampaign.info(state: "running"), wells: wells).summary.complete)
        let running = ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates(done: false))
        #expect(running.summary.status.hasPrefix("still running"))
    }

    @Test func doseResponseLevelFitsTheActiveDrugAndExplainsTheInactiveOne() throws {
        let report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates())
        #expect(report.doseResponses.map(\.treatment) == ["Acyclovir", "Inactive"])
        let active = report.doseResponses[0]
        #expect(active.response == "percentOfPositive")
        #expect(active.concentrations == 10 && active.points.count == 10 && active.points[0].replicates == 8)
        let fit = try #require(active.fit)
        #expect(abs(log10(fit.ic50 / 0.5)) < 0.1)
        #expect(abs(fit.top - 100) < 10 && abs(fit.bottom) < 10)
        #expect(fit.rSquared > 0.95)
        let inactive = report.doseResponses[1]
        #expect(inactive.fit == nil)
        #expect(inactive.failure != nil)
        for plate in report.plates { #expect(plate.reading == .excellent) }
    }
}
