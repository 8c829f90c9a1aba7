/// Every choice the nucleus segmentation makes, recorded with its results (CellProfiler style) so a surprising
/// count can be explained and reproduced. The defaults suit 16-bit nuclear stains at 10×–20× (nuclei 10–40 px
/// across, background a few hundred to a few thousand, nuclei several thousand and up) without tuning.
///
/// Decoding tolerates missing keys (each takes its default), so settings stored by an older version still load.
/// The declumping keys added later (seed method, seed spacing, maximum-area multiple) take the values that
/// reproduce the older segmentation when missing, so a stored campaign is analysed as it was submitted.
public struct SegmentationSettings: Codable, Sendable, Equatable {
    public enum ThresholdMethod: String, Codable, Sendable, CaseIterable {
        /// Otsu: maximises the between-class variance of the smoothed intensities.
        case otsu
        /// Li: minimum cross-entropy, iterative; usually a little lower than Otsu, keeps dim nuclei whole.
        case li
        /// `manualThreshold`, used as given (still multiplied by the correction factor and clamped to the bounds).
        case manual
    }

    /// How seeds (one per nucleus) are found inside a clump, as CellProfiler's "method to distinguish clumped
    /// objects".
    public enum SeedMethod: String, Codable, Sendable, CaseIterable {
        /// Shape: the centres of round parts (peaks of the distance to the background). Splits clumps at necks,
        /// whatever the brightness. The default: on the real and synthetic test images it splits the most
        /// clumps without cutting single nuclei.
        case shape
        /// Intensity: bright centres (peaks of the image blurred to the nucleus size). Splits neighbours that
        /// touch without a neck when each is brighter in the middle than at the contact.
        case intensity
        /// Both: the sum of the two surfaces, each scaled to the nucleus radius: necks and brightness dips each
        /// count. A dim nucleus against a much brighter one can lose its peak to the bright one's slope, so
        /// this suits clumps of similar brightness.
        case shapeAndIntensity = "shape-and-intensity"
    }

    /// Where the dividing line between two nuclei of a clump is drawn, as CellProfiler's "method to draw
    /// dividing lines between clumped objects".
    public enum DividingLines: String, Codable, Sendable, CaseIterable {
        /// Along the same surface the seeds came from (the default).
        case seeds
        /// Along the narrowest part of the clump (distance transform).
        case shape
        /// Along the dimmest path between the nuclei.
        case intensity
    }

