import Foundation
import Testing
import Reporting
import Screening

/// Per-well model × reporter tables where the model agrees with the reporter on `agreeing` of the nuclei.
private func agreement(_ wells: [WellMeasurement], agreeing: Double) -> [WellCallAgreement] {
    wells.map { m in
        let reporter = m.reporterPositive ?? 0
        let both = Int(Double(min(reporter, m.infected)) * agreeing)
        return WellCallAgreement(plate: m.plate, well: m.well, control: m.control, nuclei: m.nuclei, bothPositive: both,
                                 modelOnly: m.infected - both, reporterOnly: reporter - both)
    }
}

/// The same plates, but the model calls nearly every nucleus infected (a model used outside its domain).
private func everythingInfected(_ wells: [WellMeasurement]) -> [WellMeasurement] {
    wells.map { m in
        var copy = m
        copy.infected = m.nuclei * 97 / 100
        return copy
    }
}

@Suite struct ModelCheckTests {
    @Test func kappaOfKnownTables() throws {
        let well = WellPosition(row: 0, column: 1)
        // Perfect agreement: κ = 1; chance-level agreement: κ = 0; the textbook 2×2 (20, 5, 10, 15): κ = 0.4.
        let perfect = WellCallAgreement(plate: "P", well: well, nuclei: 100, bothPositive: 40, modelOnly: 0, reporterOnly: 0)
        #expect(abs((ModelCheck.kappa([perfect]) ?? .nan) - 1) < 1e-12)
        let chance = WellCallAgreement(plate: "P", well: well, nuclei: 100, bothPositive: 25, modelOnly: 25, reporterOnly: 25)
        #expect(abs(ModelCheck.kappa([chance]) ?? .nan) < 1e-12)
        let textbook = WellCallAgreement(plate: "P", well: well, nuclei: 50, bothPositive: 20, modelOnly: 5, reporterOnly: 10)
        #expect(abs((ModelCheck.kappa([textbook]) ?? .nan) - 0.4) < 1e-12)
        #expect(ModelCheck.kappa([]) == nil)
        let oneClass = WellCallAgreement(plate: "P", well: well, nuclei: 10, bothPositive: 10, modelOnly: 0, reporterOnly: 0)
        #expect(ModelCheck.kappa([oneClass]) == nil)
    }

    @Test func aGoodPlateRaisesNoAlert() throws {
        let wells = SampleCampaign.doseResponsePlates()
        let check = ModelCheck.build(wells: wells, agreement: agreement(wells, agreeing: 1))
        #expect(check.alerts.isEmpty, "\(check.alerts)")
        #expect((check.kappa ?? 0) > 0.9)
        #expect((check.wellCorrelation ?? 0) > 0.95)
        #expect(check.plates.count == 2)
        #expect(check.plates.allSatisfy { !$0.miscalibrated && !$0.disagrees })
    }

    @Test func negativeControlsCalledInfectedFlagThePlateMiscalibrated() throws {
        let wells = everythingInfected(SampleCampaign.doseResponsePlates(plates: ["PLATE-1"]))
        let check = ModelCheck.build(wells: wells, agreement: agreement(wells, agreeing: 1))
        let plate = try #require(check.plates.first)
        #expect(plate.miscalibrated)
        #expect(plate.disagrees)  // the reporter says 2–62 %, the model ~97 % everywhere
        #expect(check.alerts.first?.contains("model miscalibrated for these images") == true)
        #expect(check.alerts.first?.contains("negative controls 97% infected") == true)
    }

    @Test func withoutAReporterTheControlsAloneCanFlagThePlate() throws {
        var wells = SampleCampaign.doseResponsePlates(plates: ["PLATE-1"])
        for i in wells.indices where wells[i].control == .positive { wells[i].infected = wells[i].nuclei / 20 }
        let check = ModelCheck.build(wells: wells, agreement: [])
        #expect(check.kappa == nil && check.wellCorrelation == nil)
        #expect(check.plates.first?.miscalibrated == true)
        #expect(check.alerts.first?.contains("positive controls only 5% infected") == true)
    }

    @Test func anOutOfDomainVerdictComesFirst() throws {
        let wells = SampleCampaign.doseResponsePlates(plates: ["PLATE-1"])
        let check = ModelCheck.build(wells: wells, agreement: agreement(wells, agreeing: 1), domainStatus: "out_of_domain",
                                     domainSummary: "OUT OF THE MODEL'S DOMAIN: nucleus diameter median 50.0 px")
        #expect(check.alerts == ["model domain: OUT OF THE MODEL'S DOMAIN: nucleus diameter median 50.0 px"])
    }

    @Test func alertsAreFirstInTableAndJSONAndRedAboveTheNumbersInHTML() throws {
        let wells = everythingInfected(SampleCampaign.doseResponsePlates(plates: ["PLATE-1"]))
        var report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: wells)
        let check = ModelCheck.build(wells: wells, agreement: agreement(wells, agreeing: 1))
        report.modelCheck = check
        report.alerts = check.alerts

        let table = TableRenderer.render(report)
        #expect(table.hasPrefix("!! plate PLATE-1: model miscalibrated for these images"))

        let data = try JSONRenderer.render(report)
        #expect(try JSONRenderer.decode(data) == report)
        let text = String(decoding: data, as: UTF8.self)
        let alertsKey = try #require(text.range(of: "\"alerts\""))
        let campaignKey = try #require(text.range(of: "\"campaign\""))
        #expect(alertsKey.lowerBound < campaignKey.lowerBound)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSONSchema.schema.utf8)) as? [String: Any])
        #expect(Set(try #require(schema["properties"] as? [String: Any]).keys) == Set(object.keys))

        let html = HTMLRenderer.render(report)
        let alert = try #require(html.range(of: "model miscalibrated for these images"))
        let summary = try #require(html.range(of: "<section id=\"summary\">"))
        #expect(alert.lowerBound < summary.lowerBound)
        #expect(html.contains("color:#b00020"))
    }
}
