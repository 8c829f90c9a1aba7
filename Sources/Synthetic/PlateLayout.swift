import Screening

/// Whether a well is a control, as the plate map's `control` column says.
public enum ControlKind: String, Sendable, Codable {
    /// Virus, no drug: the infection the drug must reduce.
    case positive
    /// No virus: the floor of the assay.
    case negative
}

/// What one well holds, and its true infection probability.
public struct WellAssignment: Sendable, Codable, Equatable {
    public let well: WellPosition
    /// nil for dilution-series wells.
    public let control: ControlKind?
    /// The antiviral's name, or "none" in control wells.
    public let treatment: String
    /// µM; 0 in control wells.
    public let concentration: Double
    /// nil in negative controls.
    public let virus: Virus?
    /// Multiplicity of infection; 0 without virus.
    public let moi: Double
    public let trueProbability: Double
}

/// The plate layout of a synthetic campaign.
///
/// The first twelfth of the columns are negative controls, the next twelfth positive controls, and the rest a
/// dilution series, each concentration in its own block of columns, every row a replicate:
/// on a 96-well plate column 1 negative, 2 positive, 3–12 from the top concentration down; on a 384-well plate
/// columns 1–2, 3–4, then two columns per concentration.
public enum PlateLayout {
    /// The multiplicity of infection used in every virus well.
    public static let moi = 1.0

    /// Every well of `format`, or with `limit` a subset: controls and a spread of the series, filled row by row.
    public static func assignments(format: PlateFormat, virus: Virus, dose: DoseResponse,
                                   limit: Int? = nil) -> [WellAssignment] {
        let block = max(1, format.columns / 12)
        let concentrations = dose.concentrations
        let seriesColumns = format.columns - 2 * block
        let steps = min(concentrations.count, seriesColumns / block)

        func assignment(_ well: WellPosition) -> WellAssignment? {
            let column = well.column
            if column <= block {
                return WellAssignment(well: well, control: .negative, treatment: "none", concentration: 0, virus: nil,
                                      moi: 0, trueProbability: dose.negativeControl)
            }
            if column <= 2 * block {
                return WellAssignment(well: well, control: .positive, treatment: "none", concentration: 0,
                                      virus: virus, moi: moi, trueProbability: dose.top)
            }
            let step = (column - 2 * block - 1) / block
            guard step < steps else { return nil }
            let concentration = concentrations[step]
            return WellAssignment(well: well, control: nil, treatment: virus.antiviral, concentration: concentration,
                                  virus: virus, moi: moi, trueProbability: dose.probability(at: concentration))
        }

        guard let limit, limit < format.wellCount else {
            return format.wells.compactMap(assignment)
        }
        // One column of each control, then the series in an order that spreads it over its range, row by row.
        let firstColumns = [1, block + 1] + spreadOrder(steps).map { 2 * block + 1 + $0 * block }
        var chosen: [WellAssignment] = []
        var round = 0
        while chosen.count < max(limit, 0), round < format.rows * block {
            let row = round % format.rows
            let offset = round / format.rows
            for column in firstColumns where chosen.count < limit {
                if let well = assignment(WellPosition(row: row, column: column + offset)) { chosen.append(well) }
            }
            round += 1
        }
        return chosen.sorted { $0.well < $1.well }
    }

    /// 0..<n ordered so every prefix covers the range evenly: ends first, then repeatedly the largest gap's middle.
    static func spreadOrder(_ n: Int) -> [Int] {
        guard n > 2 else { return Array(0..<max(n, 0)) }
        var order = [0, n - 1]
        while order.count < n {
            let sorted = order.sorted()
            var best = (gap: 0, middle: 0)
            for (a, b) in zip(sorted, sorted.dropFirst()) where b - a > best.gap {
                best = (b - a, (a + b) / 2)
            }
            order.append(best.middle)
        }
        return order
    }
}
