import Imaging
import NeuralNet

/// Crops exactly as the model was trained on them: its input size, its normalisation, and the mask channel
/// when it takes two channels. Read from the model's architecture, so training and inference cannot disagree.
struct ModelCrops {
    let extractor: CropExtractor

    init(model: Model) throws {
        try self.init(input: model.architecture.input, source: "model \(model.sha256.prefix(12))")
    }

    /// For an architecture not yet trained (the training command builds its crops with it).
    init(input: InputSpec, source: String = "model architecture") throws {
        guard input.channels == 1 || input.channels == 2 else {
            throw AnalysisError(file: source,
                                reason: "input has \(input.channels) channels; nucleus crops have 1 (or 2 with the mask)")
        }
        extractor = CropExtractor(size: input.height, normalisation: try ModelCrops.normalisation(input.normalisation),
                                  includeMaskChannel: input.channels == 2)
    }

    func extract(image: Image, segmentation: Segmentation, file: String) throws -> CropBatch {
        do { return try extractor.extract(image: image, segmentation: segmentation) } catch {
            throw AnalysisError(file: file, reason: "cannot crop nuclei: \(error)")
        }
    }

    /// `percentile-1-99` → the 1st and 99th percentiles of each crop map to 0 and 1; `none` → raw values.
    static func normalisation(_ name: String) throws -> CropExtractor.Normalisation {
        if name == "none" { return .none }
        let parts = name.split(separator: "-")
        if parts.count == 3, parts[0] == "percentile", let low = Double(parts[1]), let high = Double(parts[2]), low < high {
            return .percentiles(low: low, high: high)
        }
        throw AnalysisError(file: "model architecture", reason: "unknown input normalisation '\(name)' "
                            + "(expected 'percentile-LOW-HIGH' or 'none')")
    }
}
