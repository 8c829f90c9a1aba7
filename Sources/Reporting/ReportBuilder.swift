import Foundation
import Screening

/// Turns well counts into every level of the report.
///
/// Percent of positive control is computed per plate (each well against its own plate's control means) so
/// that plate-to-plate drift does not leak into conditions and dose responses. Dose responses are fitted on
/// the individual replicate wells, not on the means, so the IC50 interval reflects the replicate spread.
public enum ReportBuilder {
    /// The fewest distinct concentrations a treatment needs before a 4PL fit is attempted: four parameters
    /// from four concentrations leave the curve's shape unchecked. A series with 2–4 gets a note instead.
    public static let minimumConcentrations = 5

    public static func build(campaign: CampaignInfo, wells measurements: [WellMeasurement],
                             options: ReportOptions = ReportOptions()) -> CampaignReport {
        let sorted = measurements.sorted { ($0.plate, $0.well) < ($1.plate, $1.well) }
        let plates = Dictionary(grouping: sorted, by: \.plate)
        var plateReports = plates.keys.sorted().map { plateReport($0, plates[$0, default: []]) }
        let controlMeans = Dictionary(uniqueKeysWithValues: plateReports.map { ($0.plate, ($0.negativeMean, $0.positiveMean)) })
        var wells = sorted.map { wellReport($0, controls: controlMeans[$0.plate]) }
        let (screen, hits, notes) = ScreenAnalysis.apply(options, wells: &wells, plates: &plateReports,
                                                          plateFormat: campaign.plateFormat)
        let failed = Set(screen.failedPlates)
        let (series, seriesNotes) = doseResponses(wells.filter { !failed.contains($0.plate) }, weighted: options.weightedFit)
        return CampaignReport(
            schemaVersion: ReportJSONSchema.version, campaign: campaign,
            summary: summary(campaign, sorted, plateCount: plates.count),
            plates: plateReports, conditions: conditions(wells), doseResponses: series, wells: wells,
            screen: screen, hits: hits, notes: notes + seriesNotes)
    }

    private static func rate(_ m: WellMeasurement) -> Double? {
        m.nuclei > 0 ? Double(m.infected) / Double(m.nuclei) : nil
    }

    private static func wellReport(_ m: WellMeasurement, controls: (Double?, Double?)?) -> WellReport {
        let wilson = Proportion.wilson(successes: m.infected, trials: m.nuclei)
        var percent: Double?
        if let r = wilson?.estimate, let negative = controls?.0, let positive = controls?.1 {
            percent = Normalisation.percentOfPositive(r, negative: negative, positive: positive)
        }
        let reporter = m.reporterPositive.flatMap { count in m.nuclei > 0 ? Double(count) / Double(m.nuclei) : nil }
        return WellReport(
            plate: m.plate, well: m.well, treatment: m.treatment, concentration: m.concentration, unit: m.unit,
            virus: m.virus, control: m.control, imageSets: m.imageSets, imageSetsDone: m.imageSetsDone, errors: m.errors,
            nuclei: m.nuclei, infected: m.infected, infectionRate: wilson?.estimate, infectionRateLower: wilson?.lower,
            infectionRateUpper: wilson?.upper, reporterPositiveRate: reporter, percentOfPositive: percent)
    }

    private static func plateReport(_ plate: String, _ wells: [WellMeasurement]) -> PlateReport {
        let positive = wells.filter { $0.control == .positive }.compactMap(rate)
        let negative = wells.filter { $0.control == .negative }.compactMap(rate)
        let nuclei = wells.reduce(0) { $0 + $1.nuclei }
        let infected = wells.reduce(0) { $0 + $1.infected }
        let z = AssayQuality.zPrime(positive: positive, negative: negative)
        let robust = AssayQuality.robustZPrime(positive: positive, negative: negative)
        return PlateReport(
            plate: plate, wells: wells.count, nuclei: nuclei,
            infectionRate: nuclei > 0 ? Double(infected) / Double(nuclei) : nil,
            positiveControls: positive.count, negativeControls: negative.count,
            positiveMean: Descriptive.mean(positive), positiveSD: Descriptive.standardDeviation(positive),
            negativeMean: Descriptive.mean(negative), negativeSD: Descriptive.standardDeviation(negative),
            zPrime: z, robustZPrime: robust, ssmd: AssayQuality.ssmd(positive: positive, negative: negative),
            reading: (z ?? robust).map(AssayReading.init(zPrime:)))
    }

    private struct ConditionKey: Hashable, Comparable {
        var treatment: String
        var concentration: Double
        var virus: String
        var control: String

        static func < (a: ConditionKey, b: ConditionKey) -> Bool {
            (a.control, a.treatment, a.virus, a.concentration) < (b.control, b.treatment, b.virus, b.concentration)
        }
    }

    private static func conditions(_ wells: [WellReport]) -> [ConditionReport] {
        let groups = Dictionary(grouping: wells) {
            ConditionKey(treatment: $0.treatment ?? "", concentration: $0.concentration ?? -1, virus: $0.virus ?? "",
                         control: $0.control?.rawValue ?? "")
        }
        return groups.keys.sorted().map { key in
            let members = groups[key, default: []]
            let first = members[0]
            let rates = members.compactMap(\.infectionRate)
            let percents = members.compactMap(\.percentOfPositive)
            return ConditionReport(
                treatment: first.treatment, concentration: first.concentration, unit: first.unit, virus: first.virus,
                control: first.control, replicates: rates.count, nuclei: members.reduce(0) { $0 + $1.nuclei },
                meanInfectionRate: Descriptive.mean(rates), sdInfectionRate: Descriptive.standardDeviation(rates),
                meanPercentOfPositive: Descriptive.mean(percents), sdPercentOfPositive: Descriptive.standardDeviation(percents))
        }
    }

