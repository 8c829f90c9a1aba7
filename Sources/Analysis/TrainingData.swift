import Foundation
import Imaging
import NeuralNet
import Screening

/// Where a nucleus's infected/uninfected label comes from.
public enum LabelSource: Sendable, Equatable {
    /// The virus reporter (GFP) measured inside each nucleus mask, thresholded at `threshold` or, when nil, at
    /// Otsu's threshold over all nuclei of the data set — as the published method labelled its training data.
    case reporter(channel: String, threshold: Float?)
    /// Ground-truth sidecar files of a synthetic campaign: `truth/<PLATE>_<WELL>_s<SITE>.csv` beside the plates.
    case truth
}

/// Nucleus crops with labels, ready for `Trainer` or for evaluating a model.
public struct LabelledCrops: Sendable {
    public var input: InputSpec
    /// `count × channels × size × size` values.
    public var crops: [Float]
    public var labels: [Int]
    /// Which image set each crop came from (index into `imageSets`), so splits can keep images apart.
    public var origins: [Int]
    public var imageSets: [String]
    /// The reporter threshold used, when labels came from the reporter.
    public var reporterThreshold: Float?
    /// Nuclei that could not be labelled (no truth centroid close enough).
    public var unlabelled: Int
    /// Size and texture of every segmented nucleus, labelled or not: the model's `domain.json`.
    public var domain = DomainSample()

    public var count: Int { labels.count }
    public var infected: Int { labels.reduce(0, +) }
}

