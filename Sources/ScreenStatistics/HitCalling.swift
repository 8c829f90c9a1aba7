/// How replicate wells of one compound are combined into one value.
public enum ReplicateCombination: String, Sendable, Hashable, Codable, CaseIterable {
    /// Mean, spread = sample standard deviation.
    case mean
    /// Median, spread = 1.4826 · MAD (one aberrant replicate does not move it).
    case median

    public func centre(_ values: [Double]) -> Double? {
        self == .mean ? RobustStatistics.mean(values) : RobustStatistics.median(values)
    }

    public func spread(_ values: [Double]) -> Double? {
        self == .mean ? RobustStatistics.standardDeviation(values)
            : (values.count >= 2 ? RobustStatistics.mad(values) : nil)
    }
}

/// The rule that makes a compound a hit: active AND not cytotoxic, where active means
/// score ≤ `scoreThreshold` (on a z scale: robust z or B-score) OR inhibition ≥ `inhibitionThreshold` %.
public struct HitRule: Sendable, Hashable, Codable {
    /// On robust z or B-score; nil leaves the score out of the rule.
    public var scoreThreshold: Double?
    /// Normalised percent inhibition, %; nil leaves inhibition out of the rule.
    public var inhibitionThreshold: Double?
    /// Viability, %: a compound (its combined viability) below it is cytotoxic and never a hit.
    public var viabilityThreshold: Double
    public var combination: ReplicateCombination

    public init(scoreThreshold: Double? = -3, inhibitionThreshold: Double? = 50, viabilityThreshold: Double = 70,
                combination: ReplicateCombination = .mean) {
        self.scoreThreshold = scoreThreshold
        self.inhibitionThreshold = inhibitionThreshold
        self.viabilityThreshold = viabilityThreshold
        self.combination = combination
    }

    /// Whether one (combined or single-well) observation is active, and the reason in words.
    public func activity(score: Double?, inhibition: Double?) -> (active: Bool, reasons: [String]) {
        var reasons: [String] = []
        if let threshold = scoreThreshold, let score, score <= threshold {
            reasons.append("score \(format(score)) <= \(format(threshold))")
        }
        if let threshold = inhibitionThreshold, let inhibition, inhibition >= threshold {
            reasons.append("inhibition \(format(inhibition)) % >= \(format(threshold)) %")
        }
        return (!reasons.isEmpty, reasons)
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// One replicate well of a compound, already normalised.
public struct ReplicateObservation: Sendable, Hashable, Codable {
    public var plate: String
    public var well: String
    /// Fraction 0…1.
    public var infectionRate: Double?
    /// On the z scale of the chosen normalisation (robust z or B-score), or nil.
    public var score: Double?
    /// Normalised percent inhibition, %.
    public var inhibition: Double?
    /// Viability, %.
    public var viability: Double?

    public init(plate: String, well: String, infectionRate: Double?, score: Double?, inhibition: Double?, viability: Double?) {
        self.plate = plate
        self.well = well
        self.infectionRate = infectionRate
        self.score = score
        self.inhibition = inhibition
        self.viability = viability
    }
}

/// The call for one compound over its replicate wells (on one or several plates).
public struct CompoundCall: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Active and viable.
        case hit
        /// Active but below the viability threshold: the drop in infection is probably the cells dying.
        case cytotoxic
        /// Viable and inactive.
        case inactive
        /// Inactive and below the viability threshold.
        case cytotoxicInactive = "cytotoxic-inactive"
        /// No replicate could be scored (no nuclei, failed plates).
        case noData = "no-data"
    }

    public var compound: String
    public var replicates: [ReplicateObservation]
    public var infectionRate: Double?
    public var score: Double?
    public var scoreSpread: Double?
    public var inhibition: Double?
    public var inhibitionSpread: Double?
    public var viability: Double?
    /// Share of replicates that are active on their own (1 = every replicate agrees with the call's activity).
    public var concordance: Double?
    public var outcome: Outcome
    /// Why, in words: the thresholds met, or what kept it from being a hit.
    public var reason: String
    /// Larger is stronger: the inhibition, or minus the score on z scales (hits are sorted by it).
    public var strength: Double

    public var isHit: Bool { outcome == .hit }
}

/// Combines replicates and applies a `HitRule`.
public enum HitCalling {
    /// Calls one compound: combines its replicates, applies the rule to the combined values, and measures how
    /// many replicates agree on their own. Pass `score: nil` in the observations when the normalisation is not
    /// on a z scale, so only inhibition counts.
    public static func call(compound: String, replicates: [ReplicateObservation], rule: HitRule) -> CompoundCall {
        let combine = rule.combination
        let scores = replicates.compactMap(\.score)
        let inhibitions = replicates.compactMap(\.inhibition)
        let viabilities = replicates.compactMap(\.viability)
        let score = combine.centre(scores)
        let inhibition = combine.centre(inhibitions)
        let viability = combine.centre(viabilities)
        let (active, reasons) = rule.activity(score: score, inhibition: inhibition)
        let scored = replicates.filter { $0.score != nil || $0.inhibition != nil }
        let agreeing = scored.filter { rule.activity(score: $0.score, inhibition: $0.inhibition).active == active }.count
        let concordance = scored.isEmpty ? nil : Double(agreeing) / Double(scored.count)
        let toxic = viability.map { $0 < rule.viabilityThreshold } ?? false
        let outcome: CompoundCall.Outcome
        var reason: String
        if scored.isEmpty {
            outcome = .noData
            reason = "no replicate could be scored"
        } else if active {
            outcome = toxic ? .cytotoxic : .hit
            reason = reasons.joined(separator: "; ")
        } else {
            outcome = toxic ? .cytotoxicInactive : .inactive
            reason = "not active"
        }
        if toxic, let viability {
            reason += "; viability \(Int(viability.rounded())) % < \(Int(rule.viabilityThreshold.rounded())) %: cytotoxic, not a hit"
        }
        let strength = score.map { -$0 } ?? inhibition ?? -Double.infinity
        return CompoundCall(
            compound: compound, replicates: replicates, infectionRate: combine.centre(replicates.compactMap(\.infectionRate)),
            score: score, scoreSpread: combine.spread(scores), inhibition: inhibition,
            inhibitionSpread: combine.spread(inhibitions), viability: viability, concordance: concordance,
            outcome: outcome, reason: reason, strength: strength)
    }

    /// Calls every compound; hits first, strongest first, then the rest by strength.
    public static func call(_ groups: [String: [ReplicateObservation]], rule: HitRule) -> [CompoundCall] {
        groups.map { call(compound: $0.key, replicates: $0.value, rule: rule) }.sorted {
            if $0.isHit != $1.isHit { return $0.isHit }
            if $0.strength != $1.strength { return $0.strength > $1.strength }
            return $0.compound < $1.compound
        }
    }
}
