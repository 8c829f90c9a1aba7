import Foundation
import Analysis
import Imaging
import Postgres
import Screening

/// The model-domain check of a campaign at submission: sample its control wells, segment them as the workers
/// will, and compare the nuclei with the model's `domain.json` (see `DomainCheck`).
public enum CampaignDomainCheck {
    /// Samples up to `perControl` image sets of negative and of positive control wells (any wells when the plate
    /// map names no controls) and returns the verdict; `.unchecked` when the model has no domain statistics.
    /// `imageScale` resamples the sampled images first, as the workers will when the campaign is scale-normalised.
    public static func check(_ plan: CampaignPlan, domain: ModelDomain?, segmentation: SegmentationSettings,
                             imageScale: Double? = nil, perControl: Int = 6) throws -> DomainVerdict {
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
        return DomainCheck.compare(sample, with: domain)
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