    /// Gaussian sigma in pixels applied before thresholding (0 disables): suppresses camera noise and texture.
    public var smoothingSigma: Double = 1
    public var thresholdMethod: ThresholdMethod = .otsu
    /// Otsu only: threshold the logarithm of the intensities, so nuclei a few times dimmer than the brightest are
    /// still segmented whole (stains vary several-fold between cells).
    public var logTransformBeforeOtsu = true
    /// Required when `thresholdMethod` is `.manual`, ignored otherwise. Same units as the raw image.
    public var manualThreshold: Float?
    /// Multiplies the threshold (CellProfiler's "threshold correction factor"): >1 is stricter.
    public var thresholdCorrection: Float = 1
    /// The threshold is clamped to these bounds after correction, when set.
    public var thresholdLowerBound: Float?
    public var thresholdUpperBound: Float?
    /// Automatic thresholds only: the mean of the foreground class must exceed the mean of the background class by
    /// this many background standard deviations, else the image is taken to hold no nuclei. Without this check
    /// Otsu splits pure noise in two and an empty well reports hundreds of "nuclei". 0 disables the check.
    public var minimumContrast: Double = 5
    /// Fill background regions enclosed by a nucleus (dim nucleoli, a marginated HSV nucleus's dark centre).
    public var fillHoles = true
    /// 8 (default) or 4: which neighbours make pixels one object.
    public var connectivity = 8
    /// Split touching nuclei with a distance-transform watershed.
    public var declump = true
    /// Gaussian sigma applied to the distance map before seeds are found (0 disables).
    public var distanceSmoothingSigma: Double = 1
    /// A seed must be the deepest point of the distance map within this many pixels (a square window), and two
    /// seeds closer than this become one nucleus.
    public var minimumSeedDistance: Double = 5
    /// A seed survives only if its distance-map peak rises this many pixels above the saddle joining it to a
    /// taller neighbour (h-maxima): stops ragged outlines from splitting one nucleus into several.
    public var seedDynamic: Double = 0.25
    /// Typical nucleus diameter in pixels; nil (the default) estimates it from the image: twice the equivalent
    /// radius of the median thresholded object. Seed spacing and the largest kept area follow from it.
    public var typicalDiameter: Double?
    /// Seeds: from shape, intensity or both (see `SeedMethod`).
    public var seedMethod: SeedMethod = .shape
    /// Dividing lines between the nuclei of a clump (see `DividingLines`).
    public var dividingLines: DividingLines = .seeds
    /// Two seeds closer than this fraction of the typical diameter are one nucleus (local maxima suppression);
    /// `minimumSeedDistance` is the floor in pixels. A seed must also be the highest point within half this
    /// distance. 0.25 keeps small nuclei beside big ones and stops large nuclei (high magnification) from being
    /// cut at every ripple of their outline.
    public var seedSpacing: Double = 0.25
    /// Intensity seeds: the image is blurred with a sigma of this fraction of the typical diameter first, so each
    /// nucleus's texture becomes one rounded hill (too much blur melts touching nuclei into one).
    public var intensitySeedBlur: Double = 0.1
    /// The largest kept nucleus is at least this many times the typical nucleus area, so large nuclei (high
    /// magnification) are not dropped as clumps; 0 makes `maximumArea` strict.
    public var maximumAreaTypicalMultiple: Double = 4
    /// Threshold each tile of this many typical diameters separately (interpolated between tile centres), for
    /// uneven illumination; 0 (the default) uses one global threshold. Tiles without contrast keep the global one.
    public var localThresholdTiles: Double = 0
    /// Drop nuclei that touch the image edge (their area and intensities are incomplete).
    public var removeBorderObjects = true
    /// Nuclei smaller or larger than these areas (pixels) are dropped: debris and unsplit clumps.
    public var minimumArea = 40
    public var maximumArea = 4000
    /// Rim-to-centre ratio: pixels whose depth is below this fraction of the nucleus's deepest pixel are rim.
    public var rimFraction: Double = 0.5

    public init() {}

