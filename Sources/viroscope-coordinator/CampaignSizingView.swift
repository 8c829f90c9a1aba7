import Campaigns
import Foundation

/// `status --campaign --json --finish-in`: the progress object with a `sizing` object added, so readers of
/// the plain progress JSON keep working.
struct SizedProgress: Encodable {
    let progress: CampaignProgress
    let sizing: CampaignSizing

    private enum Key: String, CodingKey { case sizing }

    func encode(to encoder: Encoder) throws {
        try progress.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(sizing, forKey: .sizing)
    }
}

/// The lines `status --campaign --finish-in` adds under the progress.
struct CampaignSizingView {
    let sizing: CampaignSizing
    let target: String

    func render() -> String {
        let s = sizing
        let perWorker = s.imageSetsPerSecondPerWorker.map { String(format: "%.3f image sets/s per worker", $0) }
            ?? "unknown (no worker finished an image set of this campaign in the last minute)"
        let needed: String
        switch s.workersNeeded {
        case 0?: needed = "none: nothing remains"
        case let n?: needed = "\(n) workers finish the \(s.remainingImageSets) remaining image sets within \(target)"
            + " (\(s.liveWorkers) live now, \(s.liveThreads) threads)"
        case nil: needed = "unknown until workers have run for a minute; start a few and ask again"
        }
        return "per worker \(perWorker)\nsizing     \(needed)"
    }
}
