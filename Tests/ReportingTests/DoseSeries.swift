import Foundation
import Reporting
import Screening

/// A 96-well plate "TOX" of dilution series with known IC50 and CC50: column 1 negative and column 12 positive
/// controls; rows A–D "Toxivir" (IC50 0.5 µM, CC50 10 µM), rows E–F "Safevir" (IC50 1 µM, not toxic), row G
/// "Unitvir" in nM (columns 2–6) and in µM (7–11), row H "Shortvir" at only four concentrations (in duplicate).
enum DoseSeries {
    static func toxicSeries(plate: String = "TOX") -> [WellMeasurement] {
        var wells: [WellMeasurement] = []
        var state: UInt64 = 5
        func wobble() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 40) / Double(1 << 24) - 0.5
        }
        func logistic(_ c: Double, _ half: Double, _ top: Double, _ bottom: Double) -> Double {
            bottom + (top - bottom) / (1 + pow(c / half, 1.2))
        }
        for row in 0..<8 {
            for column in 1...12 {
                let position = WellPosition(row: row, column: column)
                var m = WellMeasurement(plate: plate, well: position, unit: "uM", virus: "HSV-1", imageSets: 2, imageSetsDone: 2,
                                        nuclei: 0, infected: 0)
                var rate = 0.6, cells = 800.0
                let step = Double(column - 2)
                switch (row, column) {
                case (_, 1):
                    m.control = .negative
                    m.virus = nil
                    rate = 0.01
                case (_, 12):
                    m.control = .positive
                case (0..<4, _):
                    let c = 30 / pow(3, step)
                    m.treatment = "Toxivir"
                    m.concentration = c
                    rate = logistic(c, 0.5, 0.6, 0.02)
                    cells *= logistic(c, 10, 1, 0)
                case (4..<6, _):
                    let c = 30 / pow(3, step)
                    m.treatment = "Safevir"
                    m.concentration = c
                    rate = logistic(c, 1, 0.6, 0.02)
                case (6, _):
                    m.treatment = "Unitvir"
                    m.unit = column <= 6 ? "nM" : "uM"
                    m.concentration = 10 / pow(3, Double((column - 2) % 5))
                case (7, 2...9):
                    m.treatment = "Shortvir"
                    m.concentration = 10 / pow(3, Double((column - 2) % 4))
                default:
                    continue
                }
                m.nuclei = Int((cells * (1 + 0.06 * wobble())).rounded())
                m.infected = Int((Double(m.nuclei) * max(0, rate + 0.02 * wobble())).rounded())
                wells.append(m)
            }
        }
        return wells
    }
}
