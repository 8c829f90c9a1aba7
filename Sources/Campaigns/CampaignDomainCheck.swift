import Foundation
import Analysis
import Imaging
import NeuralNet
import Postgres
import Screening

/// The model-domain check of a campaign at submission: sample its control wells, segment them as the workers
/// will, and compare the nuclei with the model's `domain.json` (see `DomainCheck`).
public enum CampaignDomainCheck {
    /// Samples up to `perControl` image sets of negative and of positive control wells (any wells when the plate
    /// map names no controls) and returns the verdict; `.unchecked` when the model has no domain statistics.
    /// `imageScale` resamples the sampled images first, as the workers will when the campaign is scale-normalised.
    /// With `calls`, the negative controls are also classified: a model that calls many of them infected is out
    /// of its domain whatever the nuclei's size and texture.
    public static func check(_ plan: CampaignPlan, domain: ModelDomain?, segmentation: SegmentationSettings,
                             imageScale: Double? = nil, calls: Calls? = nil, perControl: Int = 6) throws -> DomainVerdict {
        guard let domain else {
            return DomainVerdict(status: .unchecked, reasons: ["the model has no domain.json (training-data statistics)"])
        }
        let wells = plan.plates.flatMap(\.wells)
        var chosen: [ImageSet] = []
        for kind in [ControlKind.negative, .positive] {
            chosen += spread(wells.filter { $0.condition?.control == kind }.flatMap(\.imageSets), count: perControl)
        }
        if chosen.isEmpty { chosen = spread(wells.flatMap(\.imageSets), count: 2 * perControl) }
        let segmenter = try Segmenter(settings: segmentation)
        var sample = DomainSample()
        var unreadable: [String] = []
        for set in chosen {
            guard let relative = set.channels[plan.channels.nuclear] else { continue }
            // An image that cannot be read (over the pixel budget, truncated) is that image set's error, reported
            // by submit's header check and recorded by the worker; the domain is judged on the others.
            do {
                let image = try TIFFReader.read(path: relative, under: plan.imageRoot)
                sample.add(segmenter.segment(ImageRescaling.resample(image, by: imageScale ?? 1)))
            } catch {
                unreadable.append(relative)
            }
        }
        if !unreadable.isEmpty, unreadable.count == chosen.count {
            return DomainVerdict(status: .unchecked,
                                 reasons: ["none of the \(chosen.count) sampled images could be read (first: \(unreadable[0]))"])
        }
        var verdict = DomainCheck.compare(sample, with: domain)
        if let calls, verdict.status != .outOfDomain {
            let negatives = spread(wells.filter { $0.condition?.control == .negative }.flatMap(\.imageSets), count: perControl)
            if let called = try negativeControlCalls(negatives, plan: plan, model: calls.model, settings: calls.settings),
               called.nuclei >= minimumNegativeNuclei {
                let fraction = Double(called.infected) / Double(called.nuclei)
                if fraction >= maximumNegativeInfectedFraction {
                    verdict.status = .outOfDomain
                    verdict.reasons.append(String(
                        format: "the model calls %.0f%% of %d negative-control nuclei infected (uninfected cells are "
                            + "not recognised in these images)", fraction * 100, called.nuclei))
                }
            }
        }
        return verdict
    }

    /// Nuclei shapes and textures can match the training data while the model still fails on the images (another
    /// stain, camera or generator): its calls on the negative controls, which should be almost all uninfected,
    /// are the direct test. The same limit the report uses for "model miscalibrated".
    public static let maximumNegativeInfectedFraction = 0.25
    /// Fewer negative-control nuclei than this say too little to refuse a campaign. At 20 nuclei, a model with a
    /// 5 % false-positive rate reaches the 25 % limit by chance with probability about 0.3 %.
    static let minimumNegativeNuclei = 20

    /// What to classify the negative controls with, when the check should also look at the model's calls.
    public struct Calls: Sendable {
        public var model: Model
        public var settings: AnalysisSettings
        public init(model: Model, settings: AnalysisSettings) {
            self.model = model
            self.settings = settings
        }
    }

    /// Classifies the sampled negative-control image sets as the workers will; nil when there are none or none
    /// could be read.
    private static func negativeControlCalls(_ sets: [ImageSet], plan: CampaignPlan, model: Model,
                                             settings: AnalysisSettings) throws -> (nuclei: Int, infected: Int)? {
        guard !sets.isEmpty else { return nil }
        let analyzer = try ImageSetAnalyzer(model: model, settings: settings)
        analyzer.imageRoot = plan.imageRoot
        var nuclei = 0, infected = 0, analysed = 0
        for set in sets {
            guard let relative = set.channels[plan.channels.nuclear],
                  let analysis = try? analyzer.analyse(nuclearPath: relative, reporterPath: nil) else { continue }
            analysed += 1
            nuclei += analysis.nuclei.count
            infected += analysis.nuclei.filter { $0.pInfected >= settings.infectionThreshold }.count
        }
        return analysed == 0 ? nil : (nuclei, infected)
    }

    /// Records the verdict with the campaign (inside the submission's transaction).
    static func record(_ verdict: DomainVerdict, campaignID: Int64, on connection: Connection) throws {
        try connection.execute(DomainCheckSQL.record, [campaignID, try CampaignSubmitter.jsonText(verdict)])
    }

    /// The verdict stored with a campaign; nil for campaigns submitted before the check existed.
    public static func load(campaignID: Int64, on connection: Connection) throws -> DomainVerdict? {
        guard let row = try connection.query(DomainCheckSQL.load, [campaignID]).first,
              let text = try row.optionalString("domain_check") else { return nil }
        return try JSONDecoder().decode(DomainVerdict.self, from: Data(text.utf8))
    }

    private static func spread(_ sets: [ImageSet], count: Int) -> [ImageSet] {
        guard sets.count > count else { return sets }
        let step = Double(sets.count) / Double(count)
        return (0..<count).map { sets[Int(Double($0) * step)] }
    }
}

enum DomainCheckSQL {
    static let record = "UPDATE campaigns SET domain_check = $2::jsonb WHERE id = $1"
    static let load = "SELECT domain_check::text AS domain_check FROM campaigns WHERE id = $1"
}
