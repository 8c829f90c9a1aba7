/// The ground truth of one drawn nucleus, as written to the per-image truth CSV.
///
/// Coordinates are in pixels with the origin at the centre of the top-left pixel (x to the right, y down);
/// `x`, `y` is the centre of the ellipse the nucleus was drawn from, which lies inside its own label.
/// `angle` is the major axis' direction in radians, in [0, pi), measured from the x axis towards y.
public struct NucleusTruth: Sendable, Equatable, Codable {
    /// The nucleus' value in the label mask (1, 2, …).
    public let label: Int32
    public let x: Double
    public let y: Double
    public let radiusMajor: Double
    public let radiusMinor: Double
    public let angle: Double
    public let phenotype: Phenotype

    public var infected: Bool { phenotype.isInfected }

    public init(label: Int32, x: Double, y: Double, radiusMajor: Double, radiusMinor: Double, angle: Double,
                phenotype: Phenotype) {
        self.label = label
        self.x = x
        self.y = y
        self.radiusMajor = radiusMajor
        self.radiusMinor = radiusMinor
        self.angle = angle
        self.phenotype = phenotype
    }

    /// The truth CSV header, in the column order `csvRow` writes.
    public static let csvHeader = "label,x,y,radius_major,radius_minor,angle,infected,phenotype"

    public var csvRow: String {
        "\(label),\(fixed(x, 2)),\(fixed(y, 2)),\(fixed(radiusMajor, 2)),\(fixed(radiusMinor, 2)),"
            + "\(fixed(angle, 4)),\(infected ? 1 : 0),\(phenotype.rawValue)"
    }
}

/// Fixed-point decimal text without Foundation's locale-dependent formatting, identical on every platform.
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let negative = value < 0 && scaled > 0
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    guard digits > 0 else { return (negative ? "-" : "") + String(whole) }
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return (negative ? "-" : "") + String(whole) + "." + fractionText
}
