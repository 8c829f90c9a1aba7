import Foundation
import Screening

/// What the report needs to know about the campaign besides its wells.
public struct CampaignInfo: Sendable, Hashable, Codable {
    public var name: String
    public var plateFormat: PlateFormat
    /// The model the campaign pins (name or sha256), shown so a report can be reproduced.
    @NullCoded public var model: String?
    /// The campaign's state as the database records it, if known. `running`, `submitted`, `paused` and `pending`
    /// mark the report as not complete even when every image set counted so far has a result.
    @NullCoded public var state: String?
    public var generatedAt: Date

    public init(name: String, plateFormat: PlateFormat = .wells96, model: String? = nil, state: String? = nil,
                generatedAt: Date = Date()) {
        self.name = name
        self.plateFormat = plateFormat
        self.model = model
        self.state = state
        self.generatedAt = generatedAt
    }
}

/// The counts for one well, aggregated over its image sets that have a result so far (the database queries
/// produce these). While a campaign runs, `nuclei` and `infected` cover only the `imageSetsDone` image sets.
public struct WellMeasurement: Sendable, Hashable, Codable {
    public var plate: String
    public var well: WellPosition
    public var treatment: String?
    public var concentration: Double?
    public var unit: String?
    public var virus: String?
    public var moi: Double?
    public var control: ControlKind?
    /// Image sets planned for the well, and how many have a result so far.
    public var imageSets: Int
    public var imageSetsDone: Int
    public var nuclei: Int
    public var infected: Int
    /// Nuclei positive in the reporter channel, when a reporter was measured.
    public var reporterPositive: Int?
    /// Image sets whose analysis failed (unreadable image, …).
    public var errors: Int

    public init(plate: String, well: WellPosition, treatment: String? = nil, concentration: Double? = nil,
                unit: String? = nil, virus: String? = nil, moi: Double? = nil, control: ControlKind? = nil,
                imageSets: Int, imageSetsDone: Int, nuclei: Int, infected: Int, reporterPositive: Int? = nil, errors: Int = 0) {
        self.plate = plate
        self.well = well
        self.treatment = treatment
        self.concentration = concentration
        self.unit = unit
        self.virus = virus
        self.moi = moi
        self.control = control
        self.imageSets = imageSets
        self.imageSetsDone = imageSetsDone
        self.nuclei = nuclei
        self.infected = infected
        self.reporterPositive = reporterPositive
        self.errors = errors
    }

    /// A measurement carrying a plate-map condition.
    public init(plate: String, condition: WellCondition, imageSets: Int, imageSetsDone: Int, nuclei: Int, infected: Int,
                reporterPositive: Int? = nil, errors: Int = 0) {
        self.init(plate: plate, well: condition.well, treatment: condition.treatment, concentration: condition.concentration,
                  unit: condition.unit, virus: condition.virus, moi: condition.moi, control: condition.control,
                  imageSets: imageSets, imageSetsDone: imageSetsDone, nuclei: nuclei, infected: infected,
                  reporterPositive: reporterPositive, errors: errors)
    }
}

/// The whole report: every level, computed once, rendered by each renderer from the same numbers.
///
/// Rates are fractions (0…1); `percentOfPositive` values are percentages of the plate's positive-control
/// window (0 = negative-control mean, 100 = positive-control mean). Values that cannot be computed are nil.
public struct CampaignReport: Sendable, Hashable, Codable {
    public var schemaVersion: Int
    public var campaign: CampaignInfo
    public var summary: CampaignSummary
    public var plates: [PlateReport]
    public var conditions: [ConditionReport]
    public var doseResponses: [DoseResponseReport]
    public var wells: [WellReport]
    /// Normalisation, hit rule and viability settings, and the screen's counts.
    public var screen: ScreenSettingsReport
    /// Hits, strongest first.
    public var hits: [HitReport]
    /// Lines a reader must see: failed plates left out, series too short to fit, …
    public var notes: [String]
    /// Lines a reader must see before any number (model miscalibrated, out of domain); empty when none.
    public var alerts: [String] = []
    /// Model against reporter and controls (`ModelCheck`); null when the report was built without it.
    @NullCoded public var modelCheck: ModelCheck? = nil
}

public struct CampaignSummary: Sendable, Hashable, Codable {
    public var plates: Int
    public var wells: Int
    public var imageSets: Int
    public var imageSetsDone: Int
    public var imageSetErrors: Int
    public var nuclei: Int
    public var infected: Int
    @NullCoded public var infectionRate: Double?
    @NullCoded public var infectionRateLower: Double?
    @NullCoded public var infectionRateUpper: Double?
    /// Infection over sample wells only (controls left out), with its Wilson interval: the pooled rate above
    /// mixes uninfected negative controls with untreated positive ones and describes no condition.
    @NullCoded public var sampleInfectionRate: Double? = nil
    @NullCoded public var sampleInfectionRateLower: Double? = nil
    @NullCoded public var sampleInfectionRateUpper: Double? = nil
    /// True when every planned image set has a result (and the database does not say otherwise).
    public var complete: Bool
    /// One line for people: "complete" or "still running: 120 of 384 image sets done (31.3 %)".
    public var status: String
}

