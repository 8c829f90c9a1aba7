import Foundation

/// A thread-safe "please stop" flag that also wakes sleeping claimers.
///
/// Two levels: a stop (claim nothing more; finish, or in release mode give back, the jobs held) and an
/// abandonment (a second signal, the end of the grace period, a stalled job: give back whatever is left now).
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var abandoning = false
    private var stopRequestedAt: ContinuousClock.Instant?
    private var wakeGeneration = 0

    public init() {}

    public var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// When the stop was requested, nil if not.
    public var requestedAt: ContinuousClock.Instant? {
        condition.lock()
        defer { condition.unlock() }
        return stopRequestedAt
    }

    /// Asks everything watching this signal to stop; idempotent.
    public func requestStop() {
        condition.lock()
        if !stopping {
            stopping = true
            stopRequestedAt = .now
        }
        wakeGeneration += 1
        condition.broadcast()
        condition.unlock()
    }

    /// True once running work should be given back at once instead of finished.
    public var isAbandoning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return abandoning
    }

    /// Stops, and asks running jobs to stop between steps and be released untouched; idempotent.
    public func requestAbandon() {
        requestStop()
        condition.lock()
        abandoning = true
        condition.unlock()
    }

    /// Wakes the waiters (new jobs were announced).
    func wake() {
        condition.lock()
        wakeGeneration += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps until woken, stopped, or `timeout`.
    func sleep(timeout: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let generation = wakeGeneration
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        while !stopping, wakeGeneration == generation {
            if !condition.wait(until: deadline) { return }
        }
    }
}

/// Jobs claimed by this process and not finished yet, for lease heartbeats, shutdown release and the
/// watchdog; each with the `JobWatch` its executor sees.
final class HeldJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [Int64: (job: ClaimedJob, watch: JobWatch)] = [:]

    func add(_ claimed: [ClaimedJob]) {
        lock.lock()
        for job in claimed { jobs[job.id] = (job, JobWatch()) }
        lock.unlock()
    }

    func remove(_ id: Int64) {
        lock.lock()
        jobs[id] = nil
        lock.unlock()
    }

    func watch(_ id: Int64) -> JobWatch? {
        lock.lock()
        defer { lock.unlock() }
        return jobs[id]?.watch
    }

    var all: [ClaimedJob] {
        lock.lock()
        defer { lock.unlock() }
        return jobs.values.map(\.job)
    }

    /// Held jobs whose lease should be kept alive: all but the stalled ones, which are left to expire so the
    /// job is rescued elsewhere.
    var leased: [ClaimedJob] {
        lock.lock()
        defer { lock.unlock() }
        return jobs.values.filter { !$0.watch.isStalled }.map(\.job)
    }

    /// Held jobs that may be released at shutdown: a stalled job is not (releasing would reset its attempt and
    /// hand the same hang to the next worker).
    var releasable: [ClaimedJob] { leased }

    /// Marks the jobs among `ids` as having lost their lease, so their executors stop between steps.
    func markLeaseLost(_ ids: Set<Int64>) {
        lock.lock()
        let watches = ids.compactMap { jobs[$0]?.watch }
        lock.unlock()
        for watch in watches { watch.markLeaseLost() }
    }

    /// Newly stalled jobs: a step that has run past its deadline. Each is reported once.
    func newlyStalled(at now: ContinuousClock.Instant) -> [(job: ClaimedJob, overdue: Duration)] {
        lock.lock()
        let entries = Array(jobs.values)
        lock.unlock()
        return entries.compactMap { entry in
            entry.watch.markStalledIfOverdue(at: now).map { (entry.job, $0) }
        }
    }
}
