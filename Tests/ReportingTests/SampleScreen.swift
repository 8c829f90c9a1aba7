import Foundation
import Reporting
import Screening

/// Hand-made primary screens with known truth for the screen-report tests: 384-well plates, columns 1–2
/// negative controls, 3–4 positive controls, one compound per sample well, the same layout on every replicate
/// plate. Counts are drawn from a deterministic generator (binomial infection, well-to-well cell scatter).
enum SampleScreen {
    struct Truth {
        var antivirals: Set<String> = []
        var toxic: Set<String> = []
    }

    struct Random {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        mutating func normal() -> Double {
            (0..<12).reduce(0) { sum, _ in sum + uniform() } - 6
        }
    }

    /// `plates` replicate plates of 320 compounds: every 16th an antiviral (60–95 % inhibition), every 23rd
    /// cytotoxic (30 % viability, half of them lowering infection too), an optional edge effect (outer wells
    /// +`edge` infection per outer row/column, 10 % fewer cells), and `failedPlate` with controls that overlap.
    static func plates(_ plates: [String] = ["S1", "S2"], edge: Double = 0.12, failedPlate: String? = nil,
                       seed: UInt64 = 11) -> ([WellMeasurement], Truth) {
        var random = Random(state: seed)
        var truth = Truth()
        var wells: [WellMeasurement] = []
        let samples = PlateFormat.wells384.wells.filter { $0.column > 4 }
        for plate in plates {
            for position in PlateFormat.wells384.wells {
                let depth = Double((position.row == 0 || position.row == 15 ? 1 : 0) + (position.column == 1 || position.column == 24 ? 1 : 0))
                var rate = 0.6 + edge * depth
                var cells = 400 * (1 - 0.1 * (edge > 0 ? depth : 0))
                var m = WellMeasurement(plate: plate, well: position, unit: "uM", virus: "HSV-1", imageSets: 1, imageSetsDone: 1,
                                        nuclei: 0, infected: 0)
                if position.column <= 2 {
                    m.control = .negative
                    m.virus = nil
                    rate = 0.01
                } else if position.column <= 4 {
                    m.control = .positive
                    if plate == failedPlate { rate = 0.3 }
                } else if let index = samples.firstIndex(of: position) {
                    let name = String(format: "C%03d", index + 1)
                    m.treatment = name
                    m.concentration = 10
                    if index % 16 == 5 {
                        truth.antivirals.insert(name)
                        let inhibition = 0.6 + 0.35 * Double(index % 7) / 6
                        rate = 0.01 + (rate - 0.01) * (1 - inhibition)
                    } else if index % 23 == 7 {
                        truth.toxic.insert(name)
                        cells *= 0.3
                        if index % 2 == 0 { rate *= 0.2 }
                    }
                }
                if plate == failedPlate, m.control == .negative { rate = 0.25 }
                let n = max(0, Int((cells * (1 + 0.08 * random.normal())).rounded()))
                let p = min(max(rate + (plate == failedPlate && m.control != nil ? 0.15 * random.normal() : 0), 0), 1)
                let infected = min(n, max(0, Int((Double(n) * p + (Double(n) * p * (1 - p)).squareRoot() * random.normal()).rounded())))
                m.nuclei = n
                m.infected = infected
                wells.append(m)
            }
        }
        return (wells, truth)
    }

    static func info() -> CampaignInfo {
        CampaignInfo(name: "screen", plateFormat: .wells384, model: "cnn", generatedAt: SampleCampaign.date)
    }
}
