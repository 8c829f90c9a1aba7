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
        // The HTML plot draws the viability curve with CC50 and SI next to the infection curve.
        let html = HTMLRenderer.render(report)
        #expect(html.contains("viability: CC50 = \(ReportFormat.concentration(cc50) ?? "")"))
        #expect(html.contains("stroke=\"#2ca02c\" stroke-width=\"2\" stroke-dasharray=\"6 3\""))
        if let path = ProcessInfo.processInfo.environment["VIROSCOPE_SAMPLE_DOSE_REPORT"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
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

    /// --weighted-fit: each point weighs 1/variance of its concentration's replicates. One wildly noisy
    /// concentration pulls an unweighted fit away from the truth and a weighted one much less.
    @Test func weightedFitDownweightsNoisyConcentrations() throws {
        let concentrations = (0..<8).map { 30 / pow(3, Double($0)) }
        var points: [(Double, Double)] = []
        for (k, c) in concentrations.enumerated() {
            let truth = 100 / (1 + pow(c / 0.5, 1.0))
            let spread = k == 5 ? 40.0 : 2.0  // 0.12 µM: replicates scattered far (and biased) around the curve
            for r in [-1.0, 1.0, 0.5] { points.append((c, truth + spread * r + (k == 5 ? 35 : 0))) }
        }
        let weights = ReportBuilder.inverseVarianceWeights(points)
        #expect(weights.count == 8 && (weights[concentrations[5]] ?? 1) < (weights[concentrations[0]] ?? 0) / 100)
        let plain = try LogisticFit.fit(points.map { DosePoint(concentration: $0.0, response: $0.1) }).get()
        let weighted = try LogisticFit.fit(points.map { DosePoint(concentration: $0.0, response: $0.1, weight: weights[$0.0] ?? 1) }).get()
        #expect(abs(log10(weighted.ic50 / 0.5)) < abs(log10(plain.ic50 / 0.5)))
        #expect(abs(log10(weighted.ic50 / 0.5)) < 0.05, "weighted IC50 \(weighted.ic50), unweighted \(plain.ic50)")
        // Equal weights give the unweighted fit.
        let equal = try LogisticFit.fit(points.map { DosePoint(concentration: $0.0, response: $0.1, weight: 4) }).get()
        #expect(abs(equal.ic50 - plain.ic50) / plain.ic50 < 1e-6)

        let report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates(),
                                         options: ReportOptions(weightedFit: true))
        #expect(report.doseResponses.allSatisfy { $0.weighting == "inverse replicate variance" })
        let fit = try #require(report.doseResponses.first { $0.treatment == "Acyclovir" }?.fit)
        #expect(abs(log10(fit.ic50 / 0.5)) < 0.1)
    }
}
