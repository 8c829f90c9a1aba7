import ArgumentParser
import Campaigns
import Foundation

struct SlurmSubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm-submit",
        abstract: "Start workers for a campaign as a Slurm job array, sized from its remaining work.",
        discussion: """
            Counts the campaign's unfinished jobs, starts min(--workers, jobs / --cpus-per-task rounded up) \
            array tasks of ops/slurm/viroscope-worker.sbatch, each one worker with a thread per CPU that exits \
            when the queue is drained. The workers get SIGTERM --shutdown-grace-seconds + 60 s before --time \
            runs out. The database URL is not passed to sbatch: the script reads $VIROSCOPE_DATABASE_URL or \
            ~/.config/viroscope/database-url (mode 600). --dry-run prints the sbatch line without running it.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Campaign name whose remaining work sizes the array.")
    var campaign: String

    @Option(help: "Most worker processes (array tasks) to start.")
    var workers: Int

    @Option(help: "CPUs per worker, which become its --concurrency (SLURM_CPUS_PER_TASK).")
    var cpusPerTask = 4

    @Option(help: "Slurm partition.")
    var partition: String?

    @Option(help: "Slurm account to charge.")
    var account: String?

    @Option(help: "Time limit per worker in Slurm's notation (minutes, HH:MM:SS, D-HH:MM, ...).")
    var time = "04:00:00"

    @Option(help: "Seconds a stopped worker may finish its jobs before releasing them.")
    var shutdownGraceSeconds = 540

    @Option(help: "The sbatch script, as a path readable where sbatch runs.")
    var script = "ops/slurm/viroscope-worker.sbatch"

    @Flag(help: "Print the sbatch line, do not run it.")
    var dryRun = false

    /// Checked before connecting, so that a typo costs no database round trip.
    func validate() throws {
        do {
            _ = try SlurmSubmission(campaign: campaign, arrayTasks: workers, cpusPerTask: cpusPerTask, timeLimit: time,
                                    partition: partition, account: account, shutdownGraceSeconds: shutdownGraceSeconds,
                                    script: script)
        } catch let problem as SlurmSubmission.Problem {
            throw ValidationError(problem.description)
        }
        for (flag, value) in [("--partition", partition), ("--account", account)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "," }) {
                throw ValidationError("\(flag) \"\(value)\" is not a Slurm \(flag.dropFirst(2)) name")
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: script, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError("--script \(script) is not a file (run from the Viroscope checkout or give its path)")
        }
    }

    func run() throws {
        var remaining = 0
        try database.withConnection("slurm-submit") { connection in
            let progress = try CampaignProgress.load(campaign: campaign, on: connection)
            remaining = ["available", "retryable", "running"].reduce(0) { $0 + (progress.jobsByState[$1] ?? 0) }
        }
        guard let tasks = SlurmSubmission.arraySize(remainingJobs: remaining, workers: workers, cpusPerTask: cpusPerTask)
        else {
            print("campaign \(campaign) has no unfinished jobs; nothing to submit")
            return
        }
        let submission = try SlurmSubmission(campaign: campaign, arrayTasks: tasks, cpusPerTask: cpusPerTask,
                                             timeLimit: time, partition: partition, account: account,
                                             shutdownGraceSeconds: shutdownGraceSeconds, script: script)
        let note = tasks < workers ? " (capped from \(workers): no more workers than threads to fill)" : ""
        print("campaign \(campaign): \(remaining) unfinished jobs -> \(tasks) workers x \(cpusPerTask) CPUs\(note)")
        print(submission.commandLine)
        if dryRun { return }
        // sbatch writes straight to the terminal or pipe: ours first, in order.
        fflush(nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = submission.arguments
        do {
            try process.run()
        } catch {
            fail("could not start sbatch: \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            fail(process.terminationStatus == 127 ? "sbatch not found on PATH: run this on a Slurm login node, or use --dry-run"
                                                  : "sbatch exited with status \(process.terminationStatus)")
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("viroscope-coordinator slurm-submit: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
