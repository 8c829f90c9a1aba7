import Foundation
import Screening

/// One column of a report table. The terminal table, the CSV files and the HTML tables all render through
/// these lists, so the three show the same numbers formatted the same way.
public struct ReportColumn<Row>: Sendable {
    public let header: String
    /// Numbers align right in the terminal.
    public let numeric: Bool
    let value: @Sendable (Row) -> String?

    init(_ header: String, numeric: Bool = true, _ value: @escaping @Sendable (Row) -> String?) {
        self.header = header
        self.numeric = numeric
        self.value = value
    }

    /// The formatted cell, nil when the value cannot be computed.
    public func cell(_ row: Row) -> String? { value(row) }
}

/// Number formats of the report. Rates are shown as percentages with two decimals, Z'-type scores with three,
/// concentrations and IC50 with four significant digits.
public enum ReportFormat {
    public static func percent(_ fraction: Double?) -> String? { fraction.map { fixed(100 * $0, 2) } }
    public static func percentValue(_ value: Double?) -> String? { value.map { fixed($0, 2) } }
    public static func score(_ value: Double?) -> String? { value.map { fixed($0, 3) } }

    /// Fixed decimals without the "-0.00" that rounding a tiny negative number gives.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }
    public static func fixed1(_ value: Double?) -> String? { value.map { fixed($0, 1) } }
    public static func concentration(_ value: Double?) -> String? { value.map { String(format: "%.4g", $0) } }
    public static func integer(_ value: Int?) -> String? { value.map(String.init) }
}

/// The column lists of each report level.
public enum ReportColumns {
    public static let wells: [ReportColumn<WellReport>] = [
        .init("plate", numeric: false) { $0.plate },
        .init("well", numeric: false) { $0.well.description },
        .init("treatment", numeric: false) { $0.treatment },
        .init("concentration") { ReportFormat.concentration($0.concentration) },
        .init("unit", numeric: false) { $0.unit },
        .init("virus", numeric: false) { $0.virus },
        .init("control", numeric: false) { $0.control?.rawValue },
        .init("image_sets") { "\($0.imageSets)" },
        .init("done") { "\($0.imageSetsDone)" },
        .init("errors") { "\($0.errors)" },
        .init("nuclei") { "\($0.nuclei)" },
        .init("infected") { "\($0.infected)" },
        .init("infected_pct") { ReportFormat.percent($0.infectionRate) },
        .init("ci95_low_pct") { ReportFormat.percent($0.infectionRateLower) },
        .init("ci95_high_pct") { ReportFormat.percent($0.infectionRateUpper) },
        .init("reporter_pos_pct") { ReportFormat.percent($0.reporterPositiveRate) },
        .init("pct_of_positive") { ReportFormat.percentValue($0.percentOfPositive) },
        .init("pct_inhibition") { ReportFormat.percentValue($0.percentInhibition) },
        .init("robust_z") { ReportFormat.score($0.robustZ) },
        .init("b_score") { ReportFormat.score($0.bScore) },
        .init("viability_pct") { ReportFormat.fixed1($0.viability) },
        .init("viability_ci95_low") { ReportFormat.fixed1($0.viabilityLower) },
        .init("viability_ci95_high") { ReportFormat.fixed1($0.viabilityUpper) },
        .init("cytotoxic", numeric: false) { $0.cytotoxic ? "yes" : nil },
        .init("hit", numeric: false) { $0.hit ? "yes" : nil },
    ]

    public static let conditions: [ReportColumn<ConditionReport>] = [
        .init("treatment", numeric: false) { $0.treatment },
        .init("concentration") { ReportFormat.concentration($0.concentration) },
        .init("unit", numeric: false) { $0.unit },
        .init("virus", numeric: false) { $0.virus },
        .init("control", numeric: false) { $0.control?.rawValue },
        .init("replicates") { "\($0.replicates)" },
        .init("nuclei") { "\($0.nuclei)" },
        .init("mean_infected_pct") { ReportFormat.percent($0.meanInfectionRate) },
        .init("sd_infected_pct") { ReportFormat.percent($0.sdInfectionRate) },
        .init("mean_pct_of_positive") { ReportFormat.percentValue($0.meanPercentOfPositive) },
        .init("sd_pct_of_positive") { ReportFormat.percentValue($0.sdPercentOfPositive) },
    ]

    public static let plates: [ReportColumn<PlateReport>] = [
        .init("plate", numeric: false) { $0.plate },
        .init("wells") { "\($0.wells)" },
        .init("nuclei") { "\($0.nuclei)" },
        .init("infected_pct") { ReportFormat.percent($0.infectionRate) },
        .init("pos_n") { "\($0.positiveControls)" },
        .init("pos_mean_pct") { ReportFormat.percent($0.positiveMean) },
        .init("pos_sd_pct") { ReportFormat.percent($0.positiveSD) },
        .init("neg_n") { "\($0.negativeControls)" },
        .init("neg_mean_pct") { ReportFormat.percent($0.negativeMean) },
        .init("neg_sd_pct") { ReportFormat.percent($0.negativeSD) },
        .init("z_prime") { ReportFormat.score($0.zPrime) },
        .init("robust_z_prime") { ReportFormat.score($0.robustZPrime) },
        .init("ssmd") { ReportFormat.score($0.ssmd) },
        .init("reading", numeric: false) { $0.reading?.rawValue },
        .init("failed", numeric: false) { $0.failed ? "FAILED (Z' < 0)" : nil },
    ]

