import ArgumentParser
import Foundation
import Campaigns
import CommandLineSupport
import JobQueue

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run again what a campaign is missing, or requeue every discarded job.",
        discussion: """
            With --campaign: the campaign's discarded and cancelled jobs are requeued, and new jobs are enqueued \
            for image sets that have no result and are in no waiting or running job (for instance after their \
            jobs were cleaned away). With --errors, image sets recorded with an error are analysed again too.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Campaign (name or id) to complete: requeue its discarded and cancelled jobs, enqueue what is missing.") var campaign: String?
    @Flag(help: "With --campaign: also analyse again the image sets recorded with an error.") var errors = false
    @Option(help: "With --campaign: image sets per new job.") var batchSize = 4
    @Flag(help: "Requeue every discarded job.") var discarded = false

    func validate() throws {
        guard (campaign != nil) != discarded else { throw ValidationError("give exactly one of --campaign ID or --discarded") }
        guard !errors || campaign != nil else { throw ValidationError("--errors needs --campaign") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try database.withConnection("retry") { connection in
            if let campaign {
                let result = try connection.transaction { connection in
                    let id = try CampaignLookup.id(for: campaign, on: connection)
                    try CampaignLookup.setCancelled(false, campaignID: id, on: connection)
                    return try CampaignRecovery.recover(campaignID: id, includeErrors: errors, batchSize: batchSize,
                                                        on: connection)
                }
                print("requeued \(result.requeuedJobs) jobs; enqueued \(result.newJobs) new jobs for "
                      + "\(result.newImageSets) image sets without results"
                      + (errors ? "; cleared \(result.clearedErrors) error results" : ""))
            } else {
                print("requeued \(try CampaignControl.retryDiscarded(on: connection)) jobs")
            }
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a campaign's unfinished jobs (running ones cannot commit results).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Campaign to cancel (name or id).") var campaign: String

    func run() throws {
        try database.withConnection("cancel") { connection in
            let count = try connection.transaction { connection in
                let id = try CampaignLookup.id(for: campaign, on: connection)
                try CampaignLookup.setCancelled(true, campaignID: id, on: connection)
                return try CampaignControl.cancel(campaignID: id, on: connection)
            }
            print("cancelled \(count) jobs of campaign \(CampaignName.printable(campaign))")
        }
    }
}

struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop claims from a queue.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Queue to pause.") var queue = "default"

    func run() throws {
        try database.withConnection("pause") { connection in
            try Pause.pause(queue: queue, on: connection)
            print("paused queue \(queue)")
        }
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume claims from a paused queue.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Queue to resume.") var queue = "default"

    func run() throws {
        try database.withConnection("resume") { connection in
            try Pause.resume(queue: queue, on: connection)
            print("resumed queue \(queue)")
        }
    }
}

struct RescueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescue", abstract: "Return running jobs whose lease expired to the queue now (workers also do this).")
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try database.withConnection("rescue") { connection in
            let report = try Rescuer.rescue(on: connection)
            print("rescued \(report.retried.count) jobs for retry, discarded \(report.discarded.count) out of attempts")
        }
    }
}

struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Delete succeeded and cancelled jobs finished more than --older-than hours ago.",
        discussion: """
            Never deletes the jobs of a campaign that still has a job not succeeded (cancelled, discarded, \
            waiting): it may still be retried. Workers apply the same policy on their own (the maintenance \
            leader, --retention, 7 days by default).
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Age in hours (0 to 87600; 0 deletes every finished job).") var olderThan = 24.0

    func validate() throws {
        try NumericFlag.check(olderThan, "--older-than", in: 0...87_600, unit: "hours")
    }

    func run() throws {
        try database.withConnection("clean") { connection in
            let deleted = try Cleaner.clean(olderThan: .seconds(Int64(olderThan * 3600)), on: connection)
            print("deleted \(deleted) finished jobs")
        }
    }
}

struct EnqueueProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue-probe", abstract: "Diagnostic: enqueue probe jobs that prove exactly-once effects.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "How many probe jobs.") var count = 10
    @Option(help: "Each probe fails this many times before succeeding.") var failTimes = 0
    @Option(help: "Each probe sleeps this long (milliseconds).") var sleepMs = 0
    @Option(help: "Attempts before a probe is discarded.") var maxAttempts = 5
    @Option(help: "Campaign id to tag the probes with.") var campaign: Int64?
    @Option(help: "Queue to put them on.") var queue = "default"

    func validate() throws {
        try NumericFlag.check(count, "--count", in: 1...1_000_000)
        try NumericFlag.check(failTimes, "--fail-times", in: 0...1000)
        try NumericFlag.check(sleepMs, "--sleep-ms", in: 0...3_600_000)
        try NumericFlag.check(maxAttempts, "--max-attempts", in: 1...1000)
    }

    func run() throws {
        try database.withConnection("enqueue-probe") { connection in
            let payload = "{\"sleep_ms\": \(sleepMs), \"fail_times\": \(failTimes)}"
            let job = NewJob(kind: "probe", payload: payload, queue: queue, campaignID: campaign, maxAttempts: maxAttempts)
            let ids = try connection.transaction { try Enqueue.enqueue(Array(repeating: job, count: count), on: $0) }
            print("enqueued \(ids.count) probe jobs (ids \(ids.first ?? 0)…\(ids.last ?? 0))")
        }
    }
}
