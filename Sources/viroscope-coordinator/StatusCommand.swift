import ArgumentParser
import Foundation
import Campaigns
import CommandLineSupport
import JobQueue

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Jobs by state, live workers, throughput, oldest waiting job, recent dead letters.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "A worker is live if it heartbeated within this many seconds (match the workers' --lease).")
    var liveWithin = 60.0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Show one campaign's progress: image sets done of total, nuclei, rate, ETA, failures with their files.")
    var campaign: String?

    @Option(help: "With --campaign: a target time (e.g. 1h, 45m, 2d); shows the rate per worker and how many workers would finish the rest in it.")
    var finishIn: String?

    func validate() throws {
        try NumericFlag.check(liveWithin, "--live-within", in: 0.001...604_800, unit: "seconds")
        guard let finishIn else { return }
        guard campaign != nil else { throw ValidationError("--finish-in needs --campaign") }
        guard CampaignSizing.seconds(duration: finishIn) != nil else {
            throw ValidationError("--finish-in \"\(finishIn)\" is not a duration such as 90s, 45m, 1h or 2d")
        }
    }

    func run() throws {
        try database.withConnection("status") { connection in
            if let campaign {
                let progress = try CampaignProgress.load(campaign: campaign, on: connection)
                let workers = try QueueStatus.fetch(liveWithin: .milliseconds(Int64(liveWithin * 1000)), on: connection)
                    .liveWorkers
                let live = workers.count
                let sizing = finishIn.flatMap(CampaignSizing.seconds(duration:)).map {
                    CampaignSizing(progress: progress, liveWorkers: live,
                                   liveThreads: workers.reduce(0) { $0 + $1.concurrency }, targetSeconds: $0)
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    if let sizing {
                        print(String(decoding: try encoder.encode(SizedProgress(progress: progress, sizing: sizing)),
                                     as: UTF8.self))
                    } else {
                        print(String(decoding: try encoder.encode(progress), as: UTF8.self))
                    }
                } else {
                    print(CampaignProgressView(progress: progress, liveWorkers: live).render(
                        colour: isatty(STDOUT_FILENO) == 1))
                    if let sizing, let finishIn { print(CampaignSizingView(sizing: sizing, target: finishIn).render()) }
                }
                try reportInconsistency(campaignID: progress.campaignID, name: campaign, on: connection)
                return
            }
            let status = try QueueStatus.fetch(liveWithin: .milliseconds(Int64(liveWithin * 1000)), on: connection)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
                return
            }
            print("database   \(connection.target)")
            print("jobs       " + JobState.allCases.map { "\($0.rawValue) \(status.jobsByState[$0.rawValue] ?? 0)" }
                .joined(separator: "  "))
            print("workers    \(status.liveWorkers.count) live"
                  + status.liveWorkers.map { " [\($0.id) \($0.host) pid \($0.pid) x\($0.concurrency)]" }.joined())
            if let leader = status.maintenanceLeader { print("leader     worker \(leader) runs rescue, retention and queue-depth sampling") }
            print("throughput \(status.succeededLastMinute) jobs succeeded in the last minute")
            print("oldest     " + (status.oldestAvailableSeconds.map { String(format: "%.1f s waiting", $0) } ?? "no job waiting"))
            if !status.pausedQueues.isEmpty { print("paused     \(status.pausedQueues.joined(separator: ", "))") }
            for job in status.recentDiscarded {
                print("discarded  job \(job.id) \(job.kind)\(job.campaignID.map { " campaign \($0)" } ?? "") "
                      + "after \(job.attempt) attempts: \(job.lastError ?? "no error recorded")")
            }
        }
    }
}
