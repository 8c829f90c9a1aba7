import Analysis
import ArgumentParser
import CommandLineSupport
import Foundation
import NeuralNet

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify every nucleus of one nuclear-stain image: centroid and p(infected), and the image's infection rate.")

    @Option(help: "Model directory.")
    var model: String

    @Argument(help: "Nuclear-stain TIFF.")
    var image: String

    @Option(help: "p(infected) at or above which a nucleus is called infected.")
    var threshold: Float = 0.5

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        try NumericFlag.check(threshold, "--threshold", in: 0.000_001...1)
    }

    func run() throws {
        let loaded = try Model.load(directory: URL(fileURLWithPath: model))
        let analyzer = try ImageSetAnalyzer(model: loaded, settings: AnalysisSettings(infectionThreshold: threshold))
        let result = try analyzer.analyse(nuclearPath: image, reporterPath: nil)
        let rate = result.nuclei.isEmpty ? 0 : Double(result.infected) / Double(result.nuclei.count)
        if json {
            struct Output: Encodable {
                let image: String, model: String, nuclei: Int, infected: Int, infectionRate: Double
                let threshold: Float, cells: [NucleusResult]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let output = Output(image: image, model: loaded.sha256, nuclei: result.nuclei.count,
                                infected: result.infected, infectionRate: rate, threshold: result.threshold,
                                cells: result.nuclei)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        print("label      x        y   area  p(infected)")
        for n in result.nuclei {
            print(String(format: "%5d %8.1f %8.1f %6d  %.3f", n.label, n.x, n.y, n.area, n.pInfected))
        }
        print("\(image): \(result.nuclei.count) nuclei, \(result.infected) infected "
              + String(format: "(%.1f%%), segmentation threshold %.1f", 100 * rate, result.threshold))
    }
}
