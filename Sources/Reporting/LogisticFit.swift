import Foundation

/// One observation for a dose-response fit.
public struct DosePoint: Sendable, Hashable, Codable {
    /// Concentration, > 0 (the fit works on log10 of it).
    public var concentration: Double
    public var response: Double
    /// Weight in the least-squares fit (1 unweighted; the inverse of the replicate variance when weighted).
    public var weight: Double

    public init(concentration: Double, response: Double, weight: Double = 1) {
        self.concentration = concentration
        self.response = response
        self.weight = weight
    }
}

/// Parameters of a fitted four-parameter logistic
/// y = bottom + (top − bottom) / (1 + (x / IC50)^hill), with their uncertainty.
public struct LogisticParameters: Sendable, Hashable, Codable {
    /// Response at zero concentration (the curve's left asymptote when hill > 0).
    public var top: Double
    /// Response at saturating concentration.
    public var bottom: Double
    /// Concentration halfway between top and bottom, in the concentrations' unit.
    public var ic50: Double
    /// 95 % (or the requested) confidence interval of IC50, from the covariance of log10(IC50) and the t
    /// distribution with n − 4 degrees of freedom; nil with exactly four points (no degrees of freedom left).
    @NullCoded public var ic50Lower: Double? = nil
    @NullCoded public var ic50Upper: Double? = nil
    /// Standard error of log10(IC50).
    @NullCoded public var logIC50StandardError: Double? = nil
    /// Hill slope; positive for a response that falls with concentration (an inhibitor).
    public var hill: Double
    public var rSquared: Double
    public var points: Int
    /// Why the IC50 interval is left out although there are degrees of freedom: a parameter sits on the bound
    /// the optimiser holds it in, where the covariance says nothing about its uncertainty.
    @NullCoded public var intervalNote: String? = nil
}

/// Why a dose-response fit gave no parameters. A report shows the reason instead of a meaningless curve.
public enum FitFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Fewer than four distinct positive concentrations (or fewer than four points).
    case notEnoughPoints(distinctConcentrations: Int)
    /// The response does not change with concentration (F test against a flat line, p ≥ 0.05, or no variation).
    case noDoseResponse(pValue: Double?)
    /// The fitted IC50 lies outside the tested concentrations, so its value is an extrapolation.
    case ic50OutsideTestedRange(ic50: Double, lowest: Double, highest: Double)
    /// The optimiser did not reach a finite minimum.
    case didNotConverge

    public var description: String {
        switch self {
        case let .notEnoughPoints(n):
            return "not enough points: \(n) distinct concentration(s), 4 needed"
        case let .noDoseResponse(p):
            return p.map { "no dose response (F test p = \(String(format: "%.3g", $0)))" } ?? "no dose response (flat data)"
        case let .ic50OutsideTestedRange(ic50, lowest, highest):
            return String(format: "fit failed: IC50 %.3g lies outside the tested range %.3g–%.3g", ic50, lowest, highest)
        case .didNotConverge:
            return "fit failed: did not converge"
        }
    }
}

