import Foundation
import Analysis
import Imaging
import Screening

/// Finds a campaign's reporter threshold once, at submission, from its own control wells: negative controls
/// show the uninfected reporter level and positive controls the infected one, so Otsu's threshold on their
/// pooled per-nucleus reporter means separates the two for every image of the campaign alike.
public enum ReporterThresholdCalibration {
    public struct Result: Sendable, Equatable {
        public var threshold: Float
        public var nuclei: Int
        public var imageSets: Int
        /// False when the plate map marks no control wells and the threshold was found on sample wells instead:
        /// callers must say so rather than call them control image sets.
        public var fromControls: Bool = true
    }

    /// - Returns: nil when the campaign has no reporter channel or too few nuclei to calibrate on.
    public static func calibrate(_ plan: CampaignPlan, segmentation: SegmentationSettings, perControl: Int = 6)
        throws -> Result?
    {
        guard let reporter = plan.channels.reporter else { return nil }
        let wells = plan.plates.flatMap(\.wells)
        var chosen: [ImageSet] = []
        for kind in [ControlKind.negative, .positive] {
            let sets = wells.filter { $0.condition?.control == kind }.flatMap(\.imageSets)
            chosen += spread(sets, count: perControl)
        }
        let fromControls = !chosen.isEmpty
        if chosen.isEmpty { chosen = spread(wells.flatMap(\.imageSets), count: 2 * perControl) }
        let segmenter = try Segmenter(settings: segmentation)
        let root = URL(fileURLWithPath: plan.imageRoot)
        var means: [Float] = []
        var used = 0
        for set in chosen {
            guard let nuclearPath = set.channels[plan.channels.nuclear], let reporterPath = set.channels[reporter]
            else { continue }
            let nuclear = try TIFFReader.read(path: nuclearPath, under: root.path)
            let reporterImage = try TIFFReader.read(path: reporterPath, under: root.path)
            let segmented = segmenter.segment(nuclear)
            means += try Segmenter.measure(channel: reporterImage, in: segmented).map { Float($0.mean) }
            used += 1
        }
        guard means.count >= 20, let threshold = ReporterCalibration.threshold(means: means) else { return nil }
        return Result(threshold: threshold, nuclei: means.count, imageSets: used, fromControls: fromControls)
    }

    private static func spread(_ sets: [ImageSet], count: Int) -> [ImageSet] {
        guard sets.count > count else { return sets }
        let step = Double(sets.count) / Double(count)
        return (0..<count).map { sets[Int(Double($0) * step)] }
    }
}
