import Foundation
import Screening
import ScreenStatistics

/// The screen layer of the report: per-well normalised scores and viability, failed plates, and the hit list.
///
/// Every score is computed per plate, from that plate's own controls (percent of control, NPI, viability) or
/// its own sample wells (robust z, B-score), so plate-to-plate drift never leaks into a call. Plates with
/// Z' < 0 keep their scores for display but take no part in hit calling.
enum ScreenAnalysis {
    /// Scores, viability and flags filled into `wells`; the plates marked failed; the calls and notes.
    static func apply(_ options: ReportOptions, wells: inout [WellReport], plates: inout [PlateReport],
                      plateFormat: PlateFormat) -> (ScreenSettingsReport, [HitReport], [String]) {
        var notes: [String] = []
        var failed: Set<String> = []
        for index in plates.indices {
            if let z = plates[index].zPrime, z < 0 {
                plates[index].failed = true
                failed.insert(plates[index].plate)
                notes.append("plate \(plates[index].plate): Z' = \(ReportFormat.score(z) ?? "") < 0, marked failed: "
                    + "left out of hit calling and dose-response fits")
            }
        }
        var references: [String] = []
        let byPlate = Dictionary(grouping: wells.indices, by: { wells[$0].plate })
        for (plate, indices) in byPlate {
            references.append(score(plate: plate, indices, &wells, options: options, format: plateFormat))
        }
        for index in wells.indices {
            wells[index].score = value(of: wells[index], options.normalisation)
            if let viability = wells[index].viability, wells[index].control == nil {
                wells[index].cytotoxic = viability < options.hitRule.viabilityThreshold
            }
        }

        let samples = wells.indices.filter {
            wells[$0].control == nil && wells[$0].treatment != nil && !failed.contains(wells[$0].plate)
        }
        let groups = Dictionary(grouping: samples) { CompoundKey(wells[$0]) }
        let useScore = options.normalisation.isZScale
        var calls: [(CompoundKey, CompoundCall)] = []
        for (key, members) in groups {
            let replicates = members.map { i in
                ReplicateObservation(plate: wells[i].plate, well: wells[i].well.description,
                                     infectionRate: wells[i].infectionRate, score: useScore ? wells[i].score : nil,
                                     inhibition: wells[i].percentInhibition, viability: wells[i].viability)
            }
            calls.append((key, HitCalling.call(compound: key.label, replicates: replicates, rule: options.hitRule)))
        }
        calls.sort { a, b in
            a.1.strength != b.1.strength ? a.1.strength > b.1.strength : a.0 < b.0
        }
        let hitKeys = Set(calls.filter { $0.1.isHit }.map(\.0))
        for index in samples where hitKeys.contains(CompoundKey(wells[index])) { wells[index].hit = true }
        let hits = calls.filter { $0.1.isHit }.map { hitReport($0.0, $0.1, options) }

        let rule = options.hitRule
        let referenceText = Set(references).sorted().joined(separator: "; ")
        let settings = ScreenSettingsReport(
            normalisation: options.normalisation.rawValue,
            scoreThreshold: useScore ? rule.scoreThreshold : nil, inhibitionThreshold: rule.inhibitionThreshold,
            viabilityThreshold: rule.viabilityThreshold, replicateCombination: rule.combination.rawValue,
            viabilityReference: referenceText.isEmpty ? "none" : referenceText, compounds: calls.count,
            hits: hits.count, cytotoxicActives: calls.filter { $0.1.outcome == .cytotoxic }.count,
            failedPlates: failed.sorted())
        return (settings, hits, notes.sorted())
    }