/// Four-parameter logistic regression by Levenberg–Marquardt on (bottom, top, log10 IC50, hill).
///
/// Fitting log10(IC50) rather than IC50 keeps the problem well scaled across dilution series spanning decades
/// and makes the confidence interval asymmetric in concentration, as it should be. Several starting points are
/// tried and the best kept; parameters are held inside bounds (IC50 within two decades of the tested range,
/// |hill| ≤ 10, asymptotes within one response range of the data) so a poor start cannot run away.
public enum LogisticFit {
    public static func fit(_ points: [DosePoint], confidence: Double = 0.95) -> Result<LogisticParameters, FitFailure> {
        let usable = points.filter {
            $0.concentration > 0 && $0.concentration.isFinite && $0.response.isFinite && $0.weight > 0 && $0.weight.isFinite
        }
        let distinct = Set(usable.map(\.concentration)).count
        guard distinct >= 4, usable.count >= 4 else { return .failure(.notEnoughPoints(distinctConcentrations: distinct)) }
        let u = usable.map { log10($0.concentration) }
        let y = usable.map(\.response)
        // Weights enter as √w on residuals and Jacobian rows, so every sum below is the weighted one.
        let root = usable.map { $0.weight.squareRoot() }
        guard let yMin = y.min(), let yMax = y.max(), let uMin = u.min(), let uMax = u.max(),
              let yMean = weightedMean(y, usable.map(\.weight)) else { return .failure(.didNotConverge) }
        let range = yMax - yMin
        guard range > 1e-12 * max(1, abs(yMean)) else { return .failure(.noDoseResponse(pValue: nil)) }

        let bounds = Bounds(lower: [yMin - range, yMin - range, uMin - 2, -10], upper: [yMax + range, yMax + range, uMax + 2, 10])
        var best: (theta: [Double], ssr: Double)?
        for start in starts(u: u, y: y) {
            guard let result = levenbergMarquardt(u: u, y: y, w: root, start: bounds.clamp(start), bounds: bounds) else { continue }
            if let current = best, current.ssr <= result.ssr { continue }
            best = result
        }
        guard let best else { return .failure(.didNotConverge) }
        var theta = best.theta
        if theta[3] < 0 {
            // The same curve with the asymptotes swapped: report `top` as the low-concentration end.
            theta = [theta[1], theta[0], theta[2], -theta[3]]
        }
        let n = Double(u.count)
        let sst = zip(y, root).reduce(0) { $0 + $1.1 * $1.1 * ($1.0 - yMean) * ($1.0 - yMean) }
        let ssr = best.ssr
        let degrees = u.count - 4
        if degrees > 0, ssr > 0 {
            // Does the curve explain significantly more than a flat line at the mean?
            let f = ((sst - ssr) / 3) / (ssr / Double(degrees))
            let p = Distributions.fSurvival(f, 3, Double(degrees))
            if !(p < 0.05) { return .failure(.noDoseResponse(pValue: p)) }
        }
        let ic50 = pow(10, theta[2])
        let lowest = pow(10, uMin)
        let highest = pow(10, uMax)
        guard theta[2] >= uMin - 1e-9, theta[2] <= uMax + 1e-9 else {
            return .failure(.ic50OutsideTestedRange(ic50: ic50, lowest: lowest, highest: highest))
        }
        var parameters = LogisticParameters(top: theta[1], bottom: theta[0], ic50: ic50, hill: theta[3],
                                            rSquared: sst > 0 ? 1 - ssr / sst : 1, points: Int(n))
        let onBound = boundParameters(best.theta, bounds)
        if !onBound.isEmpty {
            parameters.intervalNote = "no interval: \(onBound.joined(separator: " and ")) at the fit's bound "
                + "(the data do not constrain it, so its standard error means nothing)"
        } else if degrees > 0, let inverse = invert(normalMatrix(jacobian(u: u, w: root, theta: theta))) {
            let variance = ssr / Double(degrees)
            let se = (max(0, inverse[2][2]) * variance).squareRoot()
            let t = Distributions.studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom: Double(degrees))
            let lower = pow(10, theta[2] - t * se)
            let upper = pow(10, theta[2] + t * se)
            // A near-singular covariance gives an interval of no use; leave it out rather than print infinity.
            if se.isFinite, lower > 0, upper.isFinite {
                parameters.logIC50StandardError = se
                parameters.ic50Lower = lower
                parameters.ic50Upper = upper
            }
        }
        return .success(parameters)
    }

    /// Names of the parameters within a hair of their bounds.
    private static func boundParameters(_ theta: [Double], _ bounds: Bounds) -> [String] {
        let names = ["bottom", "top", "IC50", "hill slope"]
        return (0..<4).filter { k in
            let tolerance = 1e-6 * max(1, bounds.upper[k] - bounds.lower[k])
            return theta[k] - bounds.lower[k] < tolerance || bounds.upper[k] - theta[k] < tolerance
        }.map { names[$0] }
    }

    /// The curve's value at concentration x > 0.
    public static func evaluate(_ p: LogisticParameters, at x: Double) -> Double {
        model(u: log10(x), theta: [p.bottom, p.top, log10(p.ic50), p.hill])
    }

    // MARK: - Model

    /// Logistic 1 / (1 + 10^(hill·(u − L))) computed without overflow.
    private static func share(u: Double, theta: [Double]) -> Double {
        let e = theta[3] * (u - theta[2]) * M_LN10
        return e > 0 ? exp(-e) / (1 + exp(-e)) : 1 / (1 + exp(e))
    }

    static func model(u: Double, theta: [Double]) -> Double {
        theta[0] + (theta[1] - theta[0]) * share(u: u, theta: theta)
    }

    /// Rows of ∂f/∂(bottom, top, L, hill).
    /// Rows are scaled by √weight (`w`).
    private static func jacobian(u: [Double], w: [Double], theta: [Double]) -> [[Double]] {
        zip(u, w).map { ui, wi in
            let s = share(u: ui, theta: theta)
            let span = theta[1] - theta[0]
            let common = span * s * (1 - s) * M_LN10
            return [1 - s, s, common * theta[3], -common * (ui - theta[2])].map { $0 * wi }
        }
    }

    private static func weightedMean(_ values: [Double], _ weights: [Double]) -> Double? {
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        return zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
    }

    private static func normalMatrix(_ j: [[Double]]) -> [[Double]] {
        var a = Array(repeating: Array(repeating: 0.0, count: 4), count: 4)
        for row in j {
            for r in 0..<4 { for c in 0..<4 { a[r][c] += row[r] * row[c] } }
        }
        return a
    }

    private static func sumOfSquares(u: [Double], y: [Double], w: [Double], theta: [Double]) -> Double {
        u.indices.reduce(0) { total, i in
            let r = w[i] * (y[i] - model(u: u[i], theta: theta))
            return total + r * r
        }
    }

    // MARK: - Optimiser

    private struct Bounds {
        var lower: [Double]
        var upper: [Double]

        func clamp(_ theta: [Double]) -> [Double] {
            (0..<4).map { min(max(theta[$0], lower[$0]), upper[$0]) }
        }
    }

    /// Starting points: asymptotes from the mean responses at the lowest and highest quarter of the doses
    /// (so `top` is the low-dose end whichever way the data go), IC50 where the data cross their midpoint and at
    /// the quartiles of the tested range, Hill slopes of 0.5, 1 and 2.
    private static func starts(u: [Double], y: [Double]) -> [[Double]] {
        let order = u.indices.sorted { u[$0] < u[$1] }
        let lowDose = Descriptive.mean(order.prefix(max(1, u.count / 4)).map { y[$0] }) ?? y[0]
        let highDose = Descriptive.mean(order.suffix(max(1, u.count / 4)).map { y[$0] }) ?? y[0]
        let top = lowDose
        let bottom = highDose
        let middle = (top + bottom) / 2
        var crossing: Double?
        for k in 1..<order.count {
            let a = order[k - 1], b = order[k]
            if (y[a] - middle) * (y[b] - middle) <= 0, u[b] != u[a] {
                let fraction = y[b] == y[a] ? 0.5 : (middle - y[a]) / (y[b] - y[a])
                crossing = u[a] + fraction * (u[b] - u[a])
                break
            }
        }
        let uMin = u[order[0]], uMax = u[order[order.count - 1]]
        let centres = [crossing, uMin + 0.25 * (uMax - uMin), uMin + 0.5 * (uMax - uMin), uMin + 0.75 * (uMax - uMin)].compactMap { $0 }
        var result: [[Double]] = []
        for centre in centres {
            for hill in [1.0, 2.0, 0.5] {
                result.append([bottom, top, centre, hill])
            }
        }
        return result
    }

    private static func levenbergMarquardt(u: [Double], y: [Double], w: [Double], start: [Double], bounds: Bounds) -> (theta: [Double], ssr: Double)? {
        var theta = start
        var ssr = sumOfSquares(u: u, y: y, w: w, theta: theta)
        var lambda = 1e-3
        for _ in 0..<300 {
            let j = jacobian(u: u, w: w, theta: theta)
            let a = normalMatrix(j)
            var g = [0.0, 0, 0, 0]
            for (i, row) in j.enumerated() {
                let r = w[i] * (y[i] - model(u: u[i], theta: theta))
                for k in 0..<4 { g[k] += row[k] * r }
            }
            var improved = false
            while lambda < 1e12 {
                var damped = a
                for k in 0..<4 { damped[k][k] += lambda * max(a[k][k], 1e-12) }
                guard let step = solve(damped, g) else { lambda *= 10; continue }
                let candidate = bounds.clamp((0..<4).map { theta[$0] + step[$0] })
                let candidateSSR = sumOfSquares(u: u, y: y, w: w, theta: candidate)
                if candidateSSR.isFinite, candidateSSR < ssr {
                    let relative = (ssr - candidateSSR) / max(ssr, 1e-300)
                    theta = candidate
                    ssr = candidateSSR
                    lambda = max(lambda / 10, 1e-12)
                    improved = true
                    if relative < 1e-14 { return (theta, ssr) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return ssr.isFinite ? (theta, ssr) : nil
    }

    /// Solves a small dense system by Gaussian elimination with partial pivoting; nil if singular.
    private static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        var a = matrix
        var b = vector
        let n = b.count
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }),
                  abs(a[pivot][column]) > 1e-300 else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    private static func invert(_ matrix: [[Double]]) -> [[Double]]? {
        var columns: [[Double]] = []
        for k in 0..<4 {
            var unit = [0.0, 0, 0, 0]
            unit[k] = 1
            guard let column = solve(matrix, unit) else { return nil }
            columns.append(column)
        }
        return (0..<4).map { r in (0..<4).map { c in columns[c][r] } }
    }
}
