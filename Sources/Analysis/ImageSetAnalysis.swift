/// One classified nucleus: where it is, what it looks like, and how likely it is infected.
public struct NucleusResult: Sendable, Equatable, Codable {
    public let label: Int
    public let x: Float
    public let y: Float
    public let area: Int
    public let meanIntensity: Float
    /// Mean reporter intensity inside the nucleus mask, when the image set has a reporter channel.
    public let reporterMean: Float?
    public let pInfected: Float
}

/// The result of one image set: per-nucleus rows plus the per-image summary, and what produced it.
public struct ImageSetAnalysis: Sendable, Equatable {
    public let nuclei: [NucleusResult]
    public let infected: Int
    public let meanPInfected: Float?
    /// Nuclei whose reporter mean is above `reporterThreshold`; nil without a reporter channel or threshold.
    public let reporterPositive: Int?
    /// The nuclear-channel threshold segmentation actually used.
    public let threshold: Float
    public let reporterThreshold: Float?
    public let seconds: Double
}
