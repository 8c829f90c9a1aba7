import ArgumentParser
import CommandLineSupport
import Foundation
import Imaging

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a TIFF image: geometry, layout, compression, intensity range and field quality.",
        discussion: "Reads the header with libtiff, decodes the chosen page and sample, and prints what a screen "
            + "analyst needs to know before segmenting it, with the per-field quality measures (nucleus count, "
            + "focus, saturated and foreground fractions) the worker records. A damaged or unsupported file gives "
            + "one line naming it.")

    @Argument(help: "The TIFF file to inspect.")
    var image: String

    @Option(help: "Zero-based page (TIFF directory) to describe and decode.")
    var page = 0

    @Option(help: "Zero-based sample (channel within a pixel) to decode in multi-sample files.")
    var sample = 0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Decode the page this many times and report the median decode time (for benchmarks).")
    var `repeat` = 1

    @Option(help: "Largest image, in pixels, to decode; larger ones are refused before any memory is allocated.")
    var maxPixels = TIFFReader.defaultPixelBudget

    func validate() throws {
        try NumericFlag.check(maxPixels, "--max-pixels", in: 1...TIFFReader.maximumPixelCount)
        guard page >= 0 else { throw ValidationError("--page must be ≥ 0") }
        guard sample >= 0 else { throw ValidationError("--sample must be ≥ 0") }
        guard (1...10_000).contains(self.repeat) else { throw ValidationError("--repeat must be within 1…10000") }
    }

    struct Report: Encodable {
        let path: String
        let page: Int
        let pages: Int
        let width: Int
        let height: Int
        let bitsPerSample: Int
        let sampleFormat: String
        let samplesPerPixel: Int
        let planarConfiguration: String
        let compression: String
        let predictor: Int
        let tiled: Bool
        let bigTIFF: Bool
        let byteOrder: String
        let minimum: Float
        let maximum: Float
        let mean: Double
        let decodeMilliseconds: Double
        let decodeMegabytesPerSecond: Double
        /// Per-field QC measures (segmentation with default settings), as the worker stores them.
        let quality: ImageQuality
        let warnings: [String]
    }

    func run() throws {
        let info = try TIFFReader.info(path: image, page: page)
        var durations: [Double] = []
        var decoded: Image?
        for _ in 0..<self.repeat {
            let start = ContinuousClock.now
            decoded = try TIFFReader.read(path: image, page: page, sample: sample, maximumPixels: maxPixels)
            durations.append(milliseconds(ContinuousClock.now - start))
        }
        guard let pixels = decoded else { return }
        let statistics = pixels.statistics
        let median = durations.sorted()[durations.count / 2]
        let bytes = Double(info.width * info.height * info.bitsPerSample / 8)
        // The detector's top value for integer samples; float images use their own maximum.
        let saturationLevel: Float? = info.sampleFormat == .unsignedInteger && info.bitsPerSample <= 32
            ? Float((UInt64(1) << UInt64(info.bitsPerSample)) - 1) : nil
        let segmentation = try Segmenter().segment(pixels)
        let quality = ImageQuality.measure(image: pixels, segmentation: segmentation, saturationLevel: saturationLevel)
        let report = Report(
            path: image, page: page, pages: info.pageCount, width: info.width, height: info.height,
            bitsPerSample: info.bitsPerSample, sampleFormat: info.sampleFormat.rawValue,
            samplesPerPixel: info.samplesPerPixel, planarConfiguration: info.planarConfiguration.rawValue,
            compression: info.compression, predictor: info.predictor, tiled: info.tiled, bigTIFF: info.bigTIFF,
            byteOrder: info.byteOrder.rawValue, minimum: statistics.minimum, maximum: statistics.maximum,
            mean: statistics.mean, decodeMilliseconds: median,
            decodeMegabytesPerSecond: median > 0 ? bytes / 1e6 / (median / 1e3) : 0, quality: quality,
            warnings: segmentation.warnings)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        var rows: [(String, String)] = [
            ("file", image), ("page", "\(page + 1) of \(info.pageCount)"),
            ("size", "\(info.width) × \(info.height)"),
            ("samples", "\(info.samplesPerPixel) × \(info.bitsPerSample)-bit \(info.sampleFormat.rawValue)"
                + (info.samplesPerPixel > 1 ? " (\(info.planarConfiguration.rawValue))" : "")),
            ("compression", info.compression + (info.predictor > 1 ? " + predictor \(info.predictor)" : "")),
            ("layout", info.tiled ? "tiles" : "strips"),
            ("container", (info.bigTIFF ? "BigTIFF" : "classic TIFF") + ", \(info.byteOrder.rawValue)"),
            ("minimum", format(Double(statistics.minimum))), ("maximum", format(Double(statistics.maximum))),
            ("mean", format(statistics.mean)),
        ]
        var nuclei = "\(quality.nucleusCount)"
        if let diameter = segmentation.typicalDiameter {
            nuclei += String(format: " (typical diameter %.1f px)", diameter)
        }
        rows.append(("nuclei", nuclei))
        rows.append(("focus", String(format: "%.4g (normalised Laplacian variance)", quality.focusScore)))
        rows.append(("saturated", String(format: "%.3f%% of pixels", 100 * quality.saturatedFraction)))
        rows.append(("foreground", String(format: "%.1f%% of pixels in nuclei", 100 * quality.foregroundFraction)))
        for warning in segmentation.warnings { rows.append(("warning", warning)) }
        for (key, value) in rows { print(key.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
        if self.repeat > 1 {
            print("decode".padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "%.2f ms median of %d (%.0f MB/s)", median, self.repeat, report.decodeMegabytesPerSecond))
        }
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.3f", value)
}
