import Foundation

/// How a model's training nuclei were labelled, stored beside the model as `labels.json`.
///
/// `evaluate --labels reporter` must judge held-out nuclei by the same reporter bar the model learnt from: a fresh
/// Otsu threshold on held-out plates moves with their infection rate (a plate of mostly uninfected wells puts it
/// in the noise), and the model would be scored against labels it was never taught.
public struct TrainingLabels: Codable, Sendable, Equatable {
    public static let fileName = "labels.json"

    /// `reporter` or `truth`.
    public var source: String
    public var nuclearChannel: String
    public var reporterChannel: String?
    /// The per-nucleus mean reporter intensity above which a training nucleus was labelled infected.
    public var reporterThreshold: Float?
    /// True when the threshold was Otsu's over the training nuclei, false when given on the command line.
    public var reporterThresholdCalibrated: Bool?

    public init(source: String, nuclearChannel: String, reporterChannel: String? = nil, reporterThreshold: Float? = nil,
                reporterThresholdCalibrated: Bool? = nil) {
        self.source = source
        self.nuclearChannel = nuclearChannel
        self.reporterChannel = reporterChannel
        self.reporterThreshold = reporterThreshold
        self.reporterThresholdCalibrated = reporterThresholdCalibrated
    }

    enum CodingKeys: String, CodingKey {
        case source, nuclearChannel = "nuclear_channel", reporterChannel = "reporter_channel"
        case reporterThreshold = "reporter_threshold", reporterThresholdCalibrated = "reporter_threshold_calibrated"
    }

    /// Reads `labels.json` from a model directory; nil when the model has none (older or imported models).
    public static func load(modelDirectory: URL) throws -> TrainingLabels? {
        let url = modelDirectory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(TrainingLabels.self, from: Data(contentsOf: url))
        } catch {
            throw AnalysisError(file: url.path, reason: "not a valid labels file: \(error)")
        }
    }

    public func save(modelDirectory: URL) throws {
        let url = modelDirectory.appendingPathComponent(TrainingLabels.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw AnalysisError(file: url.path, reason: "cannot write labels file: \(error.localizedDescription)")
        }
    }
}
