import Foundation
import Testing
import Reporting
import Screening

@Suite struct DoseToxicityTests {
    let report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: DoseSeries.toxicSeries())

    @Test func cc50AndSelectivityIndexFromTheViabilityFit() throws {
        let toxivir = try #require(report.doseResponses.first { $0.treatment == "Toxivir" })
        let ic50 = try #require(toxivir.fit?.ic50)
        let cc50 = try #require(toxivir.viabilityFit?.ic50)
        #expect(abs(log10(ic50 / 0.5)) < 0.1, "IC50 \(ic50)")
        #expect(abs(log10(cc50 / 10)) < 0.1, "CC50 \(cc50)")
        let si = try #require(toxivir.selectivityIndex)
        #expect(si.kind == "estimate" && abs(si.value - cc50 / ic50) < 1e-9)
        let lower = try #require(si.lower), upper = try #require(si.upper)
        #expect(lower < si.value && si.value < upper)
    }

    /// Viability never halves: CC50 is above the top concentration and SI is a lower bound, said in words.
    @Test func selectivityIndexIsABoundWhenViabilityNeverHalves() throws {
        let safevir = try #require(report.doseResponses.first { $0.treatment == "Safevir" })
        #expect(safevir.viabilityFit == nil)
        #expect(safevir.viabilityNote?.hasPrefix("CC50 above the highest concentration") == true)
        let si = try #require(safevir.selectivityIndex)
        let ic50 = try #require(safevir.fit?.ic50)
        #expect(si.kind == "lower-bound" && abs(si.value - 30 / ic50) < 1e-9 && si.lower == nil)
        let row = try #require(CSVRenderer.render(report)["dose-response.csv"]?.split(separator: "\r\n").first { $0.hasPrefix("Safevir") })
        #expect(row.contains(",>"))
    }

    /// "10 nM" and "10 µM" of one drug are different series, never merged.
    @Test func seriesAreGroupedByTreatmentAndUnit() {
        let unitvir = report.notes.filter { $0.hasPrefix("Unitvir") }
        // Five concentrations in each unit; on their own each is a (flat) series of its own.
        #expect(report.doseResponses.filter { $0.treatment == "Unitvir" }.map(\.unit) == ["nM", "uM"])
        #expect(report.doseResponses.filter { $0.treatment == "Unitvir" }.allSatisfy { $0.concentrations == 5 })
        #expect(unitvir.isEmpty)
    }

    @Test func fewerThanFiveConcentrationsGiveANoteNotAFit() {
        #expect(!report.doseResponses.contains { $0.treatment == "Shortvir" })
        #expect(report.notes.contains("Shortvir (uM): 4 concentrations, no dose-response fit (at least 5 needed)"))
    }

    /// A parameter on the optimiser's bound gets no interval, and the report says why.
    @Test func noIntervalForAParameterOnItsBound() throws {
        // A step between two concentrations: the Hill slope runs to its bound of 10.
        let points = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30].flatMap { c in
            [DosePoint(concentration: c, response: c < 0.5 ? 100 : 0), DosePoint(concentration: c, response: c < 0.5 ? 99 : 1)]
        }
        let fit = try LogisticFit.fit(points).get()
        #expect(fit.ic50Lower == nil && fit.ic50Upper == nil)
        #expect(fit.intervalNote?.contains("hill slope at the fit's bound") == true)
    }
}
