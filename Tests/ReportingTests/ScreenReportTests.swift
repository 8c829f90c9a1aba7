import Foundation
import Testing
import Reporting
import Screening
import ScreenStatistics

@Suite struct ScreenReportTests {
    func hits(_ report: CampaignReport) -> Set<String> { Set(report.hits.map(\.compound)) }

    /// Two replicate 384-well plates with an edge effect: B-score finds every antiviral, calls nothing else, and
    /// no cytotoxic compound is a hit although half of them lower infection.
    @Test func bScoreScreenWithEdgeEffect() throws {
        let (wells, truth) = SampleScreen.plates()
        let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells,
                                         options: ReportOptions(normalisation: .bScore))
        #expect(report.screen.normalisation == "b-score" && report.screen.scoreThreshold == -3)
        #expect(hits(report) == truth.antivirals)
        #expect(hits(report).isDisjoint(with: truth.toxic))
        #expect(report.screen.cytotoxicActives == truth.toxic.filter { name in
            (Int(name.dropFirst()) ?? 0).isMultiple(of: 2) == false
        }.count || report.screen.cytotoxicActives > 0)
        // Sorted by strength; replicates from both plates, fully concordant.
        let strengths = report.hits.map(\.strength)
        #expect(strengths == strengths.sorted(by: >))
        for hit in report.hits {
            #expect(hit.replicates == 2 && hit.plates == ["S1", "S2"])
            #expect(hit.concordance == 1)
            #expect((hit.viability ?? 0) >= 70)
        }
        // Every toxic well is flagged, whatever its infection rate.
        for well in report.wells where truth.toxic.contains(well.treatment ?? "") { #expect(well.cytotoxic) }
        #expect(report.wells.filter(\.hit).count == 2 * truth.antivirals.count)
    }

    /// The same plates with percent inhibition alone: toxic compounds that lower infection are active, and
    /// are still not hits.
    @Test func toxicCompoundsAreNeverHitsWhateverTheNormalisation() {
        let (wells, truth) = SampleScreen.plates(edge: 0)
        for normalisation in ScreenNormalisation.allCases {
            let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells,
                                             options: ReportOptions(normalisation: normalisation))
            #expect(hits(report).isDisjoint(with: truth.toxic), "\(normalisation)")
            #expect(report.screen.cytotoxicActives > 0, "\(normalisation)")
            #expect(hits(report) == truth.antivirals, "\(normalisation)")
        }
    }

    /// The campaign-level sample rate and its interval leave the controls out.
    @Test func campaignSampleRateDoesNotPoolControls() throws {
        let (wells, _) = SampleScreen.plates()
        let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells)
        let samples = wells.filter { $0.control == nil }
        let expected = Double(samples.reduce(0) { $0 + $1.infected }) / Double(samples.reduce(0) { $0 + $1.nuclei })
        let rate = try #require(report.summary.sampleInfectionRate)
        #expect(abs(rate - expected) < 1e-12)
        #expect(abs(rate - (report.summary.infectionRate ?? rate)) > 0.01)
        #expect((report.summary.sampleInfectionRateLower ?? 1) < rate && rate < (report.summary.sampleInfectionRateUpper ?? 0))
        #expect(TableRenderer.render(report).contains("samples_infected_pct"))
    }

    /// Wells marked `viability_reference` are the 100 % of viability when a plate has them.
    @Test func viabilityReferenceWellsAreUsedWhenPresent() throws {
        var (wells, _) = SampleScreen.plates(edge: 0)
        for index in wells.indices where wells[index].well.column == 2 {
            wells[index].control = .viabilityReference
            wells[index].nuclei *= 2
        }
        let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells)
        #expect(report.screen.viabilityReference == "nuclei per site of the plate's viability_reference wells")
        let inert = report.wells.filter { $0.control == nil && !$0.cytotoxic }.compactMap(\.viability)
        #expect(inert.isEmpty)  // every sample is now below 70 % of a reference twice as dense
        let median = report.wells.filter { $0.control == nil }.compactMap(\.viability).sorted()[320]
        #expect(abs(median - 50) < 5)
        // The reference wells are not negative controls: Z' uses column 1 only.
        #expect(report.plates.allSatisfy { $0.negativeControls == 16 })
    }

    @Test func plateWithNegativeZPrimeIsExcludedWithANote() throws {
        let (wells, truth) = SampleScreen.plates(["S1", "S2"], edge: 0, failedPlate: "S2")
        let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells)
        let s2 = try #require(report.plates.first { $0.plate == "S2" })
        #expect((s2.zPrime ?? 1) < 0 && s2.failed)
        #expect(report.plates.first { $0.plate == "S1" }?.failed == false)
        #expect(report.screen.failedPlates == ["S2"])
        #expect(report.notes.contains { $0.hasPrefix("plate S2: Z' = ") && $0.contains("left out of hit calling") })
        for hit in report.hits { #expect(hit.plates == ["S1"] && hit.replicates == 1) }
        #expect(hits(report) == truth.antivirals)
        #expect(TableRenderer.render(report).contains("note: plate S2: Z' = "))
        #expect(HTMLRenderer.render(report).contains("failed: not used for hits or fits"))
    }

    @Test func hitListInEveryFormat() throws {
        let (wells, _) = SampleScreen.plates()
        let report = ReportBuilder.build(campaign: SampleScreen.info(), wells: wells, options: ReportOptions(normalisation: .bScore))
        let csv = try #require(CSVRenderer.render(report)["hits.csv"])
        let lines = csv.split(separator: "\r\n")
        #expect(lines.count == report.hits.count + 1)
        #expect(lines.first?.hasPrefix("compound,concentration,unit,virus,replicates,wells,infected_pct,score") == true)
        #expect(lines.dropFirst().first?.hasPrefix(report.hits[0].compound + ",10,uM,HSV-1,2,S1:") == true)
        let table = TableRenderer.render(report)
        #expect(table.contains("Hits (b-score, strongest first)") && table.contains(report.hits[0].compound))
        #expect(table.contains("normalisation") && table.contains("b-score"))
        let html = HTMLRenderer.render(report)
        #expect(html.contains("<section id=\"hits\">"))
        // Two small multiples per plate (infection and viability) and one scatter.
        #expect(html.components(separatedBy: "<svg class=\"heatmap\"").count - 1 == report.plates.count)
        #expect(html.components(separatedBy: "<svg class=\"heatmap viability\"").count - 1 == report.plates.count)
        #expect(html.components(separatedBy: "<svg class=\"scatter\"").count - 1 == 1)
        #expect(html.contains("stroke=\"#ff7f0e\""))
        if let path = ProcessInfo.processInfo.environment["VIROSCOPE_SAMPLE_SCREEN_REPORT"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let decoded = try JSONRenderer.decode(try JSONRenderer.render(report))
        #expect(decoded == report)
    }

    /// The real JSON of a screen report and of a dose-response report validates against `--print-schema`'s
    /// schema with a JSON Schema validator (python jsonschema), when python3 and jsonschema are installed.
    @Test func jsonValidatesAgainstTheSchema() throws {
        guard let python = JSONSchemaCheck.python() else {
            print("skipped: python3 with jsonschema not found")
            return
        }
        let (wells, _) = SampleScreen.plates(failedPlate: "S2")
        let reports = [
            ReportBuilder.build(campaign: SampleScreen.info(), wells: wells, options: ReportOptions(normalisation: .bScore)),
            ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates() + DoseSeries.toxicSeries()),
        ]
        for report in reports {
            let result = try JSONSchemaCheck.validate(try JSONRenderer.render(report), python: python)
            #expect(result.status == 0, "\(result.output)")
        }
        // And the validator does fail on a broken report, so the check can fail.
        var broken = try #require(try JSONSerialization.jsonObject(with: try JSONRenderer.render(reports[0])) as? [String: Any])
        broken["hits"] = [["compound": 1]]
        let result = try JSONSchemaCheck.validate(try JSONSerialization.data(withJSONObject: broken), python: python)
        #expect(result.status != 0)
    }
}

/// Runs python jsonschema on a document against `ReportJSONSchema.schema`.
enum JSONSchemaCheck {
    static func python() -> String? {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: candidate) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: candidate)
            process.arguments = ["-c", "import jsonschema"]
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return candidate }
        }
        return nil
    }

    static func validate(_ document: Data, python: String) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schema = directory.appendingPathComponent("schema.json"), report = directory.appendingPathComponent("report.json")
        try Data(ReportJSONSchema.schema.utf8).write(to: schema)
        try document.write(to: report)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
            """, schema.path, report.path]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
