import Foundation
import Screening

/// How the model's calls and the reporter's agree on the nuclei of one well: the 2×2 table of model infected ×
/// reporter positive (only nuclei with a reporter measurement).
public struct WellCallAgreement: Sendable, Hashable, Codable {
    public var plate: String
    public var well: WellPosition
    public var control: ControlKind?
    public var nuclei: Int
    public var bothPositive: Int
    public var modelOnly: Int
    public var reporterOnly: Int

    public init(plate: String, well: WellPosition, control: ControlKind? = nil, nuclei: Int, bothPositive: Int,
                modelOnly: Int, reporterOnly: Int) {
        self.plate = plate
        self.well = well
        self.control = control
        self.nuclei = nuclei
        self.bothPositive = bothPositive
        self.modelOnly = modelOnly
        self.reporterOnly = reporterOnly
    }

    public var bothNegative: Int { max(0, nuclei - bothPositive - modelOnly - reporterOnly) }
    public var modelRate: Double? { nuclei > 0 ? Double(bothPositive + modelOnly) / Double(nuclei) : nil }
    public var reporterRate: Double? { nuclei > 0 ? Double(bothPositive + reporterOnly) / Double(nuclei) : nil }
}

/// The sanity of one plate as the plate itself shows it: model against reporter, and the controls.
public struct PlateModelCheck: Sendable, Hashable, Codable {
    public var plate: String
    /// Nuclei with both a model call and a reporter measurement.
    public var nuclei: Int
    /// Cohen's κ between model calls and reporter calls over those nuclei.
    @NullCoded public var kappa: Double?
    /// Pearson correlation over wells between the model's infected fraction and the reporter-positive fraction.
    @NullCoded public var wellCorrelation: Double?
    /// Mean model infection rate of the negative and positive control wells.
    @NullCoded public var negativeControlRate: Double?
    @NullCoded public var positiveControlRate: Double?
    /// The model and the reporter disagree (low κ or well correlation).
    public var disagrees: Bool
    /// Controls contradict the model: negative controls called infected, or positive controls not.
    public var miscalibrated: Bool
    /// Why the plate was flagged, in words (empty when it was not).
    public var reasons: [String]
}

/// The report's checks of the model on the campaign's own plates, shown before any number: whether the images
/// were like the model's training data (the verdict stored at submission), whether the model agrees with the
/// reporter channel nucleus by nucleus and well by well, and whether the controls come out as controls.
///
/// A model applied outside what it learnt can call every nucleus infected with full confidence; nothing in its
/// own output says so. The controls and the reporter are the plate's independent witnesses.
public struct ModelCheck: Sendable, Hashable, Codable {
    /// κ below this on a plate's nuclei flags model–reporter disagreement (below 0.4 is "fair" at best).
    public static let minimumKappa = 0.4
    /// Well correlation below this (with at least `minimumWellsForCorrelation` wells) flags disagreement.
    public static let minimumWellCorrelation = 0.5
    public static let minimumWellsForCorrelation = 4
    /// Negative controls whose mean model infection rate is at least this are "high".
    public static let negativeControlCeiling = 0.25
    /// Positive controls whose mean model infection rate is at most this are "low".
    public static let positiveControlFloor = 0.25

    /// Red lines for people, most serious first: the report shows them above everything else.
    public var alerts: [String]
    /// The model-domain verdict stored at submission, e.g. `out_of_domain`; nil when none was recorded.
    @NullCoded public var domainStatus: String?
    @NullCoded public var domainSummary: String?
    /// Cohen's κ over every nucleus with a reporter value, all plates pooled; nil without a reporter.
    @NullCoded public var kappa: Double?
    /// Well-level correlation of model and reporter rates, all plates pooled.
    @NullCoded public var wellCorrelation: Double?
    public var plates: [PlateModelCheck]
    public var wells: [WellCallAgreement]

