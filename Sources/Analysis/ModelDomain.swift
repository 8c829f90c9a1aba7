import Foundation
import Imaging

/// A few quantiles of one per-nucleus measurement, enough to say where most of a data set lies.
public struct Quantiles: Codable, Sendable, Equatable {
    public var p01: Double
    public var p05: Double
    public var p25: Double
    public var p50: Double
    public var p75: Double
    public var p95: Double
    public var p99: Double

    /// Nil for an empty sample (or one with no finite value).
    public init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        func q(_ p: Double) -> Double {
            // Linear interpolation between closest ranks (numpy's default), so small samples are not jumpy.
            let position = p * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = min(sorted.count - 1, low + 1)
            return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
        }
        p01 = q(0.01); p05 = q(0.05); p25 = q(0.25); p50 = q(0.50); p75 = q(0.75); p95 = q(0.95); p99 = q(0.99)
    }
}

/// Per-nucleus measurements gathered from segmented images: what a model's training data (or a campaign's
/// control wells) look like to the segmentation, in pixels and intensity units.
public struct DomainSample: Sendable, Equatable {
    public var areas: [Double] = []
    /// Area-equivalent diameters, pixels.
    public var diameters: [Double] = []
    /// Standard deviation over mean of the nucleus's pixels: how textured the chromatin looks. Offset-sensitive
    /// but scale-free, so a brighter stain alone does not move it.
    public var textures: [Double] = []
    /// Mean raw intensity inside the nucleus (recorded for information: crops are normalised per nucleus).
    public var intensities: [Double] = []
    public var imageSets = 0

    public init() {}

    public var count: Int { areas.count }

    /// Adds every nucleus of one segmented image.
    public mutating func add(_ segmentation: Segmentation) {
        imageSets += 1
        for nucleus in segmentation.nuclei {
            let area = Double(nucleus.area)
            areas.append(area)
            diameters.append((4 * area / Double.pi).squareRoot())
            let mean = nucleus.intensity.mean
            textures.append(mean > 0 ? nucleus.intensity.standardDeviation / mean : 0)
            intensities.append(mean)
        }
    }
}

/// What a model's training data looked like, stored beside the model as `domain.json` so a campaign can be
/// compared with it before it is run (`DomainCheck`). A model sees only crops; whether those crops resemble
/// the ones it learnt from is the first thing that decides whether its calls mean anything.
public struct ModelDomain: Codable, Sendable, Equatable {
    public static let fileName = "domain.json"

    public var formatVersion = 1
    /// The nuclear channel the crops came from (e.g. `w1`).
    public var nuclearChannel: String
    /// Physical pixel size, when the images said; nil for synthetic or unannotated images.
    public var pixelSizeMicrons: Double?
    public var nuclei: Int
    public var imageSets: Int
    public var area: Quantiles
    public var diameter: Quantiles
    public var texture: Quantiles
    public var intensity: Quantiles
    /// Where the statistics came from (directories, command), for the person reading the file.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", nuclearChannel = "nuclear_channel"
        case pixelSizeMicrons = "pixel_size_um", nuclei, imageSets = "image_sets", area
        case diameter = "diameter_px", texture = "texture_cv", intensity = "mean_intensity", source
    }

    /// Nil when the sample holds no nucleus.
    public init?(sample: DomainSample, nuclearChannel: String, pixelSizeMicrons: Double? = nil, source: String? = nil) {
        guard let area = Quantiles(sample.areas), let diameter = Quantiles(sample.diameters),
              let texture = Quantiles(sample.textures), let intensity = Quantiles(sample.intensities) else { return nil }
        self.nuclearChannel = nuclearChannel
        self.pixelSizeMicrons = pixelSizeMicrons
        self.nuclei = sample.count
        self.imageSets = sample.imageSets
        self.area = area
        self.diameter = diameter
        self.texture = texture
        self.intensity = intensity
        self.source = source
    }

    /// Reads `domain.json` from a model directory; nil when the model has none (older or imported models).
    /// Throws `AnalysisError` naming the file when it exists but cannot be decoded.
    public static func load(modelDirectory: URL) throws -> ModelDomain? {
        let url = modelDirectory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(ModelDomain.self, from: Data(contentsOf: url))
        } catch {
            throw AnalysisError(file: url.path, reason: "not a valid domain file: \(error)")
        }
    }

    /// Writes `domain.json` into `modelDirectory` (sorted keys, so the same data give the same bytes).
    public func save(modelDirectory: URL) throws {
        let url = modelDirectory.appendingPathComponent(ModelDomain.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw AnalysisError(file: url.path, reason: "cannot write domain file: \(error.localizedDescription)")
        }
    }
}
