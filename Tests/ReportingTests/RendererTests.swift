import Foundation
import Testing
import Reporting
import Screening

@Suite struct RendererTests {
    let report = ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates())

    /// Rows of a CSV the renderer wrote (our fields never hold line breaks), with quoted fields unwrapped.
    func parseCSV(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\r\n").map(String.init)
        func fields(_ line: String) -> [String] {
            var result: [String] = [], current = "", quoted = false
            var iterator = Array(line).makeIterator()
            while let c = iterator.next() {
                if c == "\"" { quoted.toggle(); continue }
                if c == ",", !quoted { result.append(current); current = ""; continue }
                current.append(c)
            }
            return result + [current]
        }
        guard let header = lines.first.map(fields) else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, fields($0))) }
    }

    struct MissingNumber: Error { let text: String? }

    func number(_ text: String?) throws -> Double {
        guard let text, let value = Double(text) else { throw MissingNumber(text: text) }
        return value
    }

    @Test func csvCarriesTheModelsNumbers() throws {
        let files = CSVRenderer.render(report)
        #expect(Set(files.keys) == ["summary.csv", "plates.csv", "conditions.csv", "dose-response.csv", "wells.csv", "hits.csv"])
        let plates = parseCSV(try #require(files["plates.csv"]))
        #expect(plates.count == report.plates.count)
        for (row, plate) in zip(plates, report.plates) {
            #expect(row["plate"] == plate.plate)
            let z = try number(row["z_prime"])
            #expect(abs(z - (plate.zPrime ?? .nan)) <= 0.0005)
            #expect(row["reading"] == plate.reading?.rawValue)
        }
        let wells = parseCSV(try #require(files["wells.csv"]))
        #expect(wells.count == 192)
        for (row, well) in zip(wells, report.wells) {
            #expect(row["well"] == well.well.description && Int(row["nuclei"] ?? "") == well.nuclei)
            let percent = try number(row["infected_pct"])
            #expect(abs(percent - 100 * (well.infectionRate ?? .nan)) <= 0.005)
        }
        let dose = parseCSV(try #require(files["dose-response.csv"]))
        let ic50 = try number(dose.first?["ic50"])
        #expect(abs(ic50 - (report.doseResponses[0].fit?.ic50 ?? .nan)) / ic50 < 1e-3)
        #expect(dose.last?["note"] == report.doseResponses[1].failure)
        // The terminal table shows the very same formatted numbers.
        let table = TableRenderer.render(report)
        for plate in plates { #expect(table.contains(plate["z_prime"] ?? "missing")) }
        #expect(table.contains(dose.first?["ic50"] ?? "missing"))
    }

    @Test func tableColumnsAlign() throws {
        let text = TableRenderer.render(report.plates, ReportColumns.plates)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2 + report.plates.count)
        let header = try #require(lines.first)
        let zEnd = header.distance(from: header.startIndex, to: try #require(header.range(of: "  robust_z_prime")).lowerBound)
        // Numbers are right-aligned: each row's Z' ends where the header's z_prime column ends.
        for line in lines.dropFirst(2) {
            let characters = Array(line)
            #expect(characters.count > zEnd && characters[zEnd - 1] != " " && characters[zEnd] == " ")
        }
    }

    @Test func jsonRoundTripsAndFollowsTheSchema() throws {
        let data = try JSONRenderer.render(report)
        if let path = ProcessInfo.processInfo.environment["VIROSCOPE_SAMPLE_JSON"] {
            try data.write(to: URL(fileURLWithPath: path))
        }
        #expect(try JSONRenderer.decode(data) == report)
        #expect(try JSONRenderer.render(report) == data)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let plates = try #require(object["plates"] as? [[String: Any]])
        // JSONSerialization may round the last bit; the typed decoder above is exact.
        #expect(abs((plates[0]["zPrime"] as? Double ?? .nan) - (report.plates[0].zPrime ?? .nan)) < 1e-12)
        let firstWell = try #require((object["wells"] as? [[String: Any]])?.first)
        #expect(firstWell["well"] as? String == "A01")

        let schema = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSONSchema.schema.utf8)) as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(object.keys))
        func required(_ section: [String: Any]) throws -> Set<String> {
            let items = (section["items"] as? [String: Any]) ?? section
            return Set(try #require(items["required"] as? [String]))
        }
        // Every object carries exactly the keys the schema requires, null where a value cannot be computed.
        for section in ["plates", "conditions", "doseResponses", "wells"] {
            let expected = try required(try #require(properties[section] as? [String: Any]))
            for row in try #require(object[section] as? [[String: Any]]) {
                #expect(Set(row.keys) == expected, "\(section): \(Set(row.keys).symmetricDifference(expected))")
            }
        }
        for section in ["summary", "campaign"] {
            let expected = try required(try #require(properties[section] as? [String: Any]))
            #expect(Set(try #require(object[section] as? [String: Any]).keys) == expected)
        }
        let inactive = try #require((object["doseResponses"] as? [[String: Any]])?.last)
        #expect(inactive["fit"] is NSNull)
        #expect(inactive["failure"] as? String == report.doseResponses.last?.failure)
    }

    @Test func htmlIsOneSelfContainedFile() throws {
        let html = HTMLRenderer.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src="))
        #expect(html.components(separatedBy: "<svg class=\"heatmap\"").count - 1 == report.plates.count)
        #expect(html.components(separatedBy: "<svg class=\"dose\"").count - 1 == report.doseResponses.count)
        #expect(html.contains("HSV &lt;antivirals&gt; &amp; co"))
        #expect(!html.contains("<antivirals>"))
        #expect(html.contains("<title>PLATE-1 A01 · negative control"))
        if let path = ProcessInfo.processInfo.environment["VIROSCOPE_SAMPLE_REPORT"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test func runningCampaignSaysSoInEveryFormat() throws {
        let running = ReportBuilder.build(campaign: SampleCampaign.info(), wells: SampleCampaign.doseResponsePlates(done: false))
        #expect(HTMLRenderer.render(running).contains("Still running: "))
        #expect(TableRenderer.render(running).contains("still running: "))
        #expect(CSVRenderer.render(running)["summary.csv"]?.contains("still running: ") == true)
        #expect(String(decoding: try JSONRenderer.render(running), as: UTF8.self).contains("\"complete\" : false"))
    }
}

@Suite struct LargePlateRenderingTests {
    /// A running 384-well campaign: every well of the plate gets a cell and a tooltip, unimaged ones included.
    @Test func heatmapOf384WellPlateHasACellPerWell() throws {
        var wells: [WellMeasurement] = []
        for position in PlateFormat.wells384.wells where position.row < 14 {
            let control: ControlKind? = position.column == 1 ? .negative : (position.column == 24 ? .positive : nil)
            let rate = control == .negative ? 0.03 : Double(position.column) / 26
            wells.append(WellMeasurement(plate: "BIG", well: position, treatment: control == nil ? "D" : nil,
                                         concentration: control == nil ? pow(2, Double(position.row)) / 1000 : nil,
                                         control: control, imageSets: 2, imageSetsDone: position.row < 10 ? 2 : 0,
                                         nuclei: position.row < 10 ? 400 : 0, infected: position.row < 10 ? Int(400 * rate) : 0))
        }
        let info = CampaignInfo(name: "large", plateFormat: .wells384, generatedAt: SampleCampaign.date)
        let report = ReportBuilder.build(campaign: info, wells: wells)
        let html = HTMLRenderer.render(report)
        #expect(html.components(separatedBy: "<svg class=\"heatmap\"").count == 2)
        #expect(html.components(separatedBy: "<title>").count - 1 >= 384 + 1)
        #expect(html.contains("<title>P01: not imaged</title>"))
        #expect(html.contains("Still running"))
        if let path = ProcessInfo.processInfo.environment["VIROSCOPE_SAMPLE_REPORT_384"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
