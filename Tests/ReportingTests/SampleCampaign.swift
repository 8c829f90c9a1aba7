import Foundation
import Reporting
import Screening

/// Hand-made campaigns with known numbers for the builder and renderer tests.
enum SampleCampaign {
    static let date = Date(timeIntervalSince1970: 1_790_000_000)

    static func well(_ text: String) -> WellPosition { WellPosition(text) ?? WellPosition(row: 0, column: 1) }

    /// A realistic 96-well screen: per plate, column 1 negative controls (no virus), column 12 positive controls
    /// (virus, no drug), and two drugs in 10-point 3-fold dilutions with duplicates in columns 2–11: "Acyclovir"
    /// (IC50 0.5 µM) on rows A–D and "Inactive" (no effect) on rows E–H. Counts follow the curve exactly with
    /// a small deterministic wobble.
    static func doseResponsePlates(plates: [String] = ["PLATE-1", "PLATE-2"], done: Bool = true) -> [WellMeasurement] {
        var wells: [WellMeasurement] = []
        var wobble: UInt64 = 7
        func jitter() -> Double {
            wobble = wobble &* 6364136223846793005 &+ 1442695040888963407
            return Double(wobble >> 40) / Double(1 << 24) - 0.5
        }
        let negativeRate = 0.02, positiveRate = 0.62
        for (plateIndex, plate) in plates.enumerated() {
            for row in 0..<8 {
                for column in 1...12 {
                    let position = WellPosition(row: row, column: column)
                    let nuclei = 900 + Int(200 * jitter())
                    var m = WellMeasurement(plate: plate, well: position, imageSets: 4, imageSetsDone: 4, nuclei: nuclei, infected: 0)
                    var rate: Double
                    switch column {
                    case 1:
                        m.control = .negative
                        rate = negativeRate
                    case 12:
                        m.control = .positive
                        m.virus = "HSV-1"
                        rate = positiveRate
                    default:
                        let concentration = 30 / pow(3, Double(column - 2))
                        m.concentration = concentration
                        m.unit = "µM"
                        m.virus = "HSV-1"
                        if row < 4 {
                            m.treatment = "Acyclovir"
                            rate = negativeRate + (positiveRate - negativeRate) / (1 + pow(concentration / 0.5, 1.1))
                        } else {
                            m.treatment = "Inactive"
                            rate = positiveRate
                        }
                    }
                    rate = max(0, rate + 0.02 * jitter())
                    m.infected = Int((rate * Double(nuclei)).rounded())
                    m.reporterPositive = Int((Double(m.infected) * 0.95).rounded())
                    if !done, plateIndex == plates.count - 1, row >= 6 { m.imageSetsDone = 1 }
                    if plateIndex == 0, row == 7, column == 7 { m.errors = 1; m.imageSetsDone = 4 }
                    wells.append(m)
                }
            }
        }
        return wells
    }

    static func info(state: String? = nil) -> CampaignInfo {
        CampaignInfo(name: "HSV <antivirals> & co", plateFormat: .wells96, model: "cnn-v3 sha256:0123abcd", state: state, generatedAt: date)
    }
}
