/// Inclusive-exclusive pixel box: columns `x..<x+width`, rows `y..<y+height`.
public struct BoundingBox: Codable, Sendable, Equatable {
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int
}

/// Intensity of one image inside one nucleus mask, in raw image units.
public struct IntensityFeatures: Codable, Sendable, Equatable {
    public let label: Int
    public let mean: Double
    public let minimum: Float
    public let maximum: Float
    /// Sum over the mask (CellProfiler's IntegratedIntensity).
    public let integrated: Double
    public let standardDeviation: Double
}

/// What is measured for every nucleus. Coordinates are zero-based pixel centres (column x, row y).
public struct NucleusFeatures: Codable, Sendable, Equatable {
    /// 1...n, in raster order of the centroids (top to bottom, then left to right); matches `Segmentation.labels`.
    public let label: Int
    public let centroidX: Double
    public let centroidY: Double
    public let boundingBox: BoundingBox
    public let area: Int
    /// Length of the marching-squares outline through pixel edges' midpoints, in pixels.
    public let perimeter: Double
    /// Of the ellipse with the same second moments: 0 for a circle, towards 1 for elongated shapes.
    public let eccentricity: Double
    public let majorAxisLength: Double
    public let minorAxisLength: Double
    /// Area over convex-hull area (hull of pixel centres, counted in pixels): 1 for convex shapes, lower when lobed.
    public let solidity: Double
    /// Raw intensities of the segmented (nuclear) image inside the mask.
    public let intensity: IntensityFeatures
    /// Mean intensity of the rim (pixels shallower than `rimFraction` of the deepest pixel) over the mean of the
    /// centre. Above 1 when chromatin is pushed to the envelope (HSV margination). 1 for nuclei too small to
    /// have a centre.
    public let rimToCentreRatio: Double
}

/// The outcome of segmenting one image, with what produced it.
public struct Segmentation: Codable, Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major label image: 0 background, k for the nucleus whose `label` is k.
    public let labels: [Int32]
    public let nuclei: [NucleusFeatures]
    /// The threshold applied to the smoothed image, after correction and bounds.
    public let thresholdUsed: Float
    /// What the automatic method returned before correction and bounds (the manual value for `.manual`).
    public let thresholdComputed: Float
    /// Foreground-vs-background separation in background standard deviations at the threshold used.
    public let foregroundContrast: Double
    /// Objects found before the border and size filters (after declumping).
    public let objectsBeforeFiltering: Int
    public let settings: SegmentationSettings
    /// The typical nucleus diameter used for seed spacing and size limits (given, or estimated from the image);
    /// nil when the image had no objects to estimate it from.
    public var typicalDiameter: Double? = nil
    /// The largest nucleus area kept (the setting, or more when the typical diameter asks for it).
    public var maximumAreaUsed: Int? = nil
    /// What makes this result doubtful (non-finite pixels, no dynamic range), in words for a person.
    public var warnings: [String] = []

    public var count: Int { nuclei.count }
}
