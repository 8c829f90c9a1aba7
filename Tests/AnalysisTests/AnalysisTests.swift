import Foundation
import Testing
@testable import Analysis
import Imaging
import NeuralNet
import Synthetic

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func defaultModel() throws -> Model {
    try Model.load(directory: repositoryRoot.appendingPathComponent("models/default"))
}

/// Writes a rendered synthetic field as two TIFFs (nuclear w1, reporter w2) and returns their paths.
private func writeField(_ field: SyntheticField, in directory: URL, name: String) throws -> (String, String) {
    let nuclear = directory.appendingPathComponent("\(name)_w1.tif").path
    let reporter = directory.appendingPathComponent("\(name)_w2.tif").path
    try TIFFWriter.writeUInt16(field.nuclear, width: field.width, height: field.height, to: nuclear)
    try TIFFWriter.writeUInt16(field.reporter, width: field.width, height: field.height, to: reporter)
    return (nuclear, reporter)
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("viroscope-analysis-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct ReporterCalibrationTests {
    @Test func otsuOnTwoPopulationsFallsBetweenThem() throws {
        let dim = (0..<300).map { Float(800 + ($0 % 40) * 5) }
        let bright = (0..<200).map { Float(6000 + ($0 % 50) * 40) }
        let threshold = try #require(ReporterCalibration.threshold(means: dim + bright))
        #expect(threshold > 1000 && threshold < 6000)
        let labels = ReporterCalibration.labels(means: dim + bright, threshold: threshold)
        #expect(labels.reduce(0, +) == 200)
    }

    @Test func noThresholdWithoutTwoDistinctValues() {
        #expect(ReporterCalibration.threshold(means: []) == nil)
        #expect(ReporterCalibration.threshold(means: [5, 5, 5]) == nil)
    }
}

@Suite struct ImageSetAnalyzerTests {
    @Test func infectedFieldsComeOutFarMoreInfectedThanUninfectedOnes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let renderer = NucleusImageRenderer(settings: FieldSettings(width: 384, height: 384))
        let analyzer = try ImageSetAnalyzer(model: try defaultModel(), settings: AnalysisSettings(reporterThreshold: 2000))
        var rates: [Double] = []
        for (index, probability) in [0.0, 1.0].enumerated() {
            let field = renderer.render(nucleusCount: 40, infectionProbability: probability, virus: .hsv1, seed: UInt64(40 + index))
            let (nuclear, reporter) = try writeField(field, in: directory, name: "p\(index)")
            let result = try analyzer.analyse(nuclearPath: nuclear, reporterPath: reporter)
            #expect(result.nuclei.count >= 30 && result.nuclei.count <= 45, "\(result.nuclei.count) nuclei")
            #expect(result.nuclei.allSatisfy { $0.pInfected >= 0 && $0.pInfected <= 1 })
            #expect(result.nuclei.allSatisfy { $0.reporterMean != nil })
            #expect(result.reporterPositive != nil)
            rates.append(Double(result.infected) / Double(max(1, result.nuclei.count)))
        }
        #expect(rates[0] < 0.2, "uninfected field called \(rates[0]) infected")
        #expect(rates[1] > 0.6, "infected field called \(rates[1]) infected")
    }

    @Test func aMissingOrMismatchedChannelIsAnErrorNamingTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let analyzer = try ImageSetAnalyzer(model: try defaultModel(), settings: AnalysisSettings())
        let missing = directory.appendingPathComponent("nowhere_w1.tif").path
        #expect { try analyzer.analyse(nuclearPath: missing, reporterPath: nil) } throws: { error in
            "\(error)".contains("nowhere_w1.tif")
        }
        let big = NucleusImageRenderer(settings: FieldSettings(width: 128, height: 128))
            .render(nucleusCount: 5, infectionProbability: 0, virus: .hadv, seed: 1)
        let small = NucleusImageRenderer(settings: FieldSettings(width: 96, height: 96))
            .render(nucleusCount: 3, infectionProbability: 0, virus: .hadv, seed: 2)
        let (nuclear, _) = try writeField(big, in: directory, name: "big")
        let (_, reporter) = try writeField(small, in: directory, name: "small")
        #expect { try analyzer.analyse(nuclearPath: nuclear, reporterPath: reporter) } throws: { error in
            "\(error)".contains("small_w2.tif") && "\(error)".contains("96×96")
        }
    }

    @Test func sameInputGivesTheSameResult() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let field = NucleusImageRenderer(settings: FieldSettings(width: 256, height: 256))
            .render(nucleusCount: 20, infectionProbability: 0.5, virus: .hadv, seed: 9)
        let (nuclear, _) = try writeField(field, in: directory, name: "f")
        let analyzer = try ImageSetAnalyzer(model: try defaultModel(), settings: AnalysisSettings())
        let first = try analyzer.analyse(nuclearPath: nuclear, reporterPath: nil)
        let second = try analyzer.analyse(nuclearPath: nuclear, reporterPath: nil)
        #expect(first.nuclei == second.nuclei)
    }
}

