import Foundation
import Screening

/// What a compound of a synthetic primary screen truly does.
public struct ScreenCompound: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Lowers infection, leaves the cells alone: a true hit.
        case antiviral
        /// Kills cells (fewer nuclei); some also lower infection, the classic false hit.
        case cytotoxic
        /// Does nothing.
        case inert
    }

    public var name: String
    public var kind: Kind
    /// Fraction of the untreated infection the compound removes, 0…1.
    public var inhibition: Double
    /// Fraction of cells that survive, 0…1.
    public var viability: Double
    /// Library plate (1-based) and well.
    public var libraryPlate: Int
    public var well: WellPosition
}

/// Settings of a synthetic primary screen: a compound library at one concentration on 384- or 1536-well plates.
///
/// Layout of every plate: columns 1–2 negative controls (no virus), 3–4 positive controls (virus, no compound),
/// the other columns one compound per well in reading order (320 per 384-well plate, 1408 per 1536-well plate). Each library plate is imaged in
/// `replicates` replicate plates with the same layout (PLATE01 and PLATE02 are replicates of library plate 1 when
/// `replicates` is 2).
public struct ScreenSettings: Sendable, Codable, Equatable {
    public var compounds: Int
    public var replicates: Int
    /// Share of compounds that are true antivirals, and of compounds that are cytotoxic.
    public var antiviralFraction: Double
    public var cytotoxicFraction: Double
    /// Outer wells: infection probability up by this per outer row/column the well is in (a corner gets twice),
    /// and cell numbers down by `edgeCellLoss` likewise, as evaporation does. 0 for no edge effect.
    public var edgeInfection: Double
    public var edgeCellLoss: Double
    /// Infection probability of untreated virus wells and of wells without virus.
    public var positiveInfection: Double
    public var negativeInfection: Double
    /// Concentration of every compound, µM.
    public var concentration: Double
    /// 384 or 1536 wells.
    public var format: PlateFormat

    public init(compounds: Int = 320, replicates: Int = 2, antiviralFraction: Double = 0.08, cytotoxicFraction: Double = 0.06,
                edgeInfection: Double = 0, edgeCellLoss: Double = 0, positiveInfection: Double = 0.6,
                negativeInfection: Double = 0.01, concentration: Double = 10, format: PlateFormat = .wells384) {
        self.compounds = compounds
        self.replicates = replicates
        self.antiviralFraction = antiviralFraction
        self.cytotoxicFraction = cytotoxicFraction
        self.edgeInfection = edgeInfection
        self.edgeCellLoss = edgeCellLoss
        self.positiveInfection = positiveInfection
        self.negativeInfection = negativeInfection
        self.concentration = concentration
        self.format = format
    }

    /// Sample wells per plate: every well outside the four control columns.
    public var samplesPerPlate: Int { format.wellCount - 4 * format.rows }

    public var libraryPlates: Int { max(1, (compounds + samplesPerPlate - 1) / samplesPerPlate) }
    public var plates: Int { libraryPlates * replicates }

    /// The library plate a screening plate (1-based) shows.
    public func libraryPlate(ofPlate plate: Int) -> Int { (plate - 1) / max(1, replicates) + 1 }

    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw SyntheticCampaignError.invalidSettings(message) }
        }
        try check(format != .wells96, "primary screens use 384- or 1536-well plates, not \(format)")
        try check((1...50_000).contains(compounds), "compounds must be 1–50000, not \(compounds)")
        try check((1...4).contains(replicates), "replicates must be 1–4, not \(replicates)")
        try check(plates <= 99, "\(compounds) compounds in \(replicates) replicate(s) need \(plates) plates; at most 99")
        try check(antiviralFraction >= 0 && cytotoxicFraction >= 0 && antiviralFraction + cytotoxicFraction <= 1,
                  "antiviral and cytotoxic fractions must be >= 0 and add up to at most 1")
        try check((0...0.3).contains(edgeInfection) && (0...0.4).contains(edgeCellLoss),
                  "the edge effect must be 0–0.3 (infection) and 0–0.4 (cell loss)")
        try check((0...1).contains(positiveInfection) && (0...1).contains(negativeInfection),
                  "infection probabilities must lie in 0–1")
        try check(concentration > 0 && concentration.isFinite, "the concentration must be positive")
    }

    /// How many outer rows/columns a well is in (0, 1, or 2 for a corner).
    public func edgeDepth(_ well: WellPosition) -> Int {
        (well.row == 0 || well.row == format.rows - 1 ? 1 : 0) + (well.column == 1 || well.column == format.columns ? 1 : 0)
    }

    /// The sample wells of a plate, in the order compounds fill them.
    public var sampleWells: [WellPosition] {
        format.wells.filter { $0.column > 4 }
    }

    /// The library: which compound is where and what it truly does. Kinds are drawn by the seed, so which wells
    /// hold actives is scattered over the plates, as in a real library.
    public func library(seed: UInt64) -> [ScreenCompound] {
        var generator = SeededGenerator(seed: seed, stream: [0x5C2EE7])
        let antivirals = Int((Double(compounds) * antiviralFraction).rounded())
        let toxic = Int((Double(compounds) * cytotoxicFraction).rounded())
        var kinds = Array(repeating: ScreenCompound.Kind.antiviral, count: antivirals)
            + Array(repeating: .cytotoxic, count: toxic)
            + Array(repeating: .inert, count: max(0, compounds - antivirals - toxic))
        for i in stride(from: kinds.count - 1, to: 0, by: -1) {
            kinds.swapAt(i, generator.integer(in: 0...i))
        }
        let wells = sampleWells
        let perPlate = samplesPerPlate
        return kinds.enumerated().map { index, kind in
            var inhibition = 0.0, viability = 1.0
            switch kind {
            case .antiviral:
                // Strength varies from a clear 60 % inhibition to nearly complete; cells are unharmed.
                inhibition = generator.uniform(0.6, 0.97)
                viability = generator.uniform(0.9, 1.05)
            case .cytotoxic:
                // 15–50 % of cells survive; half the toxic compounds also lower infection among the survivors.
                viability = generator.uniform(0.15, 0.5)
                inhibition = generator.bernoulli(0.5) ? generator.uniform(0.5, 0.9) : 0
            case .inert:
                inhibition = 0
                viability = generator.uniform(0.92, 1.08)
            }
            return ScreenCompound(name: String(format: "CMPD%04d", index + 1), kind: kind, inhibition: inhibition,
                                  viability: viability, libraryPlate: index / perPlate + 1,
                                  well: wells[index % perPlate])
        }
    }
}