    /// Nil when the settings can work; otherwise what is wrong, in words for the person who set them.
    public var problem: String? {
        if !(smoothingSigma >= 0 && smoothingSigma <= 50) { return "smoothing sigma must be within 0…50" }
        if !(distanceSmoothingSigma >= 0 && distanceSmoothingSigma <= 50) { return "distance sigma must be within 0…50" }
        if thresholdMethod == .manual {
            guard let manual = manualThreshold, manual.isFinite else { return "manual threshold needs a value" }
        }
        if !(thresholdCorrection.isFinite && thresholdCorrection > 0) { return "threshold correction must be > 0" }
        if let lo = thresholdLowerBound, let hi = thresholdUpperBound, lo > hi { return "threshold bounds are inverted" }
        if connectivity != 4 && connectivity != 8 { return "connectivity must be 4 or 8" }
        if minimumArea < 0 || maximumArea < minimumArea { return "area range must satisfy 0 ≤ minimum ≤ maximum" }
        if !(minimumSeedDistance >= 0) || !(seedDynamic >= 0) { return "seed distance and dynamic must be ≥ 0" }
        if !(rimFraction > 0 && rimFraction < 1) { return "rim fraction must be within (0, 1)" }
        if !(minimumContrast >= 0) { return "minimum contrast must be ≥ 0" }
        if let d = typicalDiameter, !(d >= 2 && d <= 1_000) { return "typical diameter must be within 2…1000 pixels" }
        if !(seedSpacing >= 0 && seedSpacing <= 2) { return "seed spacing must be within 0…2 typical diameters" }
        if !(intensitySeedBlur >= 0 && intensitySeedBlur <= 2) { return "intensity seed blur must be within 0…2 diameters" }
        if !(maximumAreaTypicalMultiple >= 0 && maximumAreaTypicalMultiple <= 100) {
            return "maximum area multiple must be within 0…100"
        }
        if !(localThresholdTiles == 0 || (localThresholdTiles >= 2 && localThresholdTiles <= 100)) {
            return "local threshold tiles must be 0 (global) or within 2…100 typical diameters"
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case smoothingSigma, thresholdMethod, logTransformBeforeOtsu, manualThreshold, thresholdCorrection, thresholdLowerBound
        case thresholdUpperBound, minimumContrast, fillHoles, connectivity, declump, distanceSmoothingSigma
        case minimumSeedDistance, seedDynamic, removeBorderObjects, minimumArea, maximumArea, rimFraction
        case typicalDiameter, seedMethod, dividingLines, seedSpacing, maximumAreaTypicalMultiple, localThresholdTiles
        case intensitySeedBlur
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SegmentationSettings()
        smoothingSigma = try c.decodeIfPresent(Double.self, forKey: .smoothingSigma) ?? d.smoothingSigma
        thresholdMethod = try c.decodeIfPresent(ThresholdMethod.self, forKey: .thresholdMethod) ?? d.thresholdMethod
        logTransformBeforeOtsu = try c.decodeIfPresent(Bool.self, forKey: .logTransformBeforeOtsu)
            ?? d.logTransformBeforeOtsu
        manualThreshold = try c.decodeIfPresent(Float.self, forKey: .manualThreshold)
        thresholdCorrection = try c.decodeIfPresent(Float.self, forKey: .thresholdCorrection) ?? d.thresholdCorrection
        thresholdLowerBound = try c.decodeIfPresent(Float.self, forKey: .thresholdLowerBound)
        thresholdUpperBound = try c.decodeIfPresent(Float.self, forKey: .thresholdUpperBound)
        minimumContrast = try c.decodeIfPresent(Double.self, forKey: .minimumContrast) ?? d.minimumContrast
        fillHoles = try c.decodeIfPresent(Bool.self, forKey: .fillHoles) ?? d.fillHoles
        connectivity = try c.decodeIfPresent(Int.self, forKey: .connectivity) ?? d.connectivity
        declump = try c.decodeIfPresent(Bool.self, forKey: .declump) ?? d.declump
        distanceSmoothingSigma = try c.decodeIfPresent(Double.self, forKey: .distanceSmoothingSigma)
            ?? d.distanceSmoothingSigma
        minimumSeedDistance = try c.decodeIfPresent(Double.self, forKey: .minimumSeedDistance) ?? d.minimumSeedDistance
        seedDynamic = try c.decodeIfPresent(Double.self, forKey: .seedDynamic) ?? d.seedDynamic
        removeBorderObjects = try c.decodeIfPresent(Bool.self, forKey: .removeBorderObjects) ?? d.removeBorderObjects
        minimumArea = try c.decodeIfPresent(Int.self, forKey: .minimumArea) ?? d.minimumArea
        maximumArea = try c.decodeIfPresent(Int.self, forKey: .maximumArea) ?? d.maximumArea
        rimFraction = try c.decodeIfPresent(Double.self, forKey: .rimFraction) ?? d.rimFraction
        typicalDiameter = try c.decodeIfPresent(Double.self, forKey: .typicalDiameter)
        seedMethod = try c.decodeIfPresent(SeedMethod.self, forKey: .seedMethod) ?? .shape
        dividingLines = try c.decodeIfPresent(DividingLines.self, forKey: .dividingLines) ?? d.dividingLines
        seedSpacing = try c.decodeIfPresent(Double.self, forKey: .seedSpacing) ?? 0
        maximumAreaTypicalMultiple = try c.decodeIfPresent(Double.self, forKey: .maximumAreaTypicalMultiple) ?? 0
        localThresholdTiles = try c.decodeIfPresent(Double.self, forKey: .localThresholdTiles) ?? d.localThresholdTiles
        intensitySeedBlur = try c.decodeIfPresent(Double.self, forKey: .intensitySeedBlur) ?? d.intensitySeedBlur
    }
}
