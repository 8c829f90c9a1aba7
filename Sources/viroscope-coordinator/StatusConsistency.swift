import Campaigns
import Foundation
import Postgres

extension StatusCommand {
    /// The consistency check of `status --campaign`: succeeded jobs that did not write their results would
    /// otherwise leave the campaign short forever with nothing in the view saying why. Printed after the view
    /// (to stderr with `--json`, so the JSON stays one document).
    func reportInconsistency(campaignID: Int64, name: String, on connection: Connection) throws {
        let report = try CampaignConsistency.check(campaignID: campaignID, on: connection)
        guard !report.isConsistent else { return }
        let more = report.jobs > report.jobIDs.count ? ", …" : ""
        let line = "INCONSISTENT: \(report.jobs) succeeded jobs have no results for \(report.imageSets) image sets "
            + "(jobs \(report.jobIDs.map(String.init).joined(separator: ", "))\(more)); "
            + "run: viroscope-coordinator repair --campaign \(CampaignName.printable(name))"
        if json {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }
}
