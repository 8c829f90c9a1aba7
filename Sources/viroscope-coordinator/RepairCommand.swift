import ArgumentParser
import Campaigns
import CommandLineSupport

/// `repair --campaign`: enqueues the image sets whose jobs are marked succeeded without having written their
/// results (see `CampaignConsistency`), which `status --campaign` reports.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Analyse again the image sets of jobs marked succeeded without their results.",
        discussion: """
            A job commits its results together with its success, so a succeeded job without them was marked from \
            outside (status --campaign reports it). Repair enqueues new jobs for those image sets only; image sets \
            already in a waiting or running job are left to it, so running it twice is harmless. It does not touch \
            discarded or cancelled jobs: that is `retry --campaign`.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Campaign (name or id) to repair.") var campaign: String
    @Option(help: "Image sets per new job.") var batchSize = 4
    @Flag(help: "Only report what is missing; enqueue nothing.") var dryRun = false

    func validate() throws {
        try NumericFlag.check(batchSize, "--batch-size", in: 1...10_000)
    }

    func run() throws {
        try database.withConnection("repair") { connection in
            let name = CampaignName.printable(campaign)
            if dryRun {
                let id = try CampaignLookup.id(for: campaign, on: connection)
                let report = try CampaignConsistency.check(campaignID: id, on: connection)
                print("campaign \(name): \(report.jobs) succeeded jobs without results for \(report.imageSets) image sets "
                      + "(dry run: nothing enqueued)")
                return
            }
            let repair = try connection.transaction { connection in
                let id = try CampaignLookup.id(for: campaign, on: connection)
                return try CampaignConsistency.repair(campaignID: id, batchSize: batchSize, on: connection)
            }
            print("campaign \(name): enqueued \(repair.newJobs) jobs for \(repair.imageSets) image sets "
                  + "whose jobs succeeded without results")
        }
    }
}
