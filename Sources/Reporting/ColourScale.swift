import Foundation

/// A perceptually ordered colour scale (viridis-like: dark purple → teal → yellow) for infection rates,
/// readable by people with red-green colour blindness and in greyscale print.
enum ColourScale {
    private static let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// `#rrggbb` for t in 0…1 (clamped).
    static func hex(_ t: Double) -> String {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        let r = Int((a.0 + (b.0 - a.0) * f).rounded())
        let g = Int((a.1 + (b.1 - a.1) * f).rounded())
        let bl = Int((a.2 + (b.2 - a.2) * f).rounded())
        return String(format: "#%02x%02x%02x", r, g, bl)
    }

    /// Black or white text, whichever reads on the colour at t.
    static func textColour(_ t: Double) -> String { t > 0.55 ? "#000" : "#fff" }
}

/// Escaping for text placed in HTML or SVG: plate names and treatments come from user files.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
