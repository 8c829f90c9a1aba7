import Foundation

/// A thread-safe "please stop" flag that also wakes sleeping claimers.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
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

/// Jobs claimed by this process and not finished yet, for lease heartbeats and shutdown release.
final class HeldJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [Int64: ClaimedJob] = [:]

    func add(_ claimed: [ClaimedJob]) {
        lock.lock()
        for job in claimed { jobs[job.id] = job }
        lock.unlock()
    }

    func remove(_ id: Int64) {
        lock.lock()
        jobs[id] = nil
        lock.unlock()
    }

    var all: [ClaimedJob] {
        lock.lock()
        defer { lock.unlock() }
        return Array(jobs.values)
    }
}
