/// Tukey's two-way median polish of a plate, exactly as R's `stats::medpolish` (same sweep order, the same
/// convergence test `|Σ|r| − previous| < ε · Σ|r|` with ε = 0.01, at most 10 sweeps, missing cells skipped as
/// `na.rm = TRUE`), so B-scores can be checked against R to rounding.
///
/// The value in row i, column j is decomposed as overall + row[i] + column[j] + residual[i][j].
public struct MedianPolish: Sendable, Hashable {
    public var overall: Double
    public var rowEffects: [Double]
    public var columnEffects: [Double]
    /// nil where the input was missing.
    public var residuals: [[Double?]]
    public var iterations: Int
    /// False when `maxIterations` sweeps ended before the convergence test was met (R warns then).
    public var converged: Bool

    /// Polishes `values` (rows × columns, nil = missing). Every row and every column must have at least one
    /// value; returns nil otherwise (R would return NA effects), or for an empty or ragged matrix.
    public init?(_ values: [[Double?]], epsilon: Double = 0.01, maxIterations: Int = 10) {
        let rowCount = values.count
        guard rowCount > 0, let columnCount = values.first?.count, columnCount > 0,
              values.allSatisfy({ $0.count == columnCount }) else { return nil }
        for i in 0..<rowCount where values[i].allSatisfy({ $0 == nil }) { return nil }
        for j in 0..<columnCount where values.allSatisfy({ $0[j] == nil }) { return nil }

        var z = values
        var t = 0.0
        var r = Array(repeating: 0.0, count: rowCount)
        var c = Array(repeating: 0.0, count: columnCount)
        var oldSum = 0.0
        var converged = false
        var iterations = 0
        // The medians below cannot be nil: every row and column holds a value (checked above).
        for iteration in 1...max(1, maxIterations) {
            iterations = iteration
            for i in 0..<rowCount {
                let delta = RobustStatistics.median(z[i].compactMap { $0 }) ?? 0
                z[i] = z[i].map { $0.map { $0 - delta } }
                r[i] += delta
            }
            var delta = RobustStatistics.median(c) ?? 0
            c = c.map { $0 - delta }
            t += delta
            for j in 0..<columnCount {
                let columnDelta = RobustStatistics.median((0..<rowCount).compactMap { z[$0][j] }) ?? 0
                for i in 0..<rowCount { z[i][j] = z[i][j].map { $0 - columnDelta } }
                c[j] += columnDelta
            }
            delta = RobustStatistics.median(r) ?? 0
            r = r.map { $0 - delta }
            t += delta
            let newSum = z.reduce(0) { $0 + $1.reduce(0) { $0 + abs($1 ?? 0) } }
            converged = newSum == 0 || abs(newSum - oldSum) < epsilon * newSum
            if converged { break }
            oldSum = newSum
        }
        overall = t
        rowEffects = r
        columnEffects = c
        residuals = z
        self.iterations = iterations
        self.converged = converged
    }
}

/// B-scores of one plate (Brideau, Gunter, Pikounis & Liaw 2003, J Biomol Screen 8:634).
public enum BScore {
    /// Median-polishes `values` (rows × columns, nil for wells that are not samples: controls, empty, failed)
    /// and divides each residual by 1.4826 · MAD of all residuals. Rows and columns without any sample are
    /// left out of the polish (their cells stay nil). Returns nil when the plate cannot be polished or the
    /// residuals have no spread.
    public static func scores(_ values: [[Double?]], epsilon: Double = 0.01, maxIterations: Int = 10) -> [[Double?]]? {
        guard let columnCount = values.first?.count else { return nil }
        let rows = values.indices.filter { values[$0].contains { $0 != nil } }
        let columns = (0..<columnCount).filter { j in values.contains { $0.count > j && $0[j] != nil } }
        guard !rows.isEmpty, !columns.isEmpty else { return nil }
        let compact = rows.map { i in columns.map { j in values[i].count > j ? values[i][j] : nil } }
        guard let polish = MedianPolish(compact, epsilon: epsilon, maxIterations: maxIterations) else { return nil }
        let all = polish.residuals.flatMap { $0.compactMap { $0 } }
        guard let spread = RobustStatistics.mad(all), spread > 0 else { return nil }
        var result = values.map { $0.map { _ -> Double? in nil } }
        for (a, i) in rows.enumerated() {
            for (b, j) in columns.enumerated() {
                result[i][j] = polish.residuals[a][b].map { $0 / spread }
            }
        }
        return result
    }
}
