import Foundation

/// A worker job array for Slurm, sized from a campaign's remaining work: the `sbatch` command line that
/// `viroscope-coordinator slurm-submit` prints or runs (script: `ops/slurm/viroscope-worker.sbatch`).
public struct SlurmSubmission: Sendable, Equatable {
    /// Why a submission cannot be made; each names the flag to change.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case workers(Int)
        case cpusPerTask(Int)
        case time(String)
        case timeShorterThanStop(limit: Int, lead: Int)
        case grace(Int)

        public var description: String {
            switch self {
            case let .workers(n): return "--workers must be at least 1, not \(n)"
            case let .cpusPerTask(n): return "--cpus-per-task must be between 1 and 256, not \(n)"
            case let .time(text):
                return "--time \"\(text)\" is not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)"
            case let .timeShorterThanStop(limit, lead):
                return "--time of \(limit) s leaves no work time: workers are told to stop \(lead) s before the limit (--shutdown-grace + 60 s)"
            case let .grace(n): return "--shutdown-grace must be at least 1 s, not \(n) s"
            }
        }
    }

    /// Seconds between the stop signal and the time limit beyond the worker's grace: time for the worker to
    /// release what is still running and exit before Slurm kills the job.
    public static let exitMargin = 60

    public var campaign: String
    /// Array tasks (worker processes) to start.
    public var arrayTasks: Int
    public var cpusPerTask: Int
    public var timeLimit: String
    public var partition: String?
    public var account: String?
    /// The worker's --shutdown-grace, in seconds.
    public var shutdownGraceSeconds: Int
    public var script: String

    /// The array size for `remainingJobs` jobs: at most `workers`, and no more workers than could each hold
    /// a job on every thread (more would start, find nothing and leave). Nil when nothing remains.
    public static func arraySize(remainingJobs: Int, workers: Int, cpusPerTask: Int) -> Int? {
        guard remainingJobs > 0 else { return nil }
        let useful = (remainingJobs + cpusPerTask - 1) / cpusPerTask
        return min(workers, useful)
    }

    /// Checks the settings; the array size comes from `arraySize`.
    public init(campaign: String, arrayTasks: Int, cpusPerTask: Int, timeLimit: String, partition: String? = nil,
                account: String? = nil, shutdownGraceSeconds: Int = 540, script: String) throws
    {
        guard arrayTasks >= 1 else { throw Problem.workers(arrayTasks) }
        guard (1...256).contains(cpusPerTask) else { throw Problem.cpusPerTask(cpusPerTask) }
        guard shutdownGraceSeconds >= 1 else { throw Problem.grace(shutdownGraceSeconds) }
        guard let limit = Self.seconds(slurmTime: timeLimit) else { throw Problem.time(timeLimit) }
        let lead = shutdownGraceSeconds + Self.exitMargin
        guard limit > lead else { throw Problem.timeShorterThanStop(limit: limit, lead: lead) }
        self.campaign = campaign
        self.arrayTasks = arrayTasks
        self.cpusPerTask = cpusPerTask
        self.timeLimit = timeLimit
        self.partition = partition
        self.account = account
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.script = script
    }

    /// `sbatch` and its arguments. The database URL is never among them: the script reads it from the
    /// environment or the user's private file, so it stays out of `ps`, logs and Slurm's job records.
    public var arguments: [String] {
        var arguments = ["sbatch", "--job-name=\(jobName)", "--array=1-\(arrayTasks)", "--ntasks=1",
                         "--cpus-per-task=\(cpusPerTask)", "--time=\(timeLimit)",
                         "--signal=B:TERM@\(shutdownGraceSeconds + Self.exitMargin)"]
        if let partition { arguments.append("--partition=\(partition)") }
        if let account { arguments.append("--account=\(account)") }
        arguments.append("--export=ALL,VIROSCOPE_SHUTDOWN_GRACE=\(shutdownGraceSeconds)s")
        arguments.append(script)
        return arguments
    }

    /// `viroscope-` and the campaign name with anything but letters, digits, `.`, `_` and `-` made `_`,
    /// so that `squeue` shows it whole.
    public var jobName: String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return "viroscope-" + String(campaign.prefix(100).map { allowed.contains($0) ? $0 : "_" })
    }

    /// The command as one line a shell reads back the same way.
    public var commandLine: String { arguments.map(Self.shellQuoted).joined(separator: " ") }

    static func shellQuoted(_ word: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:@%+")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A Slurm time limit in seconds: "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours",
    /// "days-hours:minutes" or "days-hours:minutes:seconds" (sbatch(1)); nil if it is none of these or zero.
    public static func seconds(slurmTime text: String) -> Int? {
        func number(_ part: Substring) -> Int? {
            guard !part.isEmpty, part.count <= 6, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { return nil }
            return Int(part)
        }
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return nil }
        let clock = dayParts.last.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(number) } ?? []
        guard !clock.isEmpty, clock.count <= 3, clock.allSatisfy({ $0 != nil }) else { return nil }
        let values = clock.compactMap { $0 }
        var total: Int
        if dayParts.count == 2 {
            guard let days = number(dayParts[0]) else { return nil }
            // D-HH, D-HH:MM, D-HH:MM:SS
            let h = values[0], m = values.count > 1 ? values[1] : 0, s = values.count > 2 ? values[2] : 0
            total = days * 86400 + h * 3600 + m * 60 + s
        } else {
            switch values.count {
            case 1: total = values[0] * 60
            case 2: total = values[0] * 60 + values[1]
            default: total = values[0] * 3600 + values[1] * 60 + values[2]
            }
        }
        return total > 0 ? total : nil
    }
}