public struct WellReport: Sendable, Hashable, Codable {
    public var plate: String
    public var well: WellPosition
    @NullCoded public var treatment: String?
    @NullCoded public var concentration: Double?
    @NullCoded public var unit: String?
    @NullCoded public var virus: String?
    @NullCoded public var control: ControlKind?
    public var imageSets: Int
    public var imageSetsDone: Int
    public var errors: Int
    public var nuclei: Int
    public var infected: Int
    @NullCoded public var infectionRate: Double?
    @NullCoded public var infectionRateLower: Double?
    @NullCoded public var infectionRateUpper: Double?
    @NullCoded public var reporterPositiveRate: Double?
    @NullCoded public var percentOfPositive: Double?
    /// Normalised percent inhibition, 100·(pos − x)/(pos − neg), against the well's own plate controls.
    @NullCoded public var percentInhibition: Double? = nil
    /// Robust z of the infection rate over the plate's sample wells (nil for controls).
    @NullCoded public var robustZ: Double? = nil
    /// B-score of the infection rate over the plate's sample wells (nil for controls).
    @NullCoded public var bScore: Double? = nil
    /// The value of the report's normalisation (`screen.normalisation`).
    @NullCoded public var score: Double? = nil
    /// Nuclei per site as a percentage of the plate's viability reference wells, with a 95 % interval.
    @NullCoded public var viability: Double? = nil
    @NullCoded public var viabilityLower: Double? = nil
    @NullCoded public var viabilityUpper: Double? = nil
    /// Viability below the threshold: shown, never a hit.
    public var cytotoxic: Bool = false
    /// The well belongs to a compound on the hit list.
    public var hit: Bool = false
}

public struct ConditionReport: Sendable, Hashable, Codable {
    @NullCoded public var treatment: String?
    @NullCoded public var concentration: Double?
    @NullCoded public var unit: String?
    @NullCoded public var virus: String?
    @NullCoded public var control: ControlKind?
    /// Replicate wells with at least one nucleus.
    public var replicates: Int
    public var nuclei: Int
    @NullCoded public var meanInfectionRate: Double?
    @NullCoded public var sdInfectionRate: Double?
    @NullCoded public var meanPercentOfPositive: Double?
    @NullCoded public var sdPercentOfPositive: Double?
}

public struct PlateReport: Sendable, Hashable, Codable {
    public var plate: String
    public var wells: Int
    public var nuclei: Int
    @NullCoded public var infectionRate: Double?
    public var positiveControls: Int
    public var negativeControls: Int
    @NullCoded public var positiveMean: Double?
    @NullCoded public var positiveSD: Double?
    @NullCoded public var negativeMean: Double?
    @NullCoded public var negativeSD: Double?
    @NullCoded public var zPrime: Double?
    @NullCoded public var robustZPrime: Double?
    @NullCoded public var ssmd: Double?
    /// The conventional reading of Z' (robust Z' when Z' cannot be computed); nil without controls.
    @NullCoded public var reading: AssayReading?
    /// Z' < 0: the plate cannot tell actives from noise; left out of hit calling and dose-response fits.
    public var failed: Bool = false
}

public struct DoseResponseReport: Sendable, Hashable, Codable {
    public struct Point: Sendable, Hashable, Codable {
        public var concentration: Double
        public var replicates: Int
        public var mean: Double
        @NullCoded public var sd: Double?
    }

    public var treatment: String
    @NullCoded public var virus: String?
    @NullCoded public var unit: String?
    /// What was fitted: `percentOfPositive` when the plates have controls, else `infectionRatePercent`.
    public var response: String
    public var concentrations: Int
    /// Mean ± SD of the response per concentration, for plotting.
    public var points: [Point]
    @NullCoded public var fit: LogisticParameters?
    /// Why there is no fit, in words.
    @NullCoded public var failure: String?
    /// 4PL fit of viability (%) against concentration: its `ic50` is the CC50.
    @NullCoded public var viabilityFit: LogisticParameters? = nil
    /// Why there is no CC50, in words (for example: viability never halves in the tested range).
    @NullCoded public var viabilityNote: String? = nil
    @NullCoded public var selectivityIndex: SelectivityReport? = nil
    /// `none`, or `inverse replicate variance` (`--weighted-fit`; the IC50 fit only).
    public var weighting: String = "none"
}