    public static let doseResponses: [ReportColumn<DoseResponseReport>] = [
        .init("treatment", numeric: false) { $0.treatment },
        .init("virus", numeric: false) { $0.virus },
        .init("unit", numeric: false) { $0.unit },
        .init("response", numeric: false) { $0.response },
        .init("concentrations") { "\($0.concentrations)" },
        .init("points") { $0.fit.map { "\($0.points)" } },
        .init("top") { ReportFormat.percentValue($0.fit?.top) },
        .init("bottom") { ReportFormat.percentValue($0.fit?.bottom) },
        .init("ic50") { ReportFormat.concentration($0.fit?.ic50) },
        .init("ic50_ci95_low") { ReportFormat.concentration($0.fit?.ic50Lower) },
        .init("ic50_ci95_high") { ReportFormat.concentration($0.fit?.ic50Upper) },
        .init("hill") { ReportFormat.score($0.fit?.hill) },
        .init("r_squared") { ReportFormat.score($0.fit?.rSquared) },
        .init("note", numeric: false) { $0.failure ?? $0.fit?.intervalNote },
        .init("cc50") { ReportFormat.concentration($0.viabilityFit?.ic50) },
        .init("cc50_ci95_low") { ReportFormat.concentration($0.viabilityFit?.ic50Lower) },
        .init("cc50_ci95_high") { ReportFormat.concentration($0.viabilityFit?.ic50Upper) },
        .init("si") { $0.selectivityIndex.map { ($0.kind == "lower-bound" ? ">" : "") + (ReportFormat.concentration($0.value) ?? "") } },
        .init("si_ci95_low") { ReportFormat.concentration($0.selectivityIndex?.lower) },
        .init("si_ci95_high") { ReportFormat.concentration($0.selectivityIndex?.upper) },
        .init("viability_note", numeric: false) { $0.viabilityNote ?? $0.viabilityFit?.intervalNote },
        .init("weighting", numeric: false) { $0.weighting },
    ]

    public static let hits: [ReportColumn<HitReport>] = [
        .init("compound", numeric: false) { $0.compound },
        .init("concentration") { ReportFormat.concentration($0.concentration) },
        .init("unit", numeric: false) { $0.unit },
        .init("virus", numeric: false) { $0.virus },
        .init("replicates") { "\($0.replicates)" },
        .init("wells", numeric: false) { $0.wells.joined(separator: " ") },
        .init("infected_pct") { ReportFormat.percent($0.infectionRate) },
        .init("score") { ReportFormat.score($0.score) },
        .init("score_spread") { ReportFormat.score($0.scoreSpread) },
        .init("pct_inhibition") { ReportFormat.fixed1($0.percentInhibition) },
        .init("viability_pct") { ReportFormat.fixed1($0.viability) },
        .init("concordance") { $0.concordance.map { ReportFormat.fixed($0, 2) } },
        .init("reason", numeric: false) { $0.reason },
    ]

    /// The campaign summary as label/value pairs.
    public static func summary(_ report: CampaignReport) -> [(String, String)] {
        let s = report.summary
        var rows: [(String, String)] = [
            ("campaign", report.campaign.name),
            ("status", s.status),
            ("plate_format", report.campaign.plateFormat.description),
            ("plates", "\(s.plates)"),
            ("wells", "\(s.wells)"),
            ("image_sets_done", "\(s.imageSetsDone)"),
            ("image_sets_total", "\(s.imageSets)"),
            ("image_set_errors", "\(s.imageSetErrors)"),
            ("nuclei", "\(s.nuclei)"),
            ("infected", "\(s.infected)"),
            ("infected_pct", ReportFormat.percent(s.infectionRate) ?? ""),
            ("ci95_low_pct", ReportFormat.percent(s.infectionRateLower) ?? ""),
            ("ci95_high_pct", ReportFormat.percent(s.infectionRateUpper) ?? ""),
            ("samples_infected_pct", ReportFormat.percent(s.sampleInfectionRate) ?? ""),
            ("samples_ci95_low_pct", ReportFormat.percent(s.sampleInfectionRateLower) ?? ""),
            ("samples_ci95_high_pct", ReportFormat.percent(s.sampleInfectionRateUpper) ?? ""),
        ]
        let screen = report.screen
        rows.append(("normalisation", screen.normalisation))
        var rule: [String] = []
        if let z = screen.scoreThreshold { rule.append("score <= \(ReportFormat.fixed(z, 1))") }
        if let inhibition = screen.inhibitionThreshold { rule.append("inhibition >= \(ReportFormat.fixed(inhibition, 0)) %") }
        rows.append(("hit_rule", "(" + (rule.isEmpty ? "nothing" : rule.joined(separator: " or ")) + ") and viability >= "
            + "\(ReportFormat.fixed(screen.viabilityThreshold, 0)) %, replicates by \(screen.replicateCombination)"))
        rows.append(("viability_reference", screen.viabilityReference))
        rows.append(("compounds_called", "\(screen.compounds)"))
        rows.append(("hits", "\(screen.hits)"))
        rows.append(("cytotoxic_actives", "\(screen.cytotoxicActives)"))
        if !screen.failedPlates.isEmpty { rows.append(("failed_plates", screen.failedPlates.joined(separator: " "))) }
        if let model = report.campaign.model { rows.append(("model", model)) }
        rows.append(("generated_at", ISO8601DateFormatter().string(from: report.campaign.generatedAt)))
        return rows
    }
}
