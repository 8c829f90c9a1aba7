import Imaging

/// Everything that decides an image set's result besides the model; stored with every result so a
/// surprising well can be explained and the analysis reproduced.
public struct AnalysisSettings: Codable, Sendable, Equatable {
    public var segmentation: SegmentationSettings
    /// A nucleus counts as infected when the model's p(infected) is at least this.
    public var infectionThreshold: Float
    /// Per-nucleus mean reporter intensity above which a nucleus is reporter-positive. Calibrated once per
    /// campaign from its control wells (see `ReporterCalibration`), so every image is judged by the same bar.
    public var reporterThreshold: Float?
    /// Crops classified per network call.
    public var batchSize: Int
    /// Resample every image by this factor before segmentation (scale normalisation to the model's training
    /// nucleus size, chosen at submission); nil or 1 leaves images as they are. Absent from the stored JSON when
    /// nil, so campaigns submitted without it keep their settings and fingerprint.
    public var imageScale: Double?

    public init(segmentation: SegmentationSettings = SegmentationSettings(), infectionThreshold: Float = 0.5,
                reporterThreshold: Float? = nil, batchSize: Int = 256) {
        self.segmentation = segmentation
        self.infectionThreshold = infectionThreshold
        self.reporterThreshold = reporterThreshold
        self.batchSize = batchSize
    }

    private enum CodingKeys: String, CodingKey {
        case segmentation, infectionThreshold = "infection_threshold", reporterThreshold = "reporter_threshold"
        case batchSize = "batch_size", imageScale = "image_scale"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        segmentation = try container.decodeIfPresent(SegmentationSettings.self, forKey: .segmentation) ?? SegmentationSettings()
        infectionThreshold = try container.decodeIfPresent(Float.self, forKey: .infectionThreshold) ?? 0.5
        reporterThreshold = try container.decodeIfPresent(Float.self, forKey: .reporterThreshold)
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 256
        imageScale = try container.decodeIfPresent(Double.self, forKey: .imageScale)
    }
}
