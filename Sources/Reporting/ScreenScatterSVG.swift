import Foundation

/// An SVG scatter of every scored sample well: the report's normalised score against viability, hits orange,
/// cytotoxic wells red, the rest grey, with the hit rule's thresholds drawn as dashed lines. Wells of failed
/// plates are left out, as they are from hit calling.
enum ScreenScatterSVG {
    static let width = 640.0, height = 380.0
    static let left = 58.0, right = 16.0, top = 28.0, bottom = 46.0

    static func render(_ report: CampaignReport) -> String {
        let failed = Set(report.screen.failedPlates)
        let points = report.wells.filter { $0.control == nil && !failed.contains($0.plate) }
            .compactMap { well -> (Double, Double, WellReport)? in
                guard let x = well.score, let y = well.viability, x.isFinite, y.isFinite else { return nil }
                return (x, y, well)
            }
        guard !points.isEmpty else { return "" }
        let normalisation = report.screen.normalisation
        var xs = points.map(\.0)
        var threshold: Double?
        if let t = report.screen.scoreThreshold {
            threshold = t
        } else if let t = report.screen.inhibitionThreshold {
            threshold = normalisation == "poc" ? 100 - t : (normalisation == "npi" ? t : nil)
        }
        if let threshold { xs.append(threshold) }
        let padding = max(0.05 * ((xs.max() ?? 1) - (xs.min() ?? 0)), 0.5)
        let xLow = (xs.min() ?? 0) - padding, xHigh = (xs.max() ?? 1) + padding
        let yLow = 0.0, yHigh = max(130, ceil((points.map(\.1).max() ?? 100) / 10) * 10)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ v: Double) -> Double { left + (v - xLow) / (xHigh - xLow) * plotWidth }
        func py(_ v: Double) -> Double { top + (yHigh - min(max(v, yLow), yHigh)) / (yHigh - yLow) * plotHeight }
        let n = HTMLText.number

        var svg = "<svg class=\"scatter\" role=\"img\" aria-label=\"Score against viability of every sample well\" "
        svg += "width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"11\">\n"
        svg += "<text x=\"\(Int(left))\" y=\"16\" font-weight=\"bold\" font-size=\"13\">Sample wells: \(HTMLText.escape(normalisation)) against viability</text>\n"
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotWidth))\" height=\"\(n(plotHeight))\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        for k in 0...4 {
            let v = xLow + (xHigh - xLow) * Double(k) / 4
            svg += "<text x=\"\(n(px(v)))\" y=\"\(n(top + plotHeight + 16))\" text-anchor=\"middle\">\(ReportFormat.fixed(v, 1))</text>"
        }
        var y = yLow
        while y <= yHigh + 1e-9 {
            svg += "<line x1=\"\(n(left - 4))\" y1=\"\(n(py(y)))\" x2=\"\(n(left))\" y2=\"\(n(py(y)))\" stroke=\"#333\"/>"
            svg += "<text x=\"\(n(left - 7))\" y=\"\(n(py(y)))\" text-anchor=\"end\" dominant-baseline=\"central\">\(Int(y))%</text>"
            y += 20
        }
        svg += "\n<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">\(HTMLText.escape(normalisation)) of infection rate</text>"
        svg += "<text transform=\"translate(14 \(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">viability</text>\n"
        let viability = report.screen.viabilityThreshold
        svg += "<line x1=\"\(n(left))\" y1=\"\(n(py(viability)))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(py(viability)))\" stroke=\"#d62728\" stroke-dasharray=\"5 3\"/>"
        svg += "<text x=\"\(n(left + plotWidth - 4))\" y=\"\(n(py(viability) - 4))\" text-anchor=\"end\" fill=\"#d62728\">viability \(Int(viability.rounded()))%</text>"
        if let threshold {
            svg += "<line x1=\"\(n(px(threshold)))\" y1=\"\(n(top))\" x2=\"\(n(px(threshold)))\" y2=\"\(n(top + plotHeight))\" stroke=\"#ff7f0e\" stroke-dasharray=\"5 3\"/>"
        }
        svg += "\n"
        // Hits last, so they are drawn on top.
        for (x, y, well) in points.sorted(by: { rank($0.2) < rank($1.2) }) {
            let fill = well.hit ? "#ff7f0e" : (well.cytotoxic ? "#d62728" : "#9a9a9a")
            let radius = well.hit ? 4.0 : 2.6
            svg += "<circle cx=\"\(n(px(x)))\" cy=\"\(n(py(y)))\" r=\"\(n(radius))\" fill=\"\(fill)\" fill-opacity=\"0.8\">"
            svg += "<title>\(HTMLText.escape(PlateHeatmapSVG.tooltip(well)))</title></circle>\n"
        }
        let keyY = top + 10
        for (index, (label, colour)) in [("hit", "#ff7f0e"), ("cytotoxic", "#d62728"), ("other", "#9a9a9a")].enumerated() {
            let x = left + 10 + Double(index) * 80
            svg += "<circle cx=\"\(n(x))\" cy=\"\(n(keyY))\" r=\"4\" fill=\"\(colour)\"/><text x=\"\(n(x + 8))\" y=\"\(n(keyY + 4))\">\(label)</text>"
        }
        svg += "</svg>"
        return svg
    }

    private static func rank(_ well: WellReport) -> Int { well.hit ? 2 : (well.cytotoxic ? 1 : 0) }
}
