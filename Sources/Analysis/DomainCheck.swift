import Foundation

/// How one measurement of a campaign's nuclei compares with the model's training data.
public struct DomainFeatureComparison: Codable, Sendable, Equatable {
    /// `diameter_px` or `texture_cv`, as in `domain.json`.
    public var feature: String
    public var campaignMedian: Double
    public var trainingMedian: Double
    /// The training data's 1st–99th percentile range.
    public var trainingLow: Double
    public var trainingHigh: Double
    /// Share of the campaign's sampled nuclei inside that range (about 0.98 when the campaign is like the training data).
    public var fractionInside: Double

    enum CodingKeys: String, CodingKey {
        case feature, campaignMedian = "campaign_median", trainingMedian = "training_median"
        case trainingLow = "training_p01", trainingHigh = "training_p99", fractionInside = "fraction_inside"
    }
}

/// Whether a campaign's images resemble the data a model was trained on, decided before the campaign runs and
/// stored with it, so `status` and the report can say that a model was used outside what it knows.
public struct DomainVerdict: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// The sampled nuclei look like the training nuclei.
        case inDomain = "in_domain"
        /// Noticeably different: results may be off; shown as a warning.
        case nearEdge = "near_edge"
        /// Far outside: submission is refused unless overridden.
        case outOfDomain = "out_of_domain"
        /// The model carries no `domain.json` (e.g. loaded from the database or imported): nothing to compare.
        case unchecked
    }

    public var status: Status
    /// One sentence per problem found, for people (empty when in domain).
    public var reasons: [String]
    public var comparisons: [DomainFeatureComparison]
    public var sampledNuclei: Int
    public var sampledImageSets: Int
    /// True when an out-of-domain campaign was submitted anyway (`--accept-out-of-domain`).
    public var overridden: Bool

    public init(status: Status, reasons: [String], comparisons: [DomainFeatureComparison] = [], sampledNuclei: Int = 0,
                sampledImageSets: Int = 0, overridden: Bool = false) {
        self.status = status
        self.reasons = reasons
        self.comparisons = comparisons
        self.sampledNuclei = sampledNuclei
        self.sampledImageSets = sampledImageSets
        self.overridden = overridden
    }

    enum CodingKeys: String, CodingKey {
        case status, reasons, comparisons, sampledNuclei = "sampled_nuclei", sampledImageSets = "sampled_image_sets"
        case overridden
    }

    /// One line for `status`, the report and the submit log.
    public var summary: String {
        switch status {
        case .inDomain:
            return "in domain (\(sampledNuclei) control nuclei like the training data)"
        case .unchecked:
            return "not checked: " + (reasons.first ?? "the model has no domain statistics")
        case .nearEdge, .outOfDomain:
            let label = status == .nearEdge ? "near the edge of the model's domain" : "OUT OF THE MODEL'S DOMAIN"
            return label + (overridden ? " (accepted by --accept-out-of-domain)" : "") + ": "
                + reasons.joined(separator: "; ")
        }
    }
}

/// Compares a campaign's sampled nuclei with a model's `domain.json`.
///
/// For each measurement the share of campaign nuclei inside the training data's 1st–99th percentile range is
/// the test: it is about 0.98 for data like the training set whatever its spread, and falls fast when nuclei
/// are bigger, smaller or differently textured. Below `edgeFraction` the campaign is near the edge (a warning);
/// below `outsideFraction` it is out of the domain (refused at submission). Infected and uninfected controls are
/// pooled on both sides, so a phenotype the model was trained on does not count against it.
public enum DomainCheck {
    public static let edgeFraction = 0.9
    public static let outsideFraction = 0.5

    public static func compare(_ sample: DomainSample, with domain: ModelDomain) -> DomainVerdict {
        guard sample.count > 0 else {
            return DomainVerdict(status: .outOfDomain,
                                 reasons: ["no nuclei were segmented in \(sample.imageSets) sampled control image sets"],
                                 sampledImageSets: sample.imageSets)
        }
        let features: [(String, String, [Double], Quantiles, String)] = [
            ("diameter_px", "nucleus diameter", sample.diameters, domain.diameter, "px"),
            ("texture_cv", "chromatin texture (intensity CV)", sample.textures, domain.texture, ""),
        ]
        var comparisons: [DomainFeatureComparison] = []
        var reasons: [String] = []
        var status = DomainVerdict.Status.inDomain
        for (key, name, values, training, unit) in features {
            guard let campaign = Quantiles(values) else { continue }
            let inside = values.filter { $0 >= training.p01 && $0 <= training.p99 }.count
            let fraction = Double(inside) / Double(values.count)
            comparisons.append(DomainFeatureComparison(feature: key, campaignMedian: campaign.p50,
                                                       trainingMedian: training.p50, trainingLow: training.p01,
                                                       trainingHigh: training.p99, fractionInside: fraction))
            guard fraction < edgeFraction else { continue }
            func show(_ value: Double) -> String {
                unit == "px" ? String(format: "%.1f px", value) : String(format: "%.3f", value)
            }
            reasons.append("\(name) median \(show(campaign.p50)) is "
                           + String(format: "%.2f", campaign.p50 / max(training.p50, 1e-12))
                           + "× the training median \(show(training.p50)); "
                           + String(format: "%.0f%%", 100 * fraction)
                           + " of nuclei inside the training range \(show(training.p01))–\(show(training.p99))")
            if fraction < outsideFraction { status = .outOfDomain } else if status == .inDomain { status = .nearEdge }
        }
        return DomainVerdict(status: status, reasons: reasons, comparisons: comparisons, sampledNuclei: sample.count,
                             sampledImageSets: sample.imageSets)
    }
}
