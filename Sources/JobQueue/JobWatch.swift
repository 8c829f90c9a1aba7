import Foundation

/// What the worker pool knows about one running job that its executor must hear about: whether the lease is
/// still this worker's, and the deadline of the step it is in (the watchdog's input).
///
/// `@unchecked Sendable`: all mutable state is guarded by `lock`.
public final class JobWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var leaseLost = false
    private var stalled = false
    private var stepDeadline: ContinuousClock.Instant?
    private var stepLimit: Duration = .zero

    public init() {}

    /// True once a heartbeat found the lease gone (cancelled, rescued, finished elsewhere).
    public var isLeaseLost: Bool {
        lock.lock()
        defer { lock.unlock() }
        return leaseLost
    }

    /// True once a step ran past its deadline: the lease is no longer extended and the job is never released.
    public var isStalled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stalled
    }

    func markLeaseLost() {
        lock.lock()
        leaseLost = true
        lock.unlock()
    }

    /// Starts a step that should end within `limit`.
    func beginStep(limit: Duration) {
        lock.lock()
        stepDeadline = ContinuousClock.now + limit
        stepLimit = limit
        lock.unlock()
    }

    func endStep() {
        lock.lock()
        stepDeadline = nil
        lock.unlock()
    }

    /// Marks the job stalled if its current step is past its deadline; returns the step's limit the first time.
    func markStalledIfOverdue(at now: ContinuousClock.Instant) -> Duration? {
        lock.lock()
        defer { lock.unlock() }
        guard !stalled, let deadline = stepDeadline, now > deadline else { return nil }
        stalled = true
        return stepLimit
    }
}

/// Thrown by an executor that stopped early because `JobContext.shouldAbandon` said so: the pool releases
/// the job untouched (attempt not counted, no error recorded), or, if its lease is gone, lets it go.
public struct JobAbandoned: Error, CustomStringConvertible, Sendable, Equatable {
    public let jobID: Int64
    public init(jobID: Int64) { self.jobID = jobID }
    public var description: String { "job \(jobID): stopped before it finished; it goes back to the queue untouched" }
}