    /// One plate: control-based values, robust z and B-score over its sample wells, viability.
    /// Returns which wells viability was taken relative to, in words.
    private static func score(plate: String, _ indices: [Int], _ wells: inout [WellReport], options: ReportOptions,
                              format: PlateFormat) -> String {
        let negative = RobustStatistics.mean(indices.filter { wells[$0].control == .negative }.compactMap { wells[$0].infectionRate })
        let positive = RobustStatistics.mean(indices.filter { wells[$0].control == .positive }.compactMap { wells[$0].infectionRate })
        for i in indices {
            if let rate = wells[i].infectionRate, let negative, let positive {
                wells[i].percentInhibition = ControlNormalisation.percentInhibition(rate, negative: negative, positive: positive)
            }
        }
        let sampleIndices = indices.filter { wells[$0].control == nil && wells[$0].infectionRate != nil }
        let z = RobustZ.scores(sampleIndices.compactMap { wells[$0].infectionRate })
        for (i, score) in zip(sampleIndices, z) { wells[i].robustZ = score }
        var grid = [[Double?]](repeating: [Double?](repeating: nil, count: format.columns), count: format.rows)
        for i in sampleIndices where format.contains(wells[i].well) {
            grid[wells[i].well.row][wells[i].well.column - 1] = wells[i].infectionRate
        }
        if let b = BScore.scores(grid) {
            for i in sampleIndices where format.contains(wells[i].well) {
                wells[i].bScore = b[wells[i].well.row][wells[i].well.column - 1]
            }
        }

        // Viability: nuclei per analysed site against untreated wells: the plate's viability_reference wells
        // when it has them, else negative controls (no virus, no compound), else positive controls (virus, no
        // compound).
        func perSite(_ i: Int) -> Double? {
            wells[i].imageSetsDone > 0 ? Double(wells[i].nuclei) / Double(wells[i].imageSetsDone) : nil
        }
        var kind = "viability_reference wells"
        var reference = indices.filter { wells[$0].control == .viabilityReference }.compactMap(perSite)
        if reference.isEmpty {
            kind = "negative controls"
            reference = indices.filter { wells[$0].control == .negative }.compactMap(perSite)
        }
        if reference.isEmpty {
            kind = "positive controls"
            reference = indices.filter { wells[$0].control == .positive }.compactMap(perSite)
        }
        guard !reference.isEmpty else { return "none (plate \(plate) has no controls)" }
        for i in indices {
            guard let count = perSite(i), let estimate = Viability.estimate(count: count, references: reference) else { continue }
            wells[i].viability = estimate.percent
            wells[i].viabilityLower = estimate.lower
            wells[i].viabilityUpper = estimate.upper
        }
        return "nuclei per site of the plate's \(kind)"
    }

    static func value(of well: WellReport, _ normalisation: ScreenNormalisation) -> Double? {
        switch normalisation {
        case .percentOfControl: return well.percentOfPositive
        case .npi: return well.percentInhibition
        case .robustZ: return well.robustZ
        case .bScore: return well.bScore
        }
    }

    private static func hitReport(_ key: CompoundKey, _ call: CompoundCall, _ options: ReportOptions) -> HitReport {
        let normalisation = options.normalisation
        var score = call.score, spread = call.scoreSpread
        if !normalisation.isZScale {
            // Only z scales enter the rule as a score; show the chosen scale's combined value all the same.
            let values: [Double] = call.replicates.compactMap { r in
                normalisation == .npi ? r.inhibition : r.inhibition.map { 100 - $0 }
            }
            score = options.hitRule.combination.centre(values)
            spread = options.hitRule.combination.spread(values)
        }
        return HitReport(
            compound: key.treatment, concentration: key.concentration, unit: key.unit, virus: key.virus,
            replicates: call.replicates.count, wells: call.replicates.map { "\($0.plate):\($0.well)" },
            plates: Array(Set(call.replicates.map(\.plate))).sorted(), infectionRate: call.infectionRate,
            score: score, scoreSpread: spread, percentInhibition: call.inhibition,
            inhibitionSpread: call.inhibitionSpread, viability: call.viability, concordance: call.concordance,
            outcome: call.outcome.rawValue, reason: call.reason, strength: call.strength)
    }
}

/// Replicates of one compound: the same treatment at the same concentration in the same unit with the same
/// virus, on any plate.
struct CompoundKey: Hashable, Comparable {
    var treatment: String
    var concentration: Double?
    var unit: String?
    var virus: String?

    init(_ well: WellReport) {
        treatment = well.treatment ?? ""
        concentration = well.concentration
        unit = well.unit
        virus = well.virus
    }

    var label: String {
        guard let concentration else { return treatment }
        return "\(treatment) \(ReportFormat.concentration(concentration) ?? "")\(unit.map { " \($0)" } ?? "")"
    }

    static func < (a: CompoundKey, b: CompoundKey) -> Bool {
        (a.treatment, a.concentration ?? -1, a.unit ?? "", a.virus ?? "") < (b.treatment, b.concentration ?? -1, b.unit ?? "", b.virus ?? "")
    }
}