/// Collects labelled crops from image directories (ImageXpress-style names, as `viroscope synth` writes).
public enum TrainingData {
    public static func collect(
        directories: [URL], nuclearChannel: String = "w1", labels source: LabelSource, input: InputSpec,
        segmentation: SegmentationSettings = SegmentationSettings(), maxImageSets: Int? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> LabelledCrops {
        let crops = try ModelCrops(input: input)
        let segmenter = try Segmenter(settings: segmentation)
        let jobs = try imageSets(directories: directories, nuclearChannel: nuclearChannel, maxImageSets: maxImageSets)
        var result = LabelledCrops(input: input, crops: [], labels: [], origins: [], imageSets: [],
                                   reporterThreshold: nil, unlabelled: 0)
        var reporterMeans: [Float] = []
        for (index, job) in jobs.enumerated() {
            let nuclearPath = job.root.appendingPathComponent(job.set.channels[nuclearChannel] ?? "").path
            let image: Image
            do { image = try TIFFReader.read(path: nuclearPath) } catch {
                throw AnalysisError(file: nuclearPath, reason: "\(error)")
            }
            let segmented = segmenter.segment(image)
            result.domain.add(segmented)
            guard segmented.count > 0 else { progress?(index + 1, jobs.count); continue }
            let batch = try crops.extract(image: image, segmentation: segmented, file: nuclearPath)
            let sample = batch.channels * batch.size * batch.size
            var keep: [Int?]
            switch source {
            case .truth:
                let truth = try TruthFile.load(root: job.root, set: job.set)
                keep = segmented.nuclei.map { truth.label(nearX: $0.centroidX, y: $0.centroidY) }
            case let .reporter(channel, _):
                guard let reporterRelative = job.set.channels[channel] else {
                    throw AnalysisError(file: nuclearPath, reason: "no reporter channel \(channel) for \(job.set)")
                }
                let reporterPath = job.root.appendingPathComponent(reporterRelative).path
                let reporter: Image
                do { reporter = try TIFFReader.read(path: reporterPath) } catch {
                    throw AnalysisError(file: reporterPath, reason: "\(error)")
                }
                let means = try Segmenter.measure(channel: reporter, in: segmented).map { Float($0.mean) }
                reporterMeans += means
                keep = means.map { _ in 0 }  // placeholder labels until the data set's threshold is known
            }
            let setIndex = result.imageSets.count
            result.imageSets.append("\(job.root.lastPathComponent)/\(job.set)")
            for (nucleus, label) in keep.enumerated() {
                guard let label else { result.unlabelled += 1; continue }
                result.crops += batch.values[(nucleus * sample)..<((nucleus + 1) * sample)]
                result.labels.append(label)
                result.origins.append(setIndex)
            }
            progress?(index + 1, jobs.count)
        }
        if case let .reporter(_, given) = source {
            guard let threshold = given ?? ReporterCalibration.threshold(means: reporterMeans) else {
                throw AnalysisError(file: directories.map(\.path).joined(separator: ", "),
                                    reason: "reporter intensities do not separate into two groups; give a threshold")
            }
            result.reporterThreshold = threshold
            result.labels = ReporterCalibration.labels(means: reporterMeans, threshold: threshold)
        }
        return result
    }
}

extension TrainingData {
    /// True when any of the directories has a `truth/` folder beside its plates (a synthetic campaign), so
    /// `--labels truth` can work there.
    public static func hasTruth(directories: [URL]) -> Bool {
        directories.contains { directory in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent("truth").path,
                                                  isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Segments the nuclear channel of every image set (at most `maxImageSets`, spread over the data) and
    /// gathers the size and texture of the nuclei, without labels: a model's `domain.json` for data it was
    /// trained on elsewhere (an imported model, or a model trained before models carried one).
    public static func sampleDomain(
        directories: [URL], nuclearChannel: String = "w1", segmentation: SegmentationSettings = SegmentationSettings(),
        maxImageSets: Int? = nil, progress: ((Int, Int) -> Void)? = nil
    ) throws -> DomainSample {
        let segmenter = try Segmenter(settings: segmentation)
        let jobs = try imageSets(directories: directories, nuclearChannel: nuclearChannel, maxImageSets: maxImageSets)
        var sample = DomainSample()
        for (index, job) in jobs.enumerated() {
            let path = job.root.appendingPathComponent(job.set.channels[nuclearChannel] ?? "").path
            do { sample.add(segmenter.segment(try TIFFReader.read(path: path))) } catch {
                throw AnalysisError(file: path, reason: "\(error)")
            }
            progress?(index + 1, jobs.count)
        }
        return sample
    }

    /// The image sets with a nuclear channel in every directory, thinned evenly to `maxImageSets`.
    static func imageSets(directories: [URL], nuclearChannel: String, maxImageSets: Int?) throws
        -> [(root: URL, set: ImageSet)]
    {
        var jobs: [(root: URL, set: ImageSet)] = []
        for directory in directories {
            let scan = try ImageDirectoryScanner.scan(root: directory, scheme: .imageXpress)
            let sets = ImageSet.group(scan.files).sets.filter { $0.channels[nuclearChannel] != nil }
            jobs += sets.map { (directory, $0) }
        }
        if let maxImageSets, jobs.count > maxImageSets {
            let step = Double(jobs.count) / Double(maxImageSets)
            jobs = (0..<maxImageSets).map { jobs[Int(Double($0) * step)] }
        }
        return jobs
    }
}

/// The per-nucleus truth of one synthetic image set.
struct TruthFile {
    struct Nucleus { let x: Double; let y: Double; let radius: Double; let infected: Int }
    let nuclei: [Nucleus]

    /// The label of the truth nucleus whose centre is nearest (within its minor radius, at least 4 px).
    func label(nearX x: Double, y: Double) -> Int? {
        var best: (Double, Int)?
        for nucleus in nuclei {
            let d = ((nucleus.x - x) * (nucleus.x - x) + (nucleus.y - y) * (nucleus.y - y)).squareRoot()
            if d <= max(4, nucleus.radius), best.map({ d < $0.0 }) ?? true { best = (d, nucleus.infected) }
        }
        return best?.1
    }

    static func load(root: URL, set: ImageSet) throws -> TruthFile {
        let name = "\(set.plate)_\(set.well)_s\(set.site).csv"
        let path = root.appendingPathComponent("truth").appendingPathComponent(name).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AnalysisError(file: path, reason: "no ground-truth file (labels 'truth' need a synthetic campaign)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw AnalysisError(file: path, reason: "empty truth file") }
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        guard let xi = header.firstIndex(of: "x"), let yi = header.firstIndex(of: "y"),
              let ri = header.firstIndex(of: "radius_minor"), let ii = header.firstIndex(of: "infected") else {
            throw AnalysisError(file: path, reason: "truth header lacks x, y, radius_minor or infected")
        }
        var nuclei: [Nucleus] = []
        for (offset, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, let x = Double(cells[xi]), let y = Double(cells[yi]),
                  let r = Double(cells[ri]), let infected = Int(cells[ii]) else {
                throw AnalysisError(file: path, reason: "row \(offset + 2) is malformed")
            }
            nuclei.append(Nucleus(x: x, y: y, radius: r, infected: infected))
        }
        return TruthFile(nuclei: nuclei)
    }
}
