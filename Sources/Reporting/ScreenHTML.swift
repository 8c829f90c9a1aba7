/// The screen sections of the HTML report: how wells were scored, the hit list, and the score–viability scatter.
enum ScreenHTML {
    static func hits(_ report: CampaignReport) -> String {
        let screen = report.screen
        var html = "<section id=\"hits\"><h2>Hits</h2>\n<p class=\"note\">"
        html += "Normalisation <b>\(HTMLText.escape(screen.normalisation))</b>. "
        var rule: [String] = []
        if let z = screen.scoreThreshold { rule.append("\(HTMLText.escape(screen.normalisation)) ≤ \(ReportFormat.fixed(z, 1))") }
        if let inhibition = screen.inhibitionThreshold { rule.append("percent inhibition ≥ \(ReportFormat.fixed(inhibition, 0)) %") }
        html += "A compound (its replicate wells on every plate, combined by \(screen.replicateCombination)) is a hit when "
        html += (rule.isEmpty ? "never" : rule.joined(separator: " or ")) + ", and its viability is at least "
        html += "\(ReportFormat.fixed(screen.viabilityThreshold, 0)) % of \(HTMLText.escape(screen.viabilityReference)); "
        html += "below that it is cytotoxic and never a hit. Concordance: the share of replicates active on their own. "
        html += "\(screen.compounds) compounds called, \(screen.hits) hits, \(screen.cytotoxicActives) active but cytotoxic.</p>\n"
        if report.hits.isEmpty {
            html += "<p>No hits.</p>\n"
        } else {
            html += HTMLRenderer.table(report.hits, ReportColumns.hits) { _, _ in nil }
        }
        let scatter = ScreenScatterSVG.render(report)
        if !scatter.isEmpty { html += "<figure>" + scatter + "</figure>\n" }
        html += "</section>\n"
        return html
    }
}
