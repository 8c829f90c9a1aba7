/// The true dose-response of a synthetic campaign: infection probability against antiviral concentration.
///
/// A four-parameter logistic, `bottom + (top - bottom) / (1 + (c / ic50)^hillSlope)`, so a report's fitted IC50
/// can be checked against `ic50`. Positive controls (virus, no drug) sit at `top`; negative controls (no virus)
/// at `negativeControl`, the rate at which uninfected cells would be mistaken as infected.
public struct DoseResponse: Sendable, Codable, Equatable {
    /// Concentration giving half the effect, µM.
    public var ic50: Double
    public var hillSlope: Double
    /// Infection probability without drug (positive controls).
    public var top: Double
    /// Infection probability at saturating drug.
    public var bottom: Double
    /// Infection probability in wells without virus.
    public var negativeControl: Double
    /// Highest concentration of the dilution series, µM.
    public var topConcentration: Double
    /// Each step of the series divides the concentration by this.
    public var dilutionFactor: Double
    /// Number of concentrations in the series.
    public var steps: Int

    public init(ic50: Double = 1.0, hillSlope: Double = 1, top: Double = 0.70, bottom: Double = 0.02,
                negativeControl: Double = 0.01, topConcentration: Double = 30, dilutionFactor: Double = 3,
                steps: Int = 10) {
        self.ic50 = ic50
        self.hillSlope = hillSlope
        self.top = top
        self.bottom = bottom
        self.negativeControl = negativeControl
        self.topConcentration = topConcentration
        self.dilutionFactor = dilutionFactor
        self.steps = steps
    }

    /// The true infection probability at `concentration` µM (`top` at zero).
    public func probability(at concentration: Double) -> Double {
        guard concentration > 0 else { return top }
        let ratio = DeterministicMath.pow(concentration / ic50, hillSlope)
        return bottom + (top - bottom) / (1 + ratio)
    }

    /// The series, highest first: `topConcentration / dilutionFactor^i`.
    public var concentrations: [Double] {
        var values: [Double] = []
        var value = topConcentration
        for _ in 0..<max(steps, 0) {
            values.append(value)
            value /= dilutionFactor
        }
        return values
    }
}
