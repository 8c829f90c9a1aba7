import Foundation
import Imaging
import NeuralNet

/// Turns one image set into per-nucleus infection probabilities: read the nuclear channel, segment nuclei,
/// crop and normalise each, classify in batches; measure the reporter channel inside the same masks.
///
/// Owns an inference session with scratch memory, so one thread at a time uses an analyser. It is `Sendable`
/// only so that a pool can hand it from one worker thread to the next; never share one between threads at once.
public final class ImageSetAnalyzer: @unchecked Sendable {
    public let model: Model
    public let settings: AnalysisSettings
    private let segmenter: Segmenter
    private let crops: ModelCrops
    private let session: InferenceSession
    /// When set, image paths given to `analyse` are relative to this root and may not leave it (resolved
    /// symlinks included): the worker sets its campaign's root here, so a symlink planted after submission
    /// cannot point it at `/etc/shadow` or a TIFF elsewhere.
    public var imageRoot: String?
    /// Images with more pixels are that image set's error, refused before their pixels are allocated.
    public var maximumPixels = TIFFReader.defaultPixelBudget

    public init(model: Model, settings: AnalysisSettings) throws {
        let input = model.architecture.input
        guard input.height == input.width else {
            throw AnalysisError(file: "model \(model.sha256.prefix(12))",
                                reason: "input crops must be square, the model expects \(input.height)×\(input.width)")
        }
        self.model = model
        self.settings = settings
        self.segmenter = try Segmenter(settings: settings.segmentation)
        self.crops = try ModelCrops(model: model)
        self.session = InferenceSession(model: model)
    }

    /// Analyses the image set whose nuclear channel is at `nuclearPath` (and reporter at `reporterPath`).
    /// - Throws: `AnalysisError` naming the file that could not be read or does not fit the other channel.
    public func analyse(nuclearPath: String, reporterPath: String?) throws -> ImageSetAnalysis {
        let started = ContinuousClock.now
        var nuclear: Image
        do { nuclear = try TIFFReader.read(path: nuclearPath, under: imageRoot, maximumPixels: maximumPixels) } catch {
            throw AnalysisError(file: nuclearPath, reason: "\(error)")
        }
        let scale = settings.imageScale ?? 1
        nuclear = ImageRescaling.resample(nuclear, by: scale)
        let segmentation = segmenter.segment(nuclear)
        var reporterMeans: [Float]?
        if let reporterPath {
            var reporter: Image
            do { reporter = try TIFFReader.read(path: reporterPath, under: imageRoot, maximumPixels: maximumPixels) } catch {
                throw AnalysisError(file: reporterPath, reason: "\(error)")
            }
            reporter = ImageRescaling.resample(reporter, by: scale)
            guard reporter.width == nuclear.width, reporter.height == nuclear.height else {
                throw AnalysisError(file: reporterPath, reason: "reporter is \(reporter.width)×\(reporter.height) "
                                    + "but the nuclear channel is \(nuclear.width)×\(nuclear.height)")
            }
            do {
                reporterMeans = try Segmenter.measure(channel: reporter, in: segmentation).map { Float($0.mean) }
            } catch {
                throw AnalysisError(file: reporterPath, reason: "\(error)")
            }
        }
        let probabilities = try classify(nuclear, segmentation, file: nuclearPath)

        var results: [NucleusResult] = []
        results.reserveCapacity(segmentation.nuclei.count)
        var infected = 0
        var reporterPositive = 0
        for (index, nucleus) in segmentation.nuclei.enumerated() {
            let p = probabilities[index]
            if p >= settings.infectionThreshold { infected += 1 }
            let reporterMean = reporterMeans?[index]
            if let reporterMean, let bar = settings.reporterThreshold, reporterMean > bar { reporterPositive += 1 }
            results.append(NucleusResult(
                // Positions and areas in the original image's pixels, whatever scale the analysis ran at.
                label: nucleus.label, x: Float(nucleus.centroidX / scale), y: Float(nucleus.centroidY / scale),
                area: Int((Double(nucleus.area) / (scale * scale)).rounded()),
                meanIntensity: Float(nucleus.intensity.mean), reporterMean: reporterMean, pInfected: p))
        }
        let meanP = probabilities.isEmpty ? nil : probabilities.reduce(0, +) / Float(probabilities.count)
        let hasReporterCall = reporterMeans != nil && settings.reporterThreshold != nil
        return ImageSetAnalysis(
            nuclei: results, infected: infected, meanPInfected: meanP,
            reporterPositive: hasReporterCall ? reporterPositive : nil, threshold: segmentation.thresholdUsed,
            reporterThreshold: reporterMeans == nil ? nil : settings.reporterThreshold,
            seconds: (ContinuousClock.now - started).seconds)
    }

    /// p(infected) per nucleus, in the segmentation's order.
    private func classify(_ image: Image, _ segmentation: Segmentation, file: String) throws -> [Float] {
        let count = segmentation.nuclei.count
        guard count > 0 else { return [] }
        let infectedClass = model.classNames.firstIndex(of: "infected") ?? (model.classNames.count - 1)
        let classes = model.classNames.count
        var probabilities: [Float] = []
        probabilities.reserveCapacity(count)
        let crops = try self.crops.extract(image: image, segmentation: segmentation, file: file)
        let sample = crops.channels * crops.size * crops.size
        let batch = max(1, settings.batchSize)
        var start = 0
        while start < count {
            let end = min(count, start + batch)
            let values = Array(crops.values[(start * sample)..<(end * sample)])
            let output: Tensor
            do { output = try session.probabilities(crops: values, count: end - start) } catch {
                throw AnalysisError(file: file, reason: "classifier failed: \(error)")
            }
            for row in 0..<(end - start) { probabilities.append(output.values[row * classes + infectedClass]) }
            start = end
        }
        return probabilities
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
