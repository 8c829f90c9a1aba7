import Foundation
import Screening

/// An SVG plate heatmap: one cell per well in plate layout (rows A…, columns 1…), filled by infection rate (or
/// viability), with positive controls outlined solid and negative controls dashed, hits outlined orange,
/// cytotoxic wells struck through on the viability map, unimaged wells hatched grey, a colour legend, and a
/// tooltip (`<title>`) on every well.
enum PlateHeatmapSVG {
    /// What the cells are filled by.
    enum Measure {
        case infection
        /// Viability 0–120 % on the colour scale.
        case viability

        var label: String { self == .infection ? "infected nuclei" : "viability" }
        var cssClass: String { self == .infection ? "heatmap" : "heatmap viability" }
        var idPrefix: String { self == .infection ? "" : "v" }

        /// 0…1 on the colour scale.
        func fraction(_ well: WellReport) -> Double? {
            self == .infection ? well.infectionRate : well.viability.map { $0 / 120 }
        }

        func tick(_ k: Int) -> String { self == .infection ? "\(k * 25)%" : "\(k * 30)%" }
    }

    static func render(plate: String, format: PlateFormat, wells: [WellReport], id: Int, measure: Measure = .infection,
                       compact: Bool = false) -> String {
        let id = measure.idPrefix + String(id)
        let full: Double = format == .wells96 ? 34 : (format == .wells384 ? 18 : 10)
        // Small multiples sit two to a row: infection and viability of one plate side by side.
        let cell = compact ? (format == .wells96 ? 24 : (format == .wells384 ? 13 : 7)) : full
        let left: Double = 28, top: Double = 22
        let gridWidth = cell * Double(format.columns)
        let gridHeight = cell * Double(format.rows)
        let legendTop = top + gridHeight + 16
        let legendWidth = min(compact ? 130 : 240, gridWidth)
        // Wide enough for the legend's key (positive, negative, hit) even under a narrow plate.
        let width = max(left + gridWidth + 10, left + legendWidth + 34 + 185)
        let height = legendTop + 44
        let byWell = Dictionary(wells.map { ($0.well, $0) }, uniquingKeysWith: { first, _ in first })
        let labelEvery = format == .wells1536 ? 4 : (format == .wells384 ? 2 : 1)
        let fontSize = format == .wells96 ? 11 : 9

        var svg = "<svg class=\"\(measure.cssClass)\" role=\"img\" aria-label=\"\(measure.label.capitalized) heatmap of plate \(HTMLText.escape(plate))\" "
        svg += "width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"\(fontSize)\">\n"
        svg += "<defs><pattern id=\"hatch\(id)\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        svg += "<rect width=\"4\" height=\"4\" fill=\"#eee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#bbb\" stroke-width=\"2\"/></pattern>"
        svg += "<linearGradient id=\"scale\(id)\">"
        for k in 0...10 {
            svg += "<stop offset=\"\(k * 10)%\" stop-color=\"\(ColourScale.hex(Double(k) / 10))\"/>"
        }
        svg += "</linearGradient></defs>\n"
        for column in 1...format.columns where column == 1 || column % labelEvery == 0 {
            let x = left + cell * (Double(column) - 0.5)
            svg += "<text x=\"\(HTMLText.number(x))\" y=\"\(Int(top - 6))\" text-anchor=\"middle\">\(column)</text>"
        }
        svg += "\n"
        for row in 0..<format.rows where row % labelEvery == 0 {
            let y = top + cell * (Double(row) + 0.5)
            let letters = WellPosition(row: row, column: 1).rowLetters
            svg += "<text x=\"\(Int(left - 6))\" y=\"\(HTMLText.number(y))\" text-anchor=\"end\" dominant-baseline=\"central\">\(letters)</text>"
        }
        svg += "\n"
        for position in format.wells {
            let x = left + cell * Double(position.column - 1)
            let y = top + cell * Double(position.row)
            let rect = "x=\"\(HTMLText.number(x + 1))\" y=\"\(HTMLText.number(y + 1))\" width=\"\(HTMLText.number(cell - 2))\" height=\"\(HTMLText.number(cell - 2))\""
            guard let well = byWell[position] else {
                svg += "<rect \(rect) fill=\"url(#hatch\(id))\"><title>\(position): not imaged</title></rect>\n"
                continue
            }
            let fill = measure.fraction(well).map(ColourScale.hex) ?? "url(#hatch\(id))"
            var stroke = ""
            switch well.control {
            case .positive: stroke = " stroke=\"#d62728\" stroke-width=\"2.5\""
            case .negative: stroke = " stroke=\"#1f77b4\" stroke-width=\"2.5\" stroke-dasharray=\"3 2\""
            case .viabilityReference: stroke = " stroke=\"#2ca02c\" stroke-width=\"2.5\" stroke-dasharray=\"1 2\""
            case nil: if well.hit { stroke = " stroke=\"#ff7f0e\" stroke-width=\"2.5\"" }
            }
            svg += "<g><title>\(HTMLText.escape(tooltip(well)))</title><rect \(rect) rx=\"2\" fill=\"\(fill)\"\(stroke)/>"
            if measure == .viability, well.cytotoxic {
                svg += "<line x1=\"\(HTMLText.number(x + 2))\" y1=\"\(HTMLText.number(y + cell - 2))\" x2=\"\(HTMLText.number(x + cell - 2))\" y2=\"\(HTMLText.number(y + 2))\" stroke=\"#d62728\" stroke-width=\"1.5\"/>"
            }
            if format == .wells96, let control = well.control {
                let mark = control == .positive ? "+" : (control == .negative ? "−" : "v")
                let colour = ColourScale.textColour(measure.fraction(well) ?? 0)
                svg += "<text x=\"\(HTMLText.number(x + cell / 2))\" y=\"\(HTMLText.number(y + cell / 2))\" text-anchor=\"middle\" dominant-baseline=\"central\" fill=\"\(colour)\" font-weight=\"bold\">\(mark)</text>"
            }
            svg += "</g>\n"
        }
        svg += "<rect x=\"\(Int(left))\" y=\"\(Int(legendTop))\" width=\"\(Int(legendWidth))\" height=\"10\" fill=\"url(#scale\(id))\"/>"
        for k in 0...4 {
            let x = left + legendWidth * Double(k) / 4
            svg += "<line x1=\"\(HTMLText.number(x))\" y1=\"\(Int(legendTop + 10))\" x2=\"\(HTMLText.number(x))\" y2=\"\(Int(legendTop + 14))\" stroke=\"#333\"/>"
            svg += "<text x=\"\(HTMLText.number(x))\" y=\"\(Int(legendTop + 25))\" text-anchor=\"middle\">\(measure.tick(k))</text>"
        }
        let keyX = left + legendWidth + 34
        svg += "<text x=\"\(Int(keyX))\" y=\"\(Int(legendTop + 9))\">\(measure.label)</text>"
        svg += "<rect x=\"\(Int(keyX))\" y=\"\(Int(legendTop + 17))\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>"
        svg += "<text x=\"\(Int(keyX + 14))\" y=\"\(Int(legendTop + 26))\">positive</text>"
        svg += "<rect x=\"\(Int(keyX + 70))\" y=\"\(Int(legendTop + 17))\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>"
        svg += "<text x=\"\(Int(keyX + 84))\" y=\"\(Int(legendTop + 26))\">negative</text>"
        if wells.contains(where: \.hit) {
            svg += "<rect x=\"\(Int(keyX + 140))\" y=\"\(Int(legendTop + 17))\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(Int(keyX + 154))\" y=\"\(Int(legendTop + 26))\">hit</text>"
        }
        svg += "</svg>"
        return svg
    }

