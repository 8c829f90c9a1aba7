/// The viruses a synthetic campaign can be infected with, and what each does to a nucleus.
public enum Virus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Herpes simplex virus 1: enlarged nuclei with chromatin pushed to the rim (margination).
    case hsv1
    /// Human adenovirus: enlarged nuclei with bright, round replication-centre foci.
    case hadv

    /// The phenotype of a nucleus this virus infects, before it turns lytic.
    public var phenotype: Phenotype {
        switch self {
        case .hsv1: return .hsv1
        case .hadv: return .hadv
        }
    }

    /// The antiviral the dilution series is made of: a nucleoside analogue each virus is known to respond to.
    public var antiviral: String {
        switch self {
        case .hsv1: return "acyclovir"
        case .hadv: return "cidofovir"
        }
    }

    public var description: String { rawValue }
}

/// What a nucleus looks like in the nuclear stain; written to the truth files by its raw value.
public enum Phenotype: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case uninfected
    /// HSV-1: enlarged, bright rim and dim centre.
    case hsv1
    /// Adenovirus: enlarged, bright replication-centre foci.
    case hadv
    /// Late lytic infection (either virus): shrunken, irregular, fragmented and brighter.
    case lytic

    public var isInfected: Bool { self != .uninfected }

    public var description: String { rawValue }
}
