import ArgumentParser
import CommandLineSupport
import Foundation
import Imaging

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Find the nuclei in a nuclear-stain TIFF and list them.",
        discussion: "Smooths, thresholds, fills holes, splits touching nuclei (distance transform + watershed), "
            + "drops nuclei on the border or outside the area range, and prints each nucleus's centroid, bounding "
            + "box, area and mean intensity. The defaults suit 16-bit 10×–20× images without tuning.")

    @Argument(help: "The nuclear-stain TIFF to segment.")
    var image: String

    @Option(help: "Zero-based page of a multi-page TIFF.")
    var page = 0

    @Flag(help: "Print JSON (settings, threshold, every nucleus) instead of a table.")
    var json = false

    @Option(help: "Write an 8-bit RGB TIFF: the image contrast-stretched, each nucleus outlined in colour.")
    var overlay: String?

    @Option(help: "Write the label image as a 16-bit TIFF: 0 is background, nucleus k has value k (as in --json).")
    var labels: String?

    @Option(help: "Threshold method: otsu (on log intensities), li (minimum cross-entropy) or manual.")
    var threshold: SegmentationSettings.ThresholdMethod = .otsu

    @Option(help: "The threshold for --threshold manual, in raw image units.")
    var manualThreshold: Float?

    @Option(help: "Multiply the threshold by this factor (>1 is stricter).")
    var correction: Float = 1

    @Option(help: "Gaussian smoothing sigma in pixels before thresholding (0 disables).")
    var sigma: Double = SegmentationSettings().smoothingSigma

    @Option(help: "Smallest nucleus kept, in pixels.")
    var minArea: Int = SegmentationSettings().minimumArea

    @Option(help: "Largest nucleus kept, in pixels.")
    var maxArea: Int = SegmentationSettings().maximumArea

    @Option(help: "Minimum distance in pixels between the centres of two touching nuclei that are split.")
    var minDistance: Double = SegmentationSettings().minimumSeedDistance

    @Option(help: "How far (pixels of depth) a nucleus's centre must rise above the neck joining it to a neighbour for the two to be split.")
    var seedDynamic: Double = SegmentationSettings().seedDynamic

    @Option(help: "Typical nucleus diameter in pixels (default: estimated from the image). Seed spacing and the largest kept area follow from it.")
    var diameter: Double?

    @Option(help: "How clumped nuclei are told apart: shape (necks), intensity (bright centres) or shape-and-intensity.")
    var seeds: SegmentationSettings.SeedMethod = SegmentationSettings().seedMethod

    @Option(help: "Where a clump is divided: seeds (same surface as the seeds), shape (narrowest part) or intensity (dimmest path).")
    var dividingLines: SegmentationSettings.DividingLines = SegmentationSettings().dividingLines

    @Option(help: "Two nuclei centres closer than this fraction of the typical diameter are one nucleus.")
    var seedSpacing: Double = SegmentationSettings().seedSpacing

    @Option(help: "Intensity seeds: blur the image with a sigma of this fraction of the typical diameter first.")
    var intensitySeedBlur: Double = SegmentationSettings().intensitySeedBlur

    @Option(help: "Keep nuclei up to this many times the typical nucleus area, even above --max-area (0: --max-area is strict).")
    var maxAreaMultiple: Double = SegmentationSettings().maximumAreaTypicalMultiple

    @Option(help: "Adaptive threshold for uneven illumination: one threshold per tile of this many typical diameters (0: one global threshold).")
    var localThresholdTiles: Double = SegmentationSettings().localThresholdTiles

    @Flag(help: "Keep nuclei that touch the image border.")
    var keepBorder = false

    @Flag(help: "Do not split touching nuclei.")
    var noDeclump = false

    @Option(help: "Segment this many times and report median decode and segmentation times (for benchmarks).")
    var `repeat` = 1

    func validate() throws {
        if threshold == .manual && manualThreshold == nil {
            throw ValidationError("--threshold manual needs --manual-threshold V")
        }
        guard (1...1_000).contains(self.repeat) else { throw ValidationError("--repeat must be within 1…1000") }
        try NumericFlag.check(page, "--page", in: 0...65_535)
        if let manualThreshold { try NumericFlag.checkFinite(manualThreshold, "--manual-threshold") }
        if let problem = settings.problem { throw ValidationError(problem) }
    }

    var settings: SegmentationSettings {
        var s = SegmentationSettings()
        s.thresholdMethod = threshold
        s.manualThreshold = manualThreshold
        s.thresholdCorrection = correction
        s.smoothingSigma = sigma
        s.minimumArea = minArea
        s.maximumArea = maxArea
        s.minimumSeedDistance = minDistance
        s.seedDynamic = seedDynamic
        s.removeBorderObjects = !keepBorder
        s.declump = !noDeclump
        s.typicalDiameter = diameter
        s.seedMethod = seeds
        s.dividingLines = dividingLines
        s.seedSpacing = seedSpacing
        s.maximumAreaTypicalMultiple = maxAreaMultiple
        s.localThresholdTiles = localThresholdTiles
        s.intensitySeedBlur = intensitySeedBlur
        return s
    }

    struct Report: Encodable {
        let path: String
        let width: Int
        let height: Int
        let count: Int
        let thresholdUsed: Float
        let thresholdComputed: Float
        let foregroundContrast: Double
        let objectsBeforeFiltering: Int
        let typicalDiameter: Double?
        let maximumAreaUsed: Int?
        let warnings: [String]
        let settings: SegmentationSettings
        let decodeMilliseconds: Double
        let segmentMilliseconds: Double
        let nuclei: [NucleusFeatures]
    }

    func run() throws {
        let segmenter = try Segmenter(settings: settings)
        var decodeTimes: [Double] = [], segmentTimes: [Double] = []
        var pixels: Image?
        var result: Segmentation?
        for _ in 0..<self.repeat {
            let start = ContinuousClock.now
            let decoded = try TIFFReader.read(path: image, page: page)
            let decodedAt = ContinuousClock.now
            result = segmenter.segment(decoded)
            decodeTimes.append(milliseconds(decodedAt - start))
            segmentTimes.append(milliseconds(ContinuousClock.now - decodedAt))
            pixels = decoded
        }
        guard let pixels, let result else { return }
        if let overlay {
            let rgb = OverlayRenderer.render(image: pixels, segmentation: result)
            try TIFFWriter.writeRGB8(rgb, width: pixels.width, height: pixels.height, to: overlay)
        }
        if let labels {
            guard result.count <= Int(UInt16.max) else {
                throw LabelImageError(description: "--labels \(labels): \(result.count) nuclei do not fit a 16-bit label image")
            }
            try TIFFWriter.writeUInt16(result.labels.map { UInt16(clamping: $0) }, width: result.width,
                                       height: result.height, to: labels, compression: .deflate)
        }
        let report = Report(
            path: image, width: result.width, height: result.height, count: result.count,
            thresholdUsed: result.thresholdUsed, thresholdComputed: result.thresholdComputed,
            foregroundContrast: result.foregroundContrast, objectsBeforeFiltering: result.objectsBeforeFiltering,
            typicalDiameter: result.typicalDiameter, maximumAreaUsed: result.maximumAreaUsed,
            warnings: result.warnings, settings: result.settings, decodeMilliseconds: decodeTimes.sorted()[decodeTimes.count / 2],
            segmentMilliseconds: segmentTimes.sorted()[segmentTimes.count / 2], nuclei: result.nuclei)
        for warning in result.warnings {
            FileHandle.standardError.write(Data("warning: \(image): \(warning)\n".utf8))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("\(image): \(result.count) nuclei, threshold \(format(Double(result.thresholdUsed))) "
              + "(\(result.settings.thresholdMethod.rawValue)), \(result.objectsBeforeFiltering) objects before filters")
        if self.repeat > 1 {
            print(String(format: "decode %.2f ms, segment %.2f ms (median of %d)", report.decodeMilliseconds,
                         report.segmentMilliseconds, self.repeat))
        }
        guard result.count > 0 else { return }
        print(["label", "x", "y", "bbox x,y,w,h", "area", "mean"].enumerated().map { i, title in
            title.padding(toLength: [6, 9, 9, 20, 7, 10][i], withPad: " ", startingAt: 0)
        }.joined())
        for n in result.nuclei {
            let box = n.boundingBox
            let cells = [String(n.label), String(format: "%.1f", n.centroidX), String(format: "%.1f", n.centroidY),
                         "\(box.x),\(box.y),\(box.width),\(box.height)", String(n.area),
                         String(format: "%.1f", n.intensity.mean)]
            print(cells.enumerated().map { i, cell in
                cell.padding(toLength: [6, 9, 9, 20, 7, 10][i], withPad: " ", startingAt: 0)
            }.joined())
        }
    }
}

extension SegmentationSettings.ThresholdMethod: ExpressibleByArgument {}
extension SegmentationSettings.SeedMethod: ExpressibleByArgument {}
extension SegmentationSettings.DividingLines: ExpressibleByArgument {}

/// A label image that cannot be written as asked (a runtime error: exit code 1).
struct LabelImageError: Error, CustomStringConvertible {
    let description: String
}