    static func tooltip(_ well: WellReport) -> String {
        var parts = ["\(well.plate) \(well.well)"]
        if let control = well.control { parts.append("\(control.rawValue) control") }
        if let treatment = well.treatment {
            let dose = ReportFormat.concentration(well.concentration).map { " \($0)\(well.unit.map { " \($0)" } ?? "")" } ?? ""
            parts.append(treatment + dose)
        }
        if let virus = well.virus { parts.append(virus) }
        if let rate = ReportFormat.percent(well.infectionRate) {
            parts.append("infected \(rate) % (95% CI \(ReportFormat.percent(well.infectionRateLower) ?? "–")–\(ReportFormat.percent(well.infectionRateUpper) ?? "–"))")
        } else {
            parts.append("no nuclei")
        }
        parts.append("\(well.infected)/\(well.nuclei) nuclei, \(well.imageSetsDone)/\(well.imageSets) image sets")
        if well.errors > 0 { parts.append("\(well.errors) failed image set(s)") }
        if let viability = ReportFormat.fixed1(well.viability) {
            parts.append("viability \(viability) %" + (well.cytotoxic ? " (cytotoxic)" : ""))
        }
        if let score = ReportFormat.score(well.score) { parts.append("score \(score)") }
        if well.hit { parts.append("HIT") }
        return parts.joined(separator: " · ")
    }
}
