import Foundation

/// How many workers would finish a campaign in a target time, from the rate measured over the last minute:
/// what `viroscope-coordinator status --campaign NAME --finish-in 1h` shows, and what a Slurm array or an
/// autoscaler can be given.
///
/// The rate per worker is the campaign's image sets per second divided by the live workers; a worker busy
/// with another campaign lowers it, so the answer errs towards more workers, never fewer.
public struct CampaignSizing: Sendable, Codable, Equatable {
    public var liveWorkers: Int
    /// Claiming threads across the live workers.
    public var liveThreads: Int
    public var remainingImageSets: Int
    /// Image sets per second over the last minute, all workers together.
    public var imageSetsPerSecond: Double
    /// Nil when no worker is live or nothing finished in the last minute: there is nothing to measure.
    public var imageSetsPerSecondPerWorker: Double?
    public var targetSeconds: Double
    /// Workers needed to finish the remaining image sets within the target time at the measured rate; 0 when
    /// nothing remains, nil when the rate is unknown.
    public var workersNeeded: Int?

    public init(progress: CampaignProgress, liveWorkers: Int, liveThreads: Int, targetSeconds: Double) {
        self.liveWorkers = liveWorkers
        self.liveThreads = liveThreads
        remainingImageSets = max(0, progress.imageSets - progress.imageSetsDone)
        imageSetsPerSecond = Double(progress.imageSetsLastMinute) / 60
        imageSetsPerSecondPerWorker = liveWorkers > 0 && progress.imageSetsLastMinute > 0
            ? imageSetsPerSecond / Double(liveWorkers) : nil
        self.targetSeconds = targetSeconds
        if remainingImageSets == 0 {
            workersNeeded = 0
        } else if let perWorker = imageSetsPerSecondPerWorker {
            workersNeeded = Int((Double(remainingImageSets) / (perWorker * targetSeconds)).rounded(.up))
        } else {
            workersNeeded = nil
        }
    }

    /// A target time such as `90s`, `45m`, `1h`, `1.5h` or `2d`, in seconds; nil if unreadable or not positive.
    public static func seconds(duration text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "5ms" must not read as minutes with a trailing "s": only digits and one dot may precede the unit.
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let value = Double(number), value > 0, value.isFinite
            else { continue }
            return value * scale
        }
        return nil
    }
}