@Suite struct TrainingDataTests {
    /// The published method's labels: the reporter, thresholded over the whole data set, must agree with the
    /// truth the synthetic images were drawn from.
    @Test func reporterLabelsAgreeWithGroundTruth() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = CampaignSettings(imageSize: 256, seed: 3, nucleiPerImage: 25, wellLimit: 8)
        _ = try SyntheticCampaign(settings: settings).generate(into: directory.path)
        let input = Architecture.defaultClassifier(inputSize: 32).input
        let byReporter = try TrainingData.collect(directories: [directory], labels: .reporter(channel: "w2", threshold: nil),
                                                  input: input)
        let byTruth = try TrainingData.collect(directories: [directory], labels: .truth, input: input)
        #expect(byReporter.count > 100)
        #expect(byReporter.reporterThreshold != nil)
        #expect(byTruth.count >= byReporter.count * 9 / 10)
        // Compare labels nucleus by nucleus where both exist: the truth skips unmatched nuclei, so align by crop.
        var agree = 0, compared = 0
        var truthIndex = 0
        let sample = input.channels * input.height * input.width
        for index in 0..<byReporter.count where truthIndex < byTruth.count {
            let crop = byReporter.crops[(index * sample)..<((index + 1) * sample)]
            let truthCrop = byTruth.crops[(truthIndex * sample)..<((truthIndex + 1) * sample)]
            guard crop.elementsEqual(truthCrop) else { continue }
            compared += 1
            if byReporter.labels[index] == byTruth.labels[truthIndex] { agree += 1 }
            truthIndex += 1
        }
        #expect(compared > 100)
        #expect(Double(agree) / Double(compared) > 0.9, "\(agree)/\(compared) agree")
    }
}

/// The segmentation defaults on the synthetic plates: every truth nucleus should be found once.
@Suite struct SegmentationAgainstSyntheticTruthTests {
    @Test(arguments: [Virus.hsv1, .hadv])
    func detectionF1IsAtLeast95Percent(virus: Virus) throws {
        let renderer = NucleusImageRenderer(settings: FieldSettings(width: 512, height: 512))
        var truePositives = 0, detections = 0, truths = 0
        for seed in UInt64(1)...4 {
            let field = renderer.render(infectionProbability: 0.5, virus: virus, seed: seed)
            let image = Image(width: field.width, height: field.height, pixels: field.nuclear.map(Float.init))
            let segmentation = try Segmenter(settings: SegmentationSettings()).segment(image)
            detections += segmentation.nuclei.count
            truths += field.nuclei.count
            // A detection is right when exactly one truth centre lies inside its mask.
            var matched = Set<Int32>()
            for nucleus in segmentation.nuclei {
                let x = Int(nucleus.centroidX.rounded()), y = Int(nucleus.centroidY.rounded())
                let truthLabel = field.labels[y * field.width + x]
                if truthLabel != 0, !matched.contains(truthLabel) {
                    matched.insert(truthLabel)
                    truePositives += 1
                }
            }
        }
        let precision = Double(truePositives) / Double(max(1, detections))
        let recall = Double(truePositives) / Double(max(1, truths))
        let f1 = 2 * precision * recall / max(1e-9, precision + recall)
        #expect(f1 >= 0.95, "\(virus): F1 \(f1) (precision \(precision), recall \(recall))")
    }
}
