/// How one synthetic field of view is drawn: its size, the camera, and the cells in it.
///
/// The defaults give a 512×512 image of a nuclear stain as a 20× widefield objective on an sCMOS camera would:
/// nuclei 12–30 px across, a camera offset of 500, nuclei at roughly 4000–20000 counts.
public struct FieldSettings: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Camera offset added to every pixel (counts).
    public var backgroundOffset: Double
    /// Camera read noise, standard deviation in counts.
    public var readNoise: Double
    /// Counts per photoelectron; shot noise scales with it.
    public var gain: Double
    /// Median area-equivalent diameter of an uninfected nucleus, pixels (clamped to 0.6–1.5 times this).
    public var nucleusDiameter: Double
    /// Share of nuclei drawn touching or slightly overlapping a neighbour.
    public var contactFraction: Double
    /// Share of infected nuclei drawn late lytic (shrunken, fragmented) rather than with the virus' own phenotype.
    public var lyticFraction: Double

    public init(width: Int = 512, height: Int = 512, backgroundOffset: Double = 500, readNoise: Double = 3,
                gain: Double = 1, nucleusDiameter: Double = 20, contactFraction: Double = 0.15,
                lyticFraction: Double = 0.15) {
        self.width = width
        self.height = height
        self.backgroundOffset = backgroundOffset
        self.readNoise = readNoise
        self.gain = gain
        self.nucleusDiameter = nucleusDiameter
        self.contactFraction = contactFraction
        self.lyticFraction = lyticFraction
    }

    /// 40 nuclei in a 512×512 field, scaled by area: a sub-confluent monolayer at 20×.
    public var defaultNucleusCount: Int {
        max(1, Int((40.0 * Double(width * height) / (512.0 * 512.0)).rounded()))
    }
}