    /// A dilution series: one treatment with one virus in one unit ("10 nM" and "10 µM" are different series).
    private struct SeriesKey: Hashable, Comparable {
        var treatment: String
        var virus: String
        var unit: String

        static func < (a: SeriesKey, b: SeriesKey) -> Bool { (a.treatment, a.virus, a.unit) < (b.treatment, b.virus, b.unit) }
    }

    private static func doseResponses(_ wells: [WellReport], weighted: Bool) -> ([DoseResponseReport], [String]) {
        let treated = wells.filter { $0.control == nil && $0.treatment != nil && ($0.concentration ?? 0) > 0 && $0.infectionRate != nil }
        let series = Dictionary(grouping: treated) { SeriesKey(treatment: $0.treatment ?? "", virus: $0.virus ?? "", unit: $0.unit ?? "") }
        var reports: [DoseResponseReport] = []
        var notes: [String] = []
        for key in series.keys.sorted() {
            let members = series[key, default: []]
            let distinct = Set(members.compactMap(\.concentration)).count
            // One concentration is a primary-screen compound, not a series.
            guard distinct > 1 else { continue }
            guard distinct >= minimumConcentrations else {
                notes.append("\(key.treatment)\(key.unit.isEmpty ? "" : " (\(key.unit))"): \(distinct) concentrations, "
                    + "no dose-response fit (at least \(minimumConcentrations) needed)")
                continue
            }
            let normalised = members.allSatisfy { $0.percentOfPositive != nil }
            let values: [(Double, Double)] = members.compactMap { well in
                guard let x = well.concentration else { return nil }
                let y = normalised ? well.percentOfPositive : well.infectionRate.map { 100 * $0 }
                return y.map { (x, $0) }
            }
            let byConcentration = Dictionary(grouping: values, by: \.0)
            let points = byConcentration.keys.sorted().map { x in
                let ys = byConcentration[x, default: []].map(\.1)
                return DoseResponseReport.Point(concentration: x, replicates: ys.count, mean: Descriptive.mean(ys) ?? 0,
                                                sd: Descriptive.standardDeviation(ys))
            }
            var report = DoseResponseReport(
                treatment: key.treatment, virus: key.virus.isEmpty ? nil : key.virus, unit: members[0].unit,
                response: normalised ? "percentOfPositive" : "infectionRatePercent", concentrations: distinct,
                points: points, fit: nil, failure: nil)
            let weights = weighted ? inverseVarianceWeights(values) : [:]
            if weighted { report.weighting = "inverse replicate variance" }
            switch LogisticFit.fit(values.map { DosePoint(concentration: $0.0, response: $0.1, weight: weights[$0.0] ?? 1) }) {
            case let .success(parameters): report.fit = parameters
            case let .failure(failure): report.failure = failure.description
            }
            ToxicityFit.apply(to: &report, wells: members)
            reports.append(report)
        }
        return (reports, notes)
    }

    /// 1 / variance of the replicates at each concentration. A concentration with one replicate, or replicates
    /// that agree to rounding, gets the median variance (a floor at a tenth of it keeps one lucky concentration
    /// from taking all the weight).
    public static func inverseVarianceWeights(_ values: [(Double, Double)]) -> [Double: Double] {
        let groups = Dictionary(grouping: values, by: \.0).mapValues { $0.map(\.1) }
        let variances = groups.compactMapValues { ys in Descriptive.standardDeviation(ys).map { $0 * $0 } }
        guard let median = Descriptive.median(Array(variances.values)), median > 0 else { return [:] }
        return groups.keys.reduce(into: [:]) { weights, x in
            weights[x] = 1 / max(variances[x] ?? median, median / 10)
        }
    }

    private static func summary(_ campaign: CampaignInfo, _ wells: [WellMeasurement], plateCount: Int) -> CampaignSummary {
        let total = wells.reduce(0) { $0 + $1.imageSets }
        let done = wells.reduce(0) { $0 + $1.imageSetsDone }
        let nuclei = wells.reduce(0) { $0 + $1.nuclei }
        let infected = wells.reduce(0) { $0 + $1.infected }
        let wilson = Proportion.wilson(successes: infected, trials: nuclei)
        let stateSaysRunning = campaign.state.map { ["running", "submitted", "paused", "pending"].contains($0.lowercased()) } ?? false
        let complete = done >= total && !stateSaysRunning
        let status: String
        if complete {
            status = "complete"
        } else {
            let percent = total > 0 ? 100 * Double(done) / Double(total) : 0
            status = String(format: "still running: %d of %d image sets done (%.1f %%)", done, total, percent)
        }
        let samples = wells.filter { $0.control == nil }
        let sampleWilson = Proportion.wilson(successes: samples.reduce(0) { $0 + $1.infected },
                                             trials: samples.reduce(0) { $0 + $1.nuclei })
        return CampaignSummary(
            plates: plateCount, wells: wells.count, imageSets: total, imageSetsDone: done,
            imageSetErrors: wells.reduce(0) { $0 + $1.errors }, nuclei: nuclei, infected: infected,
            infectionRate: wilson?.estimate, infectionRateLower: wilson?.lower, infectionRateUpper: wilson?.upper,
            sampleInfectionRate: sampleWilson?.estimate, sampleInfectionRateLower: sampleWilson?.lower,
            sampleInfectionRateUpper: sampleWilson?.upper, complete: complete, status: status)
    }
}
