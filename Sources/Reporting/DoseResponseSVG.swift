import Foundation

/// An SVG dose-response plot: log10 concentration axis with decade ticks, replicate mean ± SD per
/// concentration, the fitted 4PL curve, and IC50 marked with a dashed line and its value.
enum DoseResponseSVG {
    static let width = 520.0, height = 320.0
    static let left = 58.0, right = 16.0, top = 28.0, bottom = 46.0

    static func render(_ series: DoseResponseReport) -> String {
        let concentrations = series.points.map(\.concentration).filter { $0 > 0 }
        guard let cMin = concentrations.min(), let cMax = concentrations.max() else { return "" }
        let lowDecade = floor(log10(cMin))
        let highDecade = max(ceil(log10(cMax)), lowDecade + 1)
        var values = series.points.flatMap { [$0.mean - ($0.sd ?? 0), $0.mean + ($0.sd ?? 0)] }
        if let fit = series.fit { values += [fit.top, fit.bottom] }
        if let viability = series.viabilityFit { values += [viability.top, viability.bottom] }
        let yLow = min(0, floor((values.min() ?? 0) / 20) * 20)
        let yHigh = max(100, ceil((values.max() ?? 100) / 20) * 20)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ c: Double) -> Double { left + (log10(c) - lowDecade) / (highDecade - lowDecade) * plotWidth }
        func py(_ v: Double) -> Double { top + (yHigh - v) / (yHigh - yLow) * plotHeight }
        let n = HTMLText.number

