import Foundation
import ScreenStatistics

/// CC50 and the selectivity index of a dilution series, from the same 4PL fit as IC50 applied to viability.
enum ToxicityFit {
    static func apply(to report: inout DoseResponseReport, wells: [WellReport]) {
        let points = wells.compactMap { well -> DosePoint? in
            guard let x = well.concentration, let v = well.viability else { return nil }
            return DosePoint(concentration: x, response: v)
        }
        guard !points.isEmpty, let highest = points.map(\.concentration).max() else {
            report.viabilityNote = "no viability: the plates have no reference wells"
            return
        }
        let atTop = RobustStatistics.mean(points.filter { $0.concentration == highest }.map(\.response)) ?? 0
        let result = LogisticFit.fit(points)
        if case let .success(fit) = result, fit.hill > 0, fit.bottom < 50, fit.top > 50 {
            report.viabilityFit = fit
            if let ic50 = report.fit,
               let si = SelectivityIndex.estimate(ic50: ic50.ic50, ic50LogSE: ic50.logIC50StandardError,
                                                  cc50: fit.ic50, cc50LogSE: fit.logIC50StandardError) {
                report.selectivityIndex = SelectivityReport(kind: si.kind.rawValue, value: si.value, lower: si.lower, upper: si.upper)
            }
        } else if atTop >= 50 {
            // Viability never falls to half in the tested range: CC50 is above the top concentration.
            report.viabilityNote = "CC50 above the highest concentration (viability "
                + "\(Int(atTop.rounded())) % at \(ReportFormat.concentration(highest) ?? "")\(report.unit.map { " \($0)" } ?? ""))"
            if let ic50 = report.fit, let si = SelectivityIndex.bound(ic50: ic50.ic50, highestConcentration: highest) {
                report.selectivityIndex = SelectivityReport(kind: si.kind.rawValue, value: si.value, lower: nil, upper: nil)
            }
        } else if case let .failure(failure) = result {
            report.viabilityNote = "no CC50: " + failure.description
        } else {
            report.viabilityNote = "no CC50: viability does not fall through 50 % as a curve"
        }
    }
}
