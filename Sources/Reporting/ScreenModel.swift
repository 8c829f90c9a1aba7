import Foundation
import ScreenStatistics

/// How a report normalises wells and calls hits; `viroscope-report` sets it from flags.
public struct ReportOptions: Sendable, Hashable {
    /// The per-well score shown and used for the score arm of the hit rule (robust z and B-score only).
    /// Robust z by default: it needs no controls and is safe on any layout, whereas B-score assumes samples are
    /// scattered over the plate (a dilution series laid out by column would be polished away).
    public var normalisation: ScreenNormalisation
    public var hitRule: HitRule
    /// Weight each well of a dose-response fit by the inverse variance of its concentration's replicates, so
    /// noisy concentrations pull the IC50 less.
    public var weightedFit: Bool

    public init(normalisation: ScreenNormalisation = .robustZ, hitRule: HitRule = HitRule(), weightedFit: Bool = false) {
        self.normalisation = normalisation
        self.hitRule = hitRule
        self.weightedFit = weightedFit
    }
}

/// The settings a screen report was made with, and its counts, shown in every format's header.
public struct ScreenSettingsReport: Sendable, Hashable, Codable {
    /// `poc`, `npi`, `robust-z` or `b-score`.
    public var normalisation: String
    @NullCoded public var scoreThreshold: Double?
    @NullCoded public var inhibitionThreshold: Double?
    public var viabilityThreshold: Double
    /// `mean` or `median`.
    public var replicateCombination: String
    /// Which wells viability is relative to, in words.
    public var viabilityReference: String
    /// Sample groups (treatment, concentration, unit, virus) that were called.
    public var compounds: Int
    public var hits: Int
    /// Active compounds below the viability threshold (not hits).
    public var cytotoxicActives: Int
    /// Plates with Z' < 0, left out of hit calling and dose-response fits.
    public var failedPlates: [String]
}

/// One compound of the hit list: its replicate wells combined.
public struct HitReport: Sendable, Hashable, Codable {
    public var compound: String
    @NullCoded public var concentration: Double?
    @NullCoded public var unit: String?
    @NullCoded public var virus: String?
    public var replicates: Int
    /// `PLATE:WELL` of every replicate.
    public var wells: [String]
    public var plates: [String]
    /// Combined infection rate, fraction 0…1.
    @NullCoded public var infectionRate: Double?
    /// Combined value of the report's normalisation (robust z, B-score, percent of control or NPI).
    @NullCoded public var score: Double?
    @NullCoded public var scoreSpread: Double?
    @NullCoded public var percentInhibition: Double?
    @NullCoded public var inhibitionSpread: Double?
    /// Combined viability, %.
    @NullCoded public var viability: Double?
    /// Share of replicates that are active on their own.
    @NullCoded public var concordance: Double?
    /// `hit`, `cytotoxic`, `inactive`, `cytotoxic-inactive` or `no-data`.
    public var outcome: String
    public var reason: String
    /// Larger is stronger; the list is sorted by it.
    public var strength: Double
}

/// Selectivity index of a dose-response series: CC50 / IC50, or a lower bound when viability never halves.
public struct SelectivityReport: Sendable, Hashable, Codable {
    /// `estimate` or `lower-bound`.
    public var kind: String
    public var value: Double
    @NullCoded public var lower: Double?
    @NullCoded public var upper: Double?
}