        let title = series.treatment + (series.virus.map { " · \($0)" } ?? "")
        var svg = "<svg class=\"dose\" role=\"img\" aria-label=\"Dose response of \(HTMLText.escape(title))\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"11\">\n"
        svg += "<text x=\"\(Int(left))\" y=\"16\" font-weight=\"bold\" font-size=\"13\">\(HTMLText.escape(title))</text>\n"
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotWidth))\" height=\"\(n(plotHeight))\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        var decade = lowDecade
        while decade <= highDecade + 1e-9 {
            let x = px(pow(10, decade))
            svg += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + plotHeight + 5))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(n(x))\" y=\"\(n(top + plotHeight + 18))\" text-anchor=\"middle\">\(decadeLabel(decade))</text>"
            if decade < highDecade {
                for k in 2...9 {
                    let minor = px(Double(k) * pow(10, decade))
                    svg += "<line x1=\"\(n(minor))\" y1=\"\(n(top + plotHeight))\" x2=\"\(n(minor))\" y2=\"\(n(top + plotHeight + 3))\" stroke=\"#999\"/>"
                }
            }
            decade += 1
        }
        svg += "\n"
        var tick = yLow
        while tick <= yHigh + 1e-9 {
            let y = py(tick)
            svg += "<line x1=\"\(n(left - 4))\" y1=\"\(n(y))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(y))\" stroke=\"#e4e4e4\"/>"
            svg += "<text x=\"\(n(left - 7))\" y=\"\(n(y))\" text-anchor=\"end\" dominant-baseline=\"central\">\(Int(tick))</text>"
            tick += 20
        }
        let unit = series.unit.map { " (\(HTMLText.escape($0)))" } ?? ""
        svg += "\n<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">concentration\(unit), log scale</text>"
        let yTitle = series.response == "percentOfPositive" ? "% of positive control" : "% infected nuclei"
        svg += "<text transform=\"translate(14 \(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(yTitle)</text>\n"

        if let fit = series.fit {
            let steps = 120
            var path = ""
            for k in 0...steps {
                let u = lowDecade + (highDecade - lowDecade) * Double(k) / Double(steps)
                let v = LogisticFit.evaluate(fit, at: pow(10, u))
                let y = min(max(py(v), top), top + plotHeight)
                path += (k == 0 ? "M" : "L") + "\(n(px(pow(10, u)))) \(n(y))"
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
            let x = px(fit.ic50)
            if x >= left, x <= left + plotWidth {
                let middle = (fit.top + fit.bottom) / 2
                svg += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + plotHeight))\" stroke=\"#d62728\" stroke-dasharray=\"5 4\"/>"
                svg += "<circle cx=\"\(n(x))\" cy=\"\(n(py(middle)))\" r=\"4\" fill=\"#fff\" stroke=\"#d62728\" stroke-width=\"2\"/>"
                let anchor = x > left + plotWidth * 0.5 ? "end" : "start"
                let dx = anchor == "end" ? -6.0 : 6.0
                let plainUnit = series.unit.map { " " + HTMLText.escape($0) } ?? ""
                svg += "<text x=\"\(n(x + dx))\" y=\"\(n(top + 14))\" text-anchor=\"\(anchor)\" fill=\"#d62728\">IC50 = \(ReportFormat.concentration(fit.ic50) ?? "")\(plainUnit)</text>"
                if let low = ReportFormat.concentration(fit.ic50Lower), let high = ReportFormat.concentration(fit.ic50Upper) {
                    svg += "<text x=\"\(n(x + dx))\" y=\"\(n(top + 28))\" text-anchor=\"\(anchor)\" fill=\"#d62728\">95% CI \(low)–\(high)</text>"
                }
                svg += "\n"
            }
        } else if let failure = series.failure {
            svg += "<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(top + 16))\" text-anchor=\"middle\" fill=\"#a00\">\(HTMLText.escape(failure))</text>\n"
        }
        if let viability = series.viabilityFit {
            // The viability curve (CC50 fit) on the same percent axis, dashed green, so the window between the
            // two curves (the selectivity) is visible at a glance.
            var path = ""
            for k in 0...120 {
                let u = lowDecade + (highDecade - lowDecade) * Double(k) / 120
                let y = min(max(py(LogisticFit.evaluate(viability, at: pow(10, u))), top), top + plotHeight)
                path += (k == 0 ? "M" : "L") + "\(n(px(pow(10, u)))) \(n(y))"
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
            let plainUnit = series.unit.map { " " + HTMLText.escape($0) } ?? ""
            var label = "viability: CC50 = \(ReportFormat.concentration(viability.ic50) ?? "")\(plainUnit)"
            if let si = series.selectivityIndex {
                label += ", SI \(si.kind == "lower-bound" ? "> " : "")\(ReportFormat.concentration(si.value) ?? "")"
            }
            svg += "<text x=\"\(n(left + 6))\" y=\"\(n(top + plotHeight - 8))\" fill=\"#2ca02c\">\(label)</text>\n"
        } else if let note = series.viabilityNote, series.selectivityIndex != nil {
            svg += "<text x=\"\(n(left + 6))\" y=\"\(n(top + plotHeight - 8))\" fill=\"#2ca02c\">\(HTMLText.escape(note))</text>\n"
        }
        for point in series.points where point.concentration > 0 {
            let x = px(point.concentration)
            if let sd = point.sd, sd > 0 {
                let y1 = py(point.mean - sd), y2 = py(point.mean + sd)
                svg += "<line x1=\"\(n(x))\" y1=\"\(n(y1))\" x2=\"\(n(x))\" y2=\"\(n(y2))\" stroke=\"#222\"/>"
                svg += "<line x1=\"\(n(x - 4))\" y1=\"\(n(y1))\" x2=\"\(n(x + 4))\" y2=\"\(n(y1))\" stroke=\"#222\"/>"
                svg += "<line x1=\"\(n(x - 4))\" y1=\"\(n(y2))\" x2=\"\(n(x + 4))\" y2=\"\(n(y2))\" stroke=\"#222\"/>"
            }
            let sdText = point.sd.map { String(format: " ± %.1f", $0) } ?? ""
            svg += "<circle cx=\"\(n(x))\" cy=\"\(n(py(point.mean)))\" r=\"4\" fill=\"#1f77b4\"><title>\(ReportFormat.concentration(point.concentration) ?? "")\(unit): \(String(format: "%.1f", point.mean))\(sdText) (n = \(point.replicates))</title></circle>\n"
        }
        svg += "</svg>"
        return svg
    }

    /// 10^k as a plain number where that stays short (0.01, 1, 100), else as 1e-5.
    static func decadeLabel(_ k: Double) -> String {
        let exponent = Int(k)
        if (-3...4).contains(exponent) { return String(format: "%g", pow(10, k)) }
        return "1e\(exponent)"
    }
}
