import Foundation

/// The model check (`ModelCheck`) as text and HTML. Alerts come first, in red in HTML, above every number of
/// the report: a miscalibrated model makes all of them wrong together.
public enum ModelCheckRenderer {
    /// Plain text for the terminal table: alerts, then the agreement figures per plate.
    public static func text(_ check: ModelCheck) -> String {
        var out = ""
        for alert in check.alerts { out += "!! \(alert)\n" }
        let rows = check.plates.map { plate in
            [plate.plate, "\(plate.nuclei)", format(plate.kappa), format(plate.wellCorrelation),
             percent(plate.negativeControlRate), percent(plate.positiveControlRate), verdict(plate)]
        }
        // The domain verdict's reasons are in the alerts above when they matter; the heading only names it.
        out += "\nModel check" + (check.domainStatus.map { " (model domain at submission: \($0.replacingOccurrences(of: "_", with: " ")))" } ?? "") + "\n"
        out += TableRenderer.table(["plate", "nuclei_with_reporter", "kappa", "well_r", "neg_ctrl_%", "pos_ctrl_%", "verdict"],
                                   rows, numeric: [false, true, true, true, true, true, false])
        if let kappa = check.kappa {
            out += "campaign: Cohen's κ \(format(kappa)) on nuclei, well correlation \(format(check.wellCorrelation))\n"
        } else {
            out += "no reporter calls to compare with (no reporter channel, or no reporter threshold could be calibrated)\n"
        }
        return out + "\n"
    }

    /// An HTML block: red alerts, then a small table of agreement per plate.
    public static func html(_ check: ModelCheck) -> String {
        var html = ""
        if !check.alerts.isEmpty {
            html += "<div class=\"alerts\" role=\"alert\" style=\"border:2px solid #b00020;color:#b00020;"
                + "background:#fdecee;padding:0.5em 1em;margin:1em 0\">\n"
            for alert in check.alerts { html += "<p><strong>\(HTMLText.escape(alert))</strong></p>\n" }
            html += "</div>\n"
        }
        html += "<section id=\"model-check\"><h2>Model check</h2>\n"
        if let summary = check.domainSummary {
            html += "<p class=\"note\">Model domain at submission: \(HTMLText.escape(summary))</p>\n"
        }
        if let kappa = check.kappa {
            html += "<p class=\"note\">Model calls against reporter-positive nuclei: Cohen's κ \(format(kappa)), "
                + "well correlation \(format(check.wellCorrelation)).</p>\n"
        }
        html += "<table><tr><th>plate</th><th>nuclei with reporter</th><th>κ</th><th>well r</th>"
            + "<th>negative controls</th><th>positive controls</th><th>verdict</th></tr>\n"
        for plate in check.plates {
            let flagged = plate.miscalibrated || plate.disagrees
            html += "<tr\(flagged ? " style=\"color:#b00020\"" : "")><td>\(HTMLText.escape(plate.plate))</td>"
                + "<td>\(plate.nuclei)</td><td>\(format(plate.kappa))</td><td>\(format(plate.wellCorrelation))</td>"
                + "<td>\(percent(plate.negativeControlRate))</td><td>\(percent(plate.positiveControlRate))</td>"
                + "<td>\(HTMLText.escape(verdict(plate)))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    static func verdict(_ plate: PlateModelCheck) -> String {
        if plate.miscalibrated { return "model miscalibrated for these images" }
        if plate.disagrees { return "model and reporter disagree" }
        return "ok"
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "–" }
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.1f", 100 * $0) } ?? "–" }
}
