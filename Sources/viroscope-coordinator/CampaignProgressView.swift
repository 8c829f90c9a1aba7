import Analysis
import Campaigns
import Foundation

/// The human view of a campaign's progress: a bar, counts, rate and ETA, then what failed and where.
struct CampaignProgressView {
    let progress: CampaignProgress
    let liveWorkers: Int

    func render(colour: Bool) -> String {
        let p = progress
        let width = 40
        let filled = Int((p.fractionDone * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var lines: [String] = []
        lines.append("campaign   \(p.name) (id \(p.campaignID), model \(p.modelSHA256.prefix(12)))"
                     + (p.state == "cancelled" ? " CANCELLED" : ""))
        lines.append("progress   \(bar) \(String(format: "%5.1f%%", 100 * p.fractionDone))  "
                     + "\(p.imageSetsDone)/\(p.imageSets) image sets" + (p.complete ? "  complete" : ""))
        let rate = p.nuclei > 0 ? String(format: "%.1f%%", 100 * Double(p.infected) / Double(p.nuclei)) : "–"
        lines.append("nuclei     \(p.nuclei) analysed, \(p.infected) infected (\(rate))")
        let speed = String(format: "%.2f image sets/s", Double(p.imageSetsLastMinute) / 60)
        let eta = p.complete ? "done" : (p.etaSeconds.map { "ETA " + CampaignProgressView.duration($0) } ?? "ETA unknown (nothing finished in the last minute)")
        lines.append("rate       \(speed) over the last minute; \(eta)")
        lines.append("workers    \(liveWorkers) live")
        if let domain = p.domainCheck {
            let line = "model      " + domain.summary
            let warn = domain.status == .outOfDomain || domain.status == .nearEdge
            lines.append(colour && warn ? "\u{1B}[31m\(line)\u{1B}[0m" : line)
        }
        lines.append("jobs       " + ["available", "running", "retryable", "succeeded", "discarded", "cancelled"]
            .map { "\($0) \(p.jobsByState[$0] ?? 0)" }.joined(separator: "  "))
        if p.imageSetErrors > 0 {
            let header = "failures   \(p.imageSetErrors) image set(s) could not be analysed:"
            lines.append(colour ? "\u{1B}[31m\(header)\u{1B}[0m" : header)
            for failure in p.failures {
                lines.append("  \(failure.plate) \(failure.well) s\(failure.site): \(failure.error)")
            }
        }
        for job in p.discardedJobs { lines.append("discarded  \(job)") }
        if !p.discardedImageSets.isEmpty {
            lines.append("stranded   image sets without a result whose job was discarded (retry --campaign runs them):")
            for set in p.discardedImageSets {
                lines.append("  \(set.plate) \(set.well) s\(set.site): \(set.error)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        if total >= 60 { return "\(total / 60)m \(total % 60)s" }
        return "\(total)s"
    }
}