    /// - Parameters:
    ///   - wells: the per-well counts of the report (model infected fraction and controls).
    ///   - agreement: per-well model × reporter tables; empty when the campaign has no reporter.
    ///   - domainStatus, domainSummary: the stored domain verdict, if any.
    public static func build(wells: [WellMeasurement], agreement: [WellCallAgreement], domainStatus: String? = nil,
                             domainSummary: String? = nil) -> ModelCheck {
        var alerts: [String] = []
        if domainStatus == "out_of_domain" || domainStatus == "near_edge", let domainSummary {
            alerts.append("model domain: \(domainSummary)")
        }
        let wellsByPlate = Dictionary(grouping: wells, by: \.plate)
        let agreementByPlate = Dictionary(grouping: agreement, by: \.plate)
        var plates: [PlateModelCheck] = []
        for plate in Set(wellsByPlate.keys).union(agreementByPlate.keys).sorted() {
            let check = plateCheck(plate, wells: wellsByPlate[plate, default: []], agreement: agreementByPlate[plate, default: []])
            if check.miscalibrated {
                alerts.append("plate \(plate): model miscalibrated for these images: " + check.reasons.joined(separator: "; "))
            } else if check.disagrees {
                alerts.append("plate \(plate): model and reporter disagree: " + check.reasons.joined(separator: "; "))
            }
            plates.append(check)
        }
        return ModelCheck(alerts: alerts, domainStatus: domainStatus, domainSummary: domainSummary,
                          kappa: kappa(agreement), wellCorrelation: correlation(agreement),
                          plates: plates, wells: agreement.sorted { ($0.plate, $0.well) < ($1.plate, $1.well) })
    }

    static func plateCheck(_ plate: String, wells: [WellMeasurement], agreement: [WellCallAgreement]) -> PlateModelCheck {
        func rate(_ m: WellMeasurement) -> Double? { m.nuclei > 0 ? Double(m.infected) / Double(m.nuclei) : nil }
        let negative = Descriptive.mean(wells.filter { $0.control == .negative }.compactMap(rate))
        let positive = Descriptive.mean(wells.filter { $0.control == .positive }.compactMap(rate))
        var reasons: [String] = []
        var miscalibrated = false
        if let negative, negative >= negativeControlCeiling {
            miscalibrated = true
            reasons.append(String(format: "negative controls %.0f%% infected", 100 * negative))
        }
        if let positive, positive <= positiveControlFloor {
            miscalibrated = true
            reasons.append(String(format: "positive controls only %.0f%% infected", 100 * positive))
        }
        if let negative, let positive, !miscalibrated, negative >= positive {
            miscalibrated = true
            reasons.append(String(format: "negative controls (%.0f%%) at or above positive controls (%.0f%%)",
                                  100 * negative, 100 * positive))
        }
        let k = kappa(agreement), r = correlation(agreement)
        var disagrees = false
        if let k, k < minimumKappa {
            disagrees = true
            reasons.append(String(format: "κ %.2f between model and reporter calls", k))
        }
        if let r, r < minimumWellCorrelation {
            disagrees = true
            reasons.append(String(format: "well correlation %.2f between model and reporter rates", r))
        }
        return PlateModelCheck(plate: plate, nuclei: agreement.reduce(0) { $0 + $1.nuclei }, kappa: k,
                               wellCorrelation: r, negativeControlRate: negative, positiveControlRate: positive,
                               disagrees: disagrees, miscalibrated: miscalibrated, reasons: reasons)
    }

    /// Cohen's κ of the pooled 2×2 table; nil without nuclei or when both raters give one class only.
    public static func kappa(_ wells: [WellCallAgreement]) -> Double? {
        let a = Double(wells.reduce(0) { $0 + $1.bothPositive }), b = Double(wells.reduce(0) { $0 + $1.modelOnly })
        let c = Double(wells.reduce(0) { $0 + $1.reporterOnly }), d = Double(wells.reduce(0) { $0 + $1.bothNegative })
        let n = a + b + c + d
        guard n > 0 else { return nil }
        let observed = (a + d) / n
        let expected = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n)
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }

    /// Pearson correlation of model and reporter rates over wells with nuclei; nil for fewer than
    /// `minimumWellsForCorrelation` wells or when either rate does not vary.
    public static func correlation(_ wells: [WellCallAgreement]) -> Double? {
        let pairs = wells.compactMap { w in w.modelRate.flatMap { m in w.reporterRate.map { (m, $0) } } }
        guard pairs.count >= minimumWellsForCorrelation else { return nil }
        let n = Double(pairs.count)
        let mx = pairs.reduce(0) { $0 + $1.0 } / n, my = pairs.reduce(0) { $0 + $1.1 } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in pairs {
            sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx); syy += (y - my) * (y - my)
        }
        guard sxx > 1e-12, syy > 1e-12 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }
}
